/** Durable counters exported at /metrics: kept in the database so they survive restarts. */
import type { Db, Statement } from "./db.js";

export const COUNTERS = [
  "readings_accepted",
  "readings_duplicate",
  "readings_withdrawn",
  "readings_late",
  "readings_quarantined",
  "meters_compromised",
  "batches_built",
  "batches_empty",
  "attestations_on_chain",
  "attestations_received",
  "attestations_forwarded",
  "tamper_reports",
  "tx_sent",
  "tx_retries",
  "tx_reverted",
  "tx_rejected",
  "quarantine_dropped",
] as const;
export type CounterName = (typeof COUNTERS)[number];

export class Counters {
  private readonly add: Statement<[number, CounterName]>;
  private readonly selectAll: Statement<[], { name: CounterName; value: number }>;

  constructor(db: Db) {
    const seed = db.prepare<[CounterName]>("INSERT OR IGNORE INTO counters VALUES (?, 0)");
    for (const c of COUNTERS) seed.run(c);
    this.add = db.prepare("UPDATE counters SET value = value + ? WHERE name = ?");
    this.selectAll = db.prepare("SELECT name, value FROM counters");
  }

  /** Bumps collected by `deferred` (null when bumps go straight to the table). */
  private pending: Map<CounterName, number> | null = null;

  bump(name: CounterName, by = 1): void {
    if (this.pending) this.pending.set(name, (this.pending.get(name) ?? 0) + by);
    else this.add.run(by, name);
  }

  /**
   * Run `fn` (inside the caller's transaction) with its bumps summed and written once per counter at the
   * end: a request of 100 readings updates each counter row once, not 100 times.
   */
  deferred<T>(fn: () => T): T {
    if (this.pending) return fn();
    this.pending = new Map();
    try {
      const out = fn();
      const sums = this.pending;
      this.pending = null;
      for (const [name, by] of sums) this.add.run(by, name);
      return out;
    } finally {
      this.pending = null;
    }
  }

  all(): Record<CounterName, number> {
    const out = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
    for (const r of this.selectAll.all()) out[r.name] = r.value;
    return out;
  }
}
