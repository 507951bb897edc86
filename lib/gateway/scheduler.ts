/**
 * The period scheduler: closes each served cluster's periods in order, exactly once. A period closes when
 * every meter allowed to report it has reported, or once a grace time into the next period has passed
 * (the ledger's voting window is the next period, SPEC 6, so the grace must stay well under 4 hours).
 * Closing builds the batch from this node's own copy of the readings, stores it with its proofs and the
 * on-chain intent (parent: propose; neighbour: vote) in one transaction, and advances the cursor.
 */
import { PERIOD_SECONDS, RETENTION_PERIODS } from "../constants.js";
import { GridShareError } from "../errors.js";
import { periodAt, periodStart } from "../time.js";
import type { GatewayStore } from "./store.js";
import type { BatchBuilder, ChainView, Role } from "./types.js";

/** Default grace: 30 minutes into the next period for late meters. */
export const DEFAULT_GRACE_SECONDS = 1_800;
/** Periods one tick closes per cluster at most (a gateway catching up after downtime works in steps). */
export const MAX_CLOSE_PER_TICK = 42;

export interface SchedulerOptions {
  readonly store: GatewayStore;
  readonly chain: ChainView;
  readonly node: string;
  readonly build: BatchBuilder;
  readonly graceSeconds?: number;
  /** First period to close for a newly served cluster (default: the current period at first sight). */
  readonly startPeriod?: number;
  readonly clock?: () => number;
}

export interface TickResult {
  readonly current: number;
  readonly closed: { readonly clusterId: number; readonly period: number; readonly leafCount: number }[];
  readonly pruned: number;
}

export class GraceError extends GridShareError {
  constructor(grace: number) {
    super(
      "INVALID_GRACE",
      `grace ${grace} s must be 0..${PERIOD_SECONDS / 2} s: the vote must land within the next period`,
    );
  }
}

export class Scheduler {
  private served = new Map<number, Role>();
  private readonly grace: number;

  constructor(private readonly o: SchedulerOptions) {
    this.grace = o.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    if (!Number.isInteger(this.grace) || this.grace < 0 || this.grace > PERIOD_SECONDS / 2)
      throw new GraceError(this.grace);
  }

  /** Clusters this node serves and its role in each (as of the last refresh). */
  servedClusters(): ReadonlyMap<number, Role> {
    return this.served;
  }

  /** Re-read the topology; a newly served cluster starts at `startPeriod` (or the current period). */
  async refresh(current?: number): Promise<void> {
    const list = await this.o.chain.servedClusters(this.o.node);
    const cur = current ?? periodAt(await this.o.chain.now(), await this.o.chain.epoch());
    const next = new Map<number, Role>();
    for (const s of list) {
      next.set(s.clusterId, s.role);
      this.o.store.initCursor(s.clusterId, s.role, this.o.startPeriod ?? cur);
    }
    this.served = next;
  }

  /** Whether every meter allowed to report `period` has a reading here. */
  private async complete(clusterId: number, period: number): Promise<boolean> {
    const meters = await this.o.chain.metersOf(clusterId);
    for (const m of meters) {
      if (!(await this.o.chain.isReadingAllowed(m, clusterId, period))) continue;
      if (this.o.store.isCompromised(m, period)) continue;
      if (!this.o.store.getReading(m, period)) return false;
    }
    return true;
  }

  /** One step of the service loop: close ready periods, re-raise alarms, prune. Bounded work. */
  async tick(): Promise<TickResult> {
    const now = await this.o.chain.now();
    const epoch = await this.o.chain.epoch();
    const current = periodAt(now, epoch);
    await this.refresh(current);
    const closed: TickResult["closed"] = [];
    const wall = this.o.clock?.() ?? Date.now();
    for (const [clusterId, role] of this.served) {
      for (let i = 0; i < MAX_CLOSE_PER_TICK; i++) {
        const p = this.o.store.cursor(clusterId);
        if (p === undefined || p >= current) break;
        const graceOver = now >= periodStart(p + 1, epoch) + BigInt(this.grace);
        if (!graceOver && !(await this.complete(clusterId, p))) break;
        const readings = [];
        for (const s of this.o.store.readingsOf(clusterId, p)) {
          // Re-check: a meter tampered or replaced since acceptance may no longer count for p.
          if (await this.o.chain.isReadingAllowed(s.reading.meter, clusterId, p)) readings.push(s);
        }
        const built = readings.length > 0 ? this.o.build(clusterId, p, readings) : null;
        this.o.store.closePeriod(clusterId, p, role, built, wall);
        closed.push({ clusterId, period: p, leafCount: readings.length });
      }
    }
    // A compromised meter found by a crashed process may lack its report: INSERT OR IGNORE re-adds it.
    for (const c of this.o.store.compromisedMeters()) {
      if (this.served.get(c.clusterId) === "parent") {
        this.o.store.enqueue(
          "reportTamper",
          c.clusterId,
          c.period,
          c.meter,
          JSON.stringify({ meter: c.meter }),
          wall,
        );
      }
    }
    const pruned = this.o.store.prune(current - RETENTION_PERIODS);
    return { current, closed, pruned };
  }
}
