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

/** A meter-period whose meter signed two different readings. */
export interface MeterPeriod {
  readonly meter: string;
  readonly period: number;
  readonly clusterId: number;
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
  private readonly addTx: (rec: QuarantineRecord, now: number) => void;

  constructor(
    db: Db,
    private readonly counters: Counters,
  ) {
    this.insert = db.prepare(
      "INSERT INTO quarantine (meter, period, cluster_id, code, reason, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.selectAll = db.prepare(
      "SELECT meter, period, cluster_id, code, reason, body FROM quarantine ORDER BY id",
    );
    this.addTx = transaction(db, (rec: QuarantineRecord, now: number) => this.addInTx(rec, now));
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

  constructor(
    db: Db,
    private readonly counters: Counters,
  ) {
    this.selectOne = db.prepare("SELECT 1 FROM compromised WHERE meter = ? AND period = ?");
    this.insert = db.prepare("INSERT INTO compromised VALUES (?, ?, ?, ?)");
    this.selectAll = db.prepare(
      "SELECT meter, period, cluster_id FROM compromised ORDER BY detected_at, meter",
    );
  }

  isCompromised(meter: string, period: number): boolean {
    return this.selectOne.get(meter, period) !== undefined;
  }

  /** Mark a meter-period compromised (inside the caller's transaction). */
  raiseInTx(at: MeterPeriod, now: number): void {
    this.insert.run(at.meter, at.period, at.clusterId, now);
    this.counters.bump("meters_compromised");
  }

  list(): MeterPeriod[] {
    return this.selectAll.all().map((r) => ({ meter: r.meter, period: r.period, clusterId: r.cluster_id }));
  }
}
