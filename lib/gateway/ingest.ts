/**
 * Verify and store one meter reading (or a bulk array) as a meter head-end receives it. No HTTP here:
 * the server hands over parsed JSON and maps the verdict to a status code.
 *
 * Checks, cheapest first: strict JSON shape (lib/batches/reading.ts), the period window (complete and within
 * retention), the meter's signature, the meter's registration (known, active for that period, in a
 * cluster this node serves), then SPEC 4's value rules for the meter's kind. A refused reading is kept
 * in the quarantine with its reason; an accepted one is stored before the verdict is returned.
 */
import type { TypedDataDomain } from "ethers";
import { RETENTION_PERIODS } from "../constants.js";
import { GridShareError } from "../errors.js";
import {
  checkReading,
  signedReadingFromJson,
  verifyReadingSignature,
  type SignedReading,
} from "../batches/reading.js";
import { periodAt } from "../time.js";
import type { GatewayStore } from "./store.js";
import type { ChainView, Role } from "./types.js";
import type { RegisteredMeterKind } from "../chain/schema.js";

/** How the HTTP layer should answer; `status` is an HTTP status code. */
export type Verdict =
  | {
      readonly ok: true;
      readonly status: 200 | 202;
      readonly result: "accepted" | "duplicate" | "late";
      readonly meter: string;
      readonly period: number;
    }
  | {
      readonly ok: false;
      readonly status: 400 | 403 | 409 | 422;
      readonly code: string;
      readonly reason: string;
      readonly meter?: string;
      readonly period?: number;
    };

/** HTTP status per refusal code: shape errors are 400, identity 403, conflicts 409, the rest 422. */
const STATUS_OF: Record<string, 400 | 403 | 409 | 422> = {
  MALFORMED_READING: 400,
  VALUE_OUT_OF_RANGE: 400,
  NON_CANONICAL_SIGNATURE: 400,
  UNKNOWN_METER: 403,
  CLUSTER_NOT_SERVED: 403,
  METER_NOT_ALLOWED: 403,
  COMPROMISED_METER: 409,
};

export class PeriodWindowError extends GridShareError {
  constructor(code: "FUTURE_PERIOD" | "OUTSIDE_RETENTION", message: string) {
    super(code, message);
  }
}

export class MeterRefusedError extends GridShareError {
  constructor(code: "UNKNOWN_METER" | "CLUSTER_NOT_SERVED" | "METER_NOT_ALLOWED", message: string) {
    super(code, message);
  }
}

export interface IngestContext {
  readonly store: GatewayStore;
  readonly chain: ChainView;
  readonly domain: TypedDataDomain;
  /** Clusters this node serves and its role in each; refreshed by the scheduler. */
  readonly served: () => ReadonlyMap<number, Role>;
  /** Wall clock in ms (only for record timestamps). */
  readonly wallClock?: () => number;
}

function bodyOf(item: unknown): string {
  try {
    return JSON.stringify(item) ?? String(item);
  } catch {
    return String(item);
  }
}

/** Best-effort meter/period of an unparseable item, so its quarantine record can be found later. */
function hints(item: unknown): { meter: string | null; period: number | null } {
  if (typeof item !== "object" || item === null) return { meter: null, period: null };
  const r = (item as { reading?: unknown }).reading;
  if (typeof r !== "object" || r === null) return { meter: null, period: null };
  const { meter, period } = r as { meter?: unknown; period?: unknown };
  return {
    meter: typeof meter === "string" ? meter.slice(0, 42) : null,
    period: typeof period === "number" && Number.isInteger(period) && period >= 0 ? period : null,
  };
}

