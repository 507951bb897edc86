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

  bump(name: CounterName, by = 1): void {
    this.add.run(by, name);
  }

  all(): Record<CounterName, number> {
    const out = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
    for (const r of this.selectAll.all()) out[r.name] = r.value;
    return out;
  }
}
