/**
 * Accepted readings, and admitting a verified one: idempotent for the same signed reading; a second,
 * different one for a meter-period quarantines both and raises the compromised-meter alarm (SPEC 5).
 */
import { signedReadingToJson, type SignedReading } from "../../batches/reading.js";
import type { Batches } from "./batches.js";
import {
  rowToSigned,
  sameSignedReading,
  signedToColumns,
  type ReadingColumns,
  type ReadingRow,
} from "./codec.js";
import type { Counters } from "./counters.js";
import { StoreError, transaction, type Db, type Statement } from "./db.js";
import type { Alarms, Quarantine } from "./quarantine.js";

/** Outcome of storing a verified reading. */
export type StoreOutcome =
  | { readonly kind: "accepted"; readonly late: boolean }
  | { readonly kind: "duplicate" }
  /** A different reading for the same meter-period (or one already marked compromised): both quarantined. */
  | { readonly kind: "compromised"; readonly firstAlarm: boolean };

export class Readings {
  private readonly select: Statement<[string, number], ReadingRow>;
  private readonly selectBatchable: Statement<[number, number], ReadingRow>;
  private readonly selectCount: Statement<[], { n: number }>;
  private readonly insert: Statement<ReadingColumns>;
  private readonly remove: Statement<[string, number]>;
  private readonly storeTx: (
    signed: SignedReading,
    clusterId: number,
    body: () => string,
    now: number,
  ) => StoreOutcome;

  constructor(
    db: Db,
    private readonly batches: Batches,
    private readonly quarantine: Quarantine,
    private readonly alarms: Alarms,
    private readonly counters: Counters,
  ) {
    this.select = db.prepare("SELECT * FROM readings WHERE meter = ? AND period = ?");
    this.selectBatchable = db.prepare(
      "SELECT * FROM readings WHERE cluster_id = ? AND period = ? AND late = 0 ORDER BY meter",
    );
    this.selectCount = db.prepare("SELECT COUNT(*) AS n FROM readings");
    this.insert = db.prepare(
      "INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (period, meter) DO NOTHING",
    );
    this.remove = db.prepare("DELETE FROM readings WHERE meter = ? AND period = ?");
    this.storeTx = transaction(db, this.storeInTx.bind(this));
  }

  get(meter: string, period: number): SignedReading | undefined {
    const r = this.select.get(meter, period);
    return r ? rowToSigned(r) : undefined;
  }

  /** Accepted, in-batch readings of a cluster-period, meter ascending (late ones excluded). */
  of(clusterId: number, period: number): SignedReading[] {
    return this.selectBatchable.all(clusterId, period).map(rowToSigned);
  }

  count(): number {
    return this.selectCount.get()?.n ?? 0;
  }

  /**
   * Store a verified reading for `clusterId` in one transaction. A reading for a period whose batch is
   * already built is kept but flagged late (it cannot join a committed batch).
   */
  storeVerified(signed: SignedReading, clusterId: number, body: string, now: number): StoreOutcome {
    return this.storeTx(signed, clusterId, () => body, now);
  }

  /**
   * storeVerified inside the caller's transaction; `body` is asked for only when the reading must be
   * quarantined (a compromised meter-period), so an accepted one is never serialised again.
   */
  storeInTx(signed: SignedReading, clusterId: number, body: () => string, now: number): StoreOutcome {
    const { meter, period } = signed.reading;
    const at = { meter, period, clusterId };
    if (this.alarms.isCompromised(meter, period)) {
      this.quarantine.addCompromisedInTx(at, body(), now);
      return { kind: "compromised", firstAlarm: false };
    }
    // The usual case, a new meter-period, costs one insert; a conflict means one is stored already.
    const late = this.batches.has(clusterId, period);
    if (this.insert.run(...signedToColumns(signed, clusterId, now, late)).changes === 1) {
      this.counters.bump("readings_accepted");
      if (late) this.counters.bump("readings_late");
      return { kind: "accepted", late };
    }
    const existing = this.get(meter, period);
    if (!existing)
      throw new StoreError(`reading of ${meter} for period ${period} conflicts with no stored row`);
    if (sameSignedReading(existing, signed)) {
      this.counters.bump("readings_duplicate");
      return { kind: "duplicate" };
    }
    // Two different meter-signed readings: the key is compromised. Neither may be trusted; the first
    // is withdrawn unless it is already committed in a built batch (then it stays provable).
    const committed = this.batches.isCommitted(meter, period);
    if (!committed) {
      this.remove.run(meter, period);
      this.counters.bump("readings_withdrawn");
    }
    this.quarantine.addCompromisedInTx(
      at,
      JSON.stringify(signedReadingToJson(existing)),
      now,
      committed ? " (first reading, already in a built batch: kept there)" : " (first reading, withdrawn)",
    );
    this.quarantine.addCompromisedInTx(at, body(), now);
    this.alarms.raiseInTx(at, now);
    return { kind: "compromised", firstAlarm: true };
  }
}