/** Chain checks: throws a MeterRefusedError unless this node serves the meter's cluster for `period`. */
async function checkMeter(
  ctx: IngestContext,
  signed: SignedReading,
): Promise<{ clusterId: number; kind: RegisteredMeterKind }> {
  const { meter, period } = signed.reading;
  const info = await ctx.chain.meterInfo(meter);
  if (info.status === "none" || info.kind === "none") {
    throw new MeterRefusedError("UNKNOWN_METER", `meter ${meter} is not registered in this grid`);
  }
  if (!ctx.served().has(info.clusterId)) {
    throw new MeterRefusedError(
      "CLUSTER_NOT_SERVED",
      `meter ${meter} belongs to cluster ${info.clusterId}, which this node neither parents nor neighbours: send it to that cluster's nodes`,
    );
  }
  if (!(await ctx.chain.isReadingAllowed(meter, info.clusterId, period))) {
    throw new MeterRefusedError(
      "METER_NOT_ALLOWED",
      `meter ${meter} (${info.status}) may not report period ${period}: its readings count for periods ${info.fromPeriod}..${info.untilPeriod - 1}`,
    );
  }
  return { clusterId: info.clusterId, kind: info.kind };
}

/** The grid's current period per the chain clock. */
export async function currentPeriod(chain: ChainView): Promise<number> {
  return periodAt(await chain.now(), await chain.epoch());
}

/**
 * Verify and store one item. `current` is the chain's current period: a reading is for a completed
 * period (`< current`) no older than the retention window.
 */
export async function ingestOne(ctx: IngestContext, item: unknown, current: number): Promise<Verdict> {
  const now = ctx.wallClock?.() ?? Date.now();
  const body = bodyOf(item);
  let signed: SignedReading | undefined;
  let clusterId: number | null = null;
  try {
    signed = signedReadingFromJson(item);
    const { meter, period } = signed.reading;
    if (period >= current) {
      throw new PeriodWindowError(
        "FUTURE_PERIOD",
        `period ${period} has not ended (current period ${current}): send a reading after its period closes`,
      );
    }
    if (period < current - RETENTION_PERIODS) {
      throw new PeriodWindowError(
        "OUTSIDE_RETENTION",
        `period ${period} is older than the ${RETENTION_PERIODS}-period retention window (current ${current})`,
      );
    }
    verifyReadingSignature(ctx.domain, signed);
    const m = await checkMeter(ctx, signed);
    clusterId = m.clusterId;
    checkReading(signed.reading, { kind: m.kind });
    const outcome = ctx.store.storeVerified(signed, m.clusterId, body, now);
    if (outcome.kind === "compromised") {
      if (ctx.served().get(m.clusterId) === "parent") {
        // SPEC 5: two readings for one period are a tamper alarm; the parent reports it on-chain.
        ctx.store.enqueue("reportTamper", m.clusterId, period, meter, JSON.stringify({ meter }), now);
      }
      return {
        ok: false,
        status: 409,
        code: "COMPROMISED_METER",
        reason: `meter ${meter} signed a different reading for period ${period}: both are quarantined and a tamper alarm is raised`,
        meter,
        period,
      };
    }
    if (outcome.kind === "duplicate") return { ok: true, status: 200, result: "duplicate", meter, period };
    return {
      ok: true,
      status: outcome.late ? 202 : 200,
      result: outcome.late ? "late" : "accepted",
      meter,
      period,
    };
  } catch (e) {
    if (!(e instanceof GridShareError)) throw e;
    const h = signed ? { meter: signed.reading.meter, period: signed.reading.period } : hints(item);
    ctx.store.quarantine(
      { meter: h.meter, period: h.period, clusterId, code: e.code, reason: e.message, body },
      now,
    );
    return {
      ok: false,
      status: STATUS_OF[e.code] ?? 422,
      code: e.code,
      reason: e.message,
      ...(h.meter !== null ? { meter: h.meter } : {}),
      ...(h.period !== null ? { period: h.period } : {}),
    };
  }
}

/** Largest bulk array accepted in one request (a head-end's 4-hour upload for a big feeder). */
export const MAX_BULK_READINGS = 1000;

/** Verify and store a single reading or a bulk array; every item gets its own verdict. */
export async function ingest(ctx: IngestContext, body: unknown): Promise<Verdict[]> {
  const current = await currentPeriod(ctx.chain);
  const items = Array.isArray(body) ? body : [body];
  const out: Verdict[] = [];
  for (const item of items) out.push(await ingestOne(ctx, item, current));
  return out;
}
