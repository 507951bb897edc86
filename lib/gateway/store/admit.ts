/**
 * One request's readings in one transaction: verified readings stored (a compromised meter-period also
 * enqueues its tamper report at the parent), refused ones quarantined within the source's allowance,
 * counters written once per name. The HTTP answer is sent after the commit, so a 2xx means on disk.
 */
import type { SignedReading } from "../../batches/reading.js";
import type { Counters } from "./counters.js";
import { transaction, type Db } from "./db.js";
import type { Outbox } from "./outbox.js";
import type { Quarantine, QuarantineRecord } from "./quarantine.js";
import type { Readings, StoreOutcome } from "./readings.js";

export type Admission =
  | {
      readonly kind: "verified";
      readonly signed: SignedReading;
      readonly clusterId: number;
      /** This node parents the meter's cluster: a compromised meter-period is reported on chain. */
      readonly reportTamper: boolean;
      /** The body to quarantine if the reading turns out compromised. */
      readonly body: () => string;
    }
  | { readonly kind: "refused"; readonly record: QuarantineRecord };

/** Per admission: the store outcome, or whether the refusal was kept or dropped (allowance spent). */
export type AdmitOutcome = StoreOutcome | { readonly kind: "quarantined" } | { readonly kind: "dropped" };

/** One request's admissions in a group commit. */
export interface AdmitRequest {
  readonly items: readonly Admission[];
  readonly now: number;
  readonly allowance?: number;
}

/** A request's outcomes, or the error that rolled back its part of the group. */
export type GroupOutcome = { readonly outcomes: AdmitOutcome[] } | { readonly error: unknown };

export class Admissions {
  private readonly admitTx: (items: readonly Admission[], now: number, allowance: number) => AdmitOutcome[];
  private readonly groupTx: (requests: readonly AdmitRequest[]) => GroupOutcome[];

  constructor(
    db: Db,
    private readonly readings: Readings,
    private readonly quarantine: Quarantine,
    private readonly outbox: Outbox,
    private readonly counters: Counters,
  ) {
    this.admitTx = transaction(db, (items: readonly Admission[], now: number, allowance: number) =>
      this.counters.deferred(() => this.admitInTx(items, now, allowance)),
    );
    // Each request is a savepoint inside the group's transaction: one that fails rolls back alone.
    this.groupTx = transaction(db, (requests: readonly AdmitRequest[]) =>
      requests.map((r): GroupOutcome => {
        try {
          return { outcomes: this.admitTx(r.items, r.now, r.allowance ?? Number.POSITIVE_INFINITY) };
        } catch (error) {
          return { error };
        }
      }),
    );
  }

  /**
   * Several requests in one transaction (one fsync): a group commit. Each request's part is its own
   * savepoint, so an error rolls back that request only.
   */
  admitGroup(requests: readonly AdmitRequest[]): GroupOutcome[] {
    return this.groupTx(requests);
  }

  /**
   * Admit a request's items in one transaction. At most `allowance` refusals are quarantined; the others
   * are counted (`quarantine_dropped`) but not kept.
   */
  admit(items: readonly Admission[], now: number, allowance = Number.POSITIVE_INFINITY): AdmitOutcome[] {
    return this.admitTx(items, now, allowance);
  }

  private admitInTx(items: readonly Admission[], now: number, allowance: number): AdmitOutcome[] {
    let kept = 0;
    const out = items.map((a): AdmitOutcome => {
      if (a.kind === "refused") {
        if (kept >= allowance) {
          this.counters.bump("quarantine_dropped");
          return { kind: "dropped" };
        }
        kept++;
        this.quarantine.addInTx(a.record, now);
        return { kind: "quarantined" };
      }
      const outcome = this.readings.storeInTx(a.signed, a.clusterId, a.body, now);
      if (outcome.kind === "compromised" && a.reportTamper) {
        const { meter, period } = a.signed.reading;
        // SPEC 5: two readings for one period are a tamper alarm; the parent reports it on-chain.
        this.outbox.enqueueInTx(
          {
            kind: "reportTamper",
            clusterId: a.clusterId,
            period,
            target: meter,
            payload: JSON.stringify({ meter }),
          },
          now,
        );
      }
      return outcome;
    });
    if (kept > 0) this.quarantine.trimInTx();
    return out;
  }
}
