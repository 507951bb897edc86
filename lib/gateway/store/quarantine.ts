/**
 * The quarantine (bodies refused or distrusted, kept for inspection) and the compromised-meter alarms
 * (a meter that signed two different readings for one period, SPEC 5).
 */
import type { Counters } from "./counters.js";
import { transaction, type Db, type Statement } from "./db.js";

export interface QuarantineRecord {
  readonly meter: string | null;
  readonly period: number | null;
  readonly clusterId: number | null;
  readonly code: string;
  readonly reason: string;
  /** The body as received (truncated to `MAX_QUARANTINE_BODY` characters). */
  readonly body: string;
}

/** Quarantined bodies are kept for inspection, but never more than this much of one. */
export const MAX_QUARANTINE_BODY = 4096;

/**
 * Rows the quarantine keeps at most (about 45 MB with full bodies); beyond it the oldest refusals go
 * first. Compromised-meter evidence is never dropped for room: only signed readings make it, so it is
 * bounded by the meters.
 */
export const DEFAULT_QUARANTINE_CAP = 10_000;

/** A quarantine record as the HTTP endpoint shows it: no body (a reading is personal data). */
export interface QuarantineEntry {
  readonly id: number;
  readonly meter: string | null;
  readonly period: number | null;
  readonly clusterId: number | null;
  readonly code: string;
  readonly reason: string;
  /** ms since 1970 */
  readonly receivedAt: number;
}

/** A meter-period whose meter signed two different readings. */
export interface MeterPeriod {
  readonly meter: string;
  readonly period: number;
  readonly clusterId: number;
}

interface QuarantineEntryRow {
  id: number;
  meter: string | null;
  period: number | null;
  cluster_id: number | null;
  code: string;
  reason: string;
  received_at: number;
}

interface QuarantineRow {
  meter: string | null;
  period: number | null;
  cluster_id: number | null;
  code: string;
  reason: string;
  body: string;
}

export class Quarantine {
  private readonly insert: Statement<
    [string | null, number | null, number | null, string, string, string, number]
  >;
  private readonly selectAll: Statement<[], QuarantineRow>;
  private readonly selectRecent: Statement<[number, number], QuarantineEntryRow>;
  private readonly selectRecentOf: Statement<[string, number, number], QuarantineEntryRow>;
  private readonly selectCount: Statement<[], { n: number }>;
  private readonly trim: Statement<[number]>;
  private readonly addTx: (rec: QuarantineRecord, now: number) => void;

  constructor(
    db: Db,
    private readonly counters: Counters,
    private readonly cap = DEFAULT_QUARANTINE_CAP,
  ) {
    this.insert = db.prepare(
      "INSERT INTO quarantine (meter, period, cluster_id, code, reason, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.selectAll = db.prepare(
      "SELECT meter, period, cluster_id, code, reason, body FROM quarantine ORDER BY id",
    );
    const entry = "SELECT id, meter, period, cluster_id, code, reason, received_at FROM quarantine";
    this.selectRecent = db.prepare(`${entry} WHERE id < ? ORDER BY id DESC LIMIT ?`);
    this.selectRecentOf = db.prepare(`${entry} WHERE meter = ? AND id < ? ORDER BY id DESC LIMIT ?`);
    this.selectCount = db.prepare("SELECT COUNT(*) AS n FROM quarantine");
    // Ids only grow, so the rows below max(id) - cap are the oldest beyond the cap.
    this.trim = db.prepare(
      "DELETE FROM quarantine WHERE id <= (SELECT MAX(id) FROM quarantine) - ? AND code != 'COMPROMISED_METER'",
    );
    this.addTx = transaction(db, (rec: QuarantineRecord, now: number) => {
      this.addInTx(rec, now);
      this.trimInTx();
    });
  }

  /** Drop the oldest rows beyond the cap (inside the caller's transaction). */
  trimInTx(): void {
    this.trim.run(this.cap);
  }

  count(): number {
    return this.selectCount.get()?.n ?? 0;
  }

  /** Newest records first, below id `before`, optionally of one meter. */
  recent(limit: number, opts: { meter?: string; before?: number } = {}): QuarantineEntry[] {
    const before = opts.before ?? Number.MAX_SAFE_INTEGER;
    const rows = opts.meter
      ? this.selectRecentOf.all(opts.meter, before, limit)
      : this.selectRecent.all(before, limit);
    return rows.map((r) => ({
      id: r.id,
      meter: r.meter,
      period: r.period,
      clusterId: r.cluster_id,
      code: r.code,
      reason: r.reason,
      receivedAt: r.received_at,
    }));
  }

  /** Quarantine a body in its own transaction. */
  add(rec: QuarantineRecord, now: number): void {
    this.addTx(rec, now);
  }

  /** Quarantine a body inside the caller's transaction. */
  addInTx(rec: QuarantineRecord, now: number): void {
    this.insert.run(
      rec.meter,
      rec.period,
      rec.clusterId,
      rec.code,
      rec.reason,
      rec.body.slice(0, MAX_QUARANTINE_BODY),
      now,
    );
    this.counters.bump("readings_quarantined");
  }

  /**
   * Quarantine a reading of a compromised meter-period (inside the caller's transaction); `note` says
   * what became of it when it is the first of the two.
   */
  addCompromisedInTx(at: MeterPeriod, body: string, now: number, note = ""): void {
    this.addInTx(
      {
        meter: at.meter,
        period: at.period,
        clusterId: at.clusterId,
        code: "COMPROMISED_METER",
        reason: `meter ${at.meter} signed two different readings for period ${at.period}: its key is compromised; both are quarantined and a tamper alarm is raised${note}`,
        body,
      },
      now,
    );
  }

  list(): QuarantineRecord[] {
    return this.selectAll.all().map((r) => ({
      meter: r.meter,
      period: r.period,
      clusterId: r.cluster_id,
      code: r.code,
      reason: r.reason,
      body: r.body,
    }));
  }
}

/** Meter-periods marked compromised: later readings for them are quarantined, and a tamper report is due. */
export class Alarms {
  private readonly selectOne: Statement<[string, number]>;
  private readonly insert: Statement<[string, number, number, number]>;
  private readonly selectAll: Statement<[], { meter: string; period: number; cluster_id: number }>;
  /**
   * Whether the table may hold a row: false only while it is known empty (the usual state), so checking
   * each reading costs no query. Set on every raise, even one its transaction later rolls back (then a
   * check only queries needlessly).
   */
  private mayHoldAny: boolean;

  constructor(
    db: Db,
    private readonly counters: Counters,
  ) {
    this.mayHoldAny = db.prepare("SELECT 1 FROM compromised LIMIT 1").get() !== undefined;
    this.selectOne = db.prepare("SELECT 1 FROM compromised WHERE meter = ? AND period = ?");
    this.insert = db.prepare("INSERT INTO compromised VALUES (?, ?, ?, ?)");
    this.selectAll = db.prepare(
      "SELECT meter, period, cluster_id FROM compromised ORDER BY detected_at, meter",
    );
  }

  isCompromised(meter: string, period: number): boolean {
    return this.mayHoldAny && this.selectOne.get(meter, period) !== undefined;
  }

  /** Mark a meter-period compromised (inside the caller's transaction). */
  raiseInTx(at: MeterPeriod, now: number): void {
    this.mayHoldAny = true;
    this.insert.run(at.meter, at.period, at.clusterId, now);
    this.counters.bump("meters_compromised");
  }

  list(): MeterPeriod[] {
    return this.selectAll.all().map((r) => ({ meter: r.meter, period: r.period, clusterId: r.cluster_id }));
  }
}
