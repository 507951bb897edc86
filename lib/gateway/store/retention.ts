/** SPEC 3 retention: raw data of anchored cluster-periods is dropped once it is old enough. */
import { PERIOD_SECONDS, RETENTION_PERIODS } from "../../constants.js";
import { transaction, type Db, type Statement } from "./db.js";

/** Quarantine rows older than the retention window go whatever their period (NULL and uint32 max too). */
export const QUARANTINE_MAX_AGE_MS = RETENTION_PERIODS * PERIOD_SECONDS * 1000;

/** A reading's cluster-period is anchored (its batch's transaction is final) or was closed empty. */
const ANCHORED = `(
  EXISTS (SELECT 1 FROM outbox o WHERE o.cluster_id = readings.cluster_id AND o.period = readings.period
          AND o.kind = 'attest' AND o.status IN ('confirmed','reverted','rejected'))
  OR (NOT EXISTS (SELECT 1 FROM batches b WHERE b.cluster_id = readings.cluster_id AND b.period = readings.period)
      AND EXISTS (SELECT 1 FROM cursors c WHERE c.cluster_id = readings.cluster_id AND c.next_period > readings.period)))`;

export class Retention {
  private readonly pruneTx: (beforePeriod: number, now: number) => number;

  constructor(db: Db) {
    const readings: Statement<[number]> = db.prepare(`DELETE FROM readings WHERE period < ? AND ${ANCHORED}`);
    const leaves: Statement<[number]> = db.prepare(
      "DELETE FROM batch_leaves WHERE period < ? AND NOT EXISTS (SELECT 1 FROM readings r WHERE r.meter = batch_leaves.meter AND r.period = batch_leaves.period)",
    );
    const quarantine: Statement<[number, number]> = db.prepare(
      "DELETE FROM quarantine WHERE period < ? OR received_at < ?",
    );
    const alarms: Statement<[number]> = db.prepare("DELETE FROM compromised WHERE period < ?");
    const attestations: Statement<[number]> = db.prepare("DELETE FROM attestations WHERE period < ?");
    this.pruneTx = transaction(db, (beforePeriod: number, now: number) => {
      const n = readings.run(beforePeriod).changes;
      leaves.run(beforePeriod);
      quarantine.run(beforePeriod, now - QUARANTINE_MAX_AGE_MS);
      alarms.run(beforePeriod);
      attestations.run(beforePeriod);
      return n;
    });
  }

  /**
   * Drop raw data older than `beforePeriod`, but only for cluster-periods that are anchored or closed
   * empty. Alarms and held attestations older than that go too, and quarantine rows of older periods or
   * received more than `QUARANTINE_MAX_AGE_MS` before `now` (ms since 1970).
   * @returns the number of readings deleted.
   */
  prune(beforePeriod: number, now: number): number {
    return this.pruneTx(beforePeriod, now);
  }
}
