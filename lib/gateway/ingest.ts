/**
 * Verify and store one meter reading (or a bulk array) as a meter head-end receives it. No HTTP here:
 * the server hands over parsed JSON and maps the verdicts to status codes.
 *
 * Checks, cheapest first: strict JSON shape (lib/batches/reading.ts), the period window (complete and
 * within retention), the meter's signature (every item of a request recovered in parallel, on worker
 * threads when the context has a pool), the meter's registration (known, active for that period, in a
 * cluster this node serves), then SPEC 4's value rules for the meter's kind. Then the whole request is
 * admitted in one SQLite transaction: accepted readings stored, refused ones quarantined with their
 * reason. Verdicts are returned after the commit; a failure before it stores nothing of the request.
 */
import type { TypedDataDomain } from "ethers";
import { RETENTION_PERIODS } from "../constants.js";
import { GridShareError } from "../errors.js";
import { checkReading, signedReadingFromJson, type SignedReading } from "../batches/reading.js";
import { periodAt } from "../time.js";
import type { Admission, AdmitOutcome, GatewayStore, QuarantineRecord } from "./store.js";
import type { ChainView, Role } from "./types.js";
import type { RegisteredMeterKind } from "../chain/schema.js";
import { ReadingHasher } from "./verify/digest.js";
import { recoverPackedHere, type RecoveryPool } from "./verify/pool.js";
import { DIGEST_BYTES, SIGNATURE_BYTES } from "./verify/recover.js";

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

/** Refusals that depend on chain state (clock, registry): re-checked once against a fresh view. */
const CHAIN_DEPENDENT = new Set([
  "FUTURE_PERIOD",
  "OUTSIDE_RETENTION",
  "UNKNOWN_METER",
  "CLUSTER_NOT_SERVED",
  "METER_NOT_ALLOWED",
]);

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

/**
 * The signature does not recover to the reading's meter. The usual causes are named: a reading altered
 * after signing, or one signed for another EIP-712 domain (chain id or registry), which recovers to an
 * address nobody knows.
 */
export class SignatureMismatchError extends GridShareError {
  constructor(meter: string, recovered: string | null, domain: TypedDataDomain) {
    super(
      "SIGNATURE_MISMATCH",
      `reading claims meter ${meter} but its signature ${recovered ? `recovers to ${recovered}` : "recovers no key"}: ` +
        `either the reading was altered after signing, or it was signed for another EIP-712 domain; this ` +
        `gateway verifies domain "${String(domain.name)}" version ${String(domain.version)}, chainId ` +
        `${String(domain.chainId)}, verifyingContract ${String(domain.verifyingContract)}`,
    );
  }
}

/** The chain could not be read (RPC down or failing): nothing of the request was stored. */
export class ChainUnavailableError extends GridShareError {
  constructor(cause: unknown) {
    const m = cause instanceof Error ? cause.message : String(cause);
    super("CHAIN_UNAVAILABLE", `the chain node cannot be read (${m.split("\n")[0]?.slice(0, 200)})`, {
      cause,
    });
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
  /** Signature recovery on worker threads; inline on this thread when absent. */
  readonly recovery?: RecoveryPool;
  /** Digests of `domain` (made from it when absent). */
  readonly hasher?: ReadingHasher;
  /**
   * Re-read the chain view (a cached view's sync): a refusal that depends on chain state is judged again
   * after it, so a stale cache never refuses a good reading.
   */
  readonly refresh?: () => Promise<void>;
  /** Admit a request's items (a group commit); `store.admit` in its own transaction when absent. */
  readonly admit?: (items: readonly Admission[], now: number, allowance?: number) => Promise<AdmitOutcome[]>;
}

export interface IngestOptions {
  /** Refusals that may be kept in the quarantine (the source's allowance); the rest are answered only. */
  readonly quarantineAllowance?: number;
}

export interface IngestReport {
  readonly verdicts: Verdict[];
  /** Items refused (kept in the quarantine or not). */
  readonly refused: number;
  /** Refusals not kept: the allowance was spent. */
  readonly dropped: number;
}

/** Largest bulk array accepted in one request (a head-end's 4-hour upload for a big feeder). */
export const MAX_BULK_READINGS = 1000;

/** An item's body for the quarantine: never throws (a body too deep to serialise is named, not kept). */
function bodyOf(item: unknown): string {
  try {
    return JSON.stringify(item) ?? `<${typeof item}>`;
  } catch {
    return "<body that cannot be serialised>";
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

/** Run a chain read; any failure of it means the chain cannot be read now. */
async function fromChain<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof GridShareError) throw e;
    throw new ChainUnavailableError(e);
  }
}

/** The grid's current period per the chain clock. */
export async function currentPeriod(chain: ChainView): Promise<number> {
  return fromChain(async () => periodAt(await chain.now(), await chain.epoch()));
}

/** Chain checks: throws a MeterRefusedError unless this node serves the meter's cluster for `period`. */
async function checkMeter(
  ctx: IngestContext,
  signed: SignedReading,
): Promise<{ clusterId: number; kind: RegisteredMeterKind }> {
  const { meter, period } = signed.reading;
  const info = await fromChain(() => ctx.chain.meterInfo(meter));
  if (info.status === "none" || info.kind === "none") {
    throw new MeterRefusedError("UNKNOWN_METER", `meter ${meter} is not registered in this grid`);
  }
  if (!ctx.served().has(info.clusterId)) {
    throw new MeterRefusedError(
      "CLUSTER_NOT_SERVED",
      `meter ${meter} belongs to cluster ${info.clusterId}, which this node neither parents nor neighbours: send it to that cluster's nodes`,
    );
  }
  if (!(await fromChain(() => ctx.chain.isReadingAllowed(meter, info.clusterId, period)))) {
    throw new MeterRefusedError(
      "METER_NOT_ALLOWED",
      `meter ${meter} (${info.status}) may not report period ${period}: its readings count for periods ${info.fromPeriod}..${info.untilPeriod - 1}`,
    );
  }
  return { clusterId: info.clusterId, kind: info.kind };
}

function checkWindow(period: number, current: number): void {
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
}

/** One item's judgement before storage. */
type Judged =
  | { readonly ok: true; readonly signed: SignedReading; readonly clusterId: number }
  | {
      readonly ok: false;
      readonly error: GridShareError;
      readonly signed?: SignedReading;
      readonly clusterId: number | null;
    };

/** Recover every candidate's signer at once (worker pool, or inline). */
async function recoverAll(
  ctx: IngestContext,
  hasher: ReadingHasher,
  items: readonly SignedReading[],
): Promise<(string | null)[]> {
  const digests = new Uint8Array(items.length * DIGEST_BYTES);
  const signatures = new Uint8Array(items.length * SIGNATURE_BYTES);
  const signatureBytes = Buffer.from(signatures.buffer);
  items.forEach((s, i) => {
    hasher.digestInto(s.reading, digests, i * DIGEST_BYTES);
    signatureBytes.write(s.signature.slice(2), i * SIGNATURE_BYTES, "hex");
  });
  return ctx.recovery
    ? ctx.recovery.recoverPacked(digests, signatures, items.length)
    : recoverPackedHere(digests, signatures, items.length);
}

/** Judge items against period `current`: shape and window, signatures (in parallel), registry, values. */
async function judge(ctx: IngestContext, items: readonly unknown[], current: number): Promise<Judged[]> {
  const hasher = ctx.hasher ?? new ReadingHasher(ctx.domain);
  const out: Judged[] = new Array<Judged>(items.length);
  const candidates: { index: number; signed: SignedReading }[] = [];
  for (const [index, item] of items.entries()) {
    try {
      const signed = signedReadingFromJson(item);
      checkWindow(signed.reading.period, current);
      candidates.push({ index, signed });
    } catch (e) {
      if (!(e instanceof GridShareError)) throw e;
      out[index] = { ok: false, error: e, clusterId: null };
    }
  }
  const signers = await recoverAll(
    ctx,
    hasher,
    candidates.map((c) => c.signed),
  );
  await Promise.all(
    candidates.map(async ({ index, signed }, k) => {
      const meter = signed.reading.meter;
      let clusterId: number | null = null;
      try {
        const signer = signers[k] ?? null;
        if (signer !== meter.toLowerCase()) throw new SignatureMismatchError(meter, signer, ctx.domain);
        const m = await checkMeter(ctx, signed);
        clusterId = m.clusterId;
        checkReading(signed.reading, { kind: m.kind });
        out[index] = { ok: true, signed, clusterId };
      } catch (e) {
        if (!(e instanceof GridShareError) || e instanceof ChainUnavailableError) throw e;
        out[index] = { ok: false, error: e, signed, clusterId };
      }
    }),
  );
  return out;
}

function verdictOf(j: Judged, item: unknown, outcome: AdmitOutcome): Verdict {
  if (j.ok) {
    const { meter, period } = j.signed.reading;
    if (outcome.kind === "compromised") {
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
    const late = outcome.kind === "accepted" && outcome.late;
    return { ok: true, status: late ? 202 : 200, result: late ? "late" : "accepted", meter, period };
  }
  const h = j.signed ? { meter: j.signed.reading.meter, period: j.signed.reading.period } : hints(item);
  return {
    ok: false,
    status: STATUS_OF[j.error.code] ?? 422,
    code: j.error.code,
    reason: j.error.message,
    ...(h.meter !== null ? { meter: h.meter } : {}),
    ...(h.period !== null ? { period: h.period } : {}),
  };
}

function admissionOf(ctx: IngestContext, j: Judged, item: unknown): Admission {
  if (j.ok) {
    return {
      kind: "verified",
      signed: j.signed,
      clusterId: j.clusterId,
      reportTamper: ctx.served().get(j.clusterId) === "parent",
      body: () => bodyOf(item),
    };
  }
  const h = j.signed ? { meter: j.signed.reading.meter, period: j.signed.reading.period } : hints(item);
  const record: QuarantineRecord = {
    meter: h.meter,
    period: h.period,
    clusterId: j.clusterId,
    code: j.error.code,
    reason: j.error.message,
    body: bodyOf(item),
  };
  return { kind: "refused", record };
}

/**
 * Verify and store a single reading or a bulk array in one transaction; every item gets its own
 * verdict. Throws ChainUnavailableError (nothing stored) when the chain cannot be read.
 */
export async function ingestReport(
  ctx: IngestContext,
  body: unknown,
  opts: IngestOptions = {},
): Promise<IngestReport> {
  const items = Array.isArray(body) ? body : [body];
  let judged = await judge(ctx, items, await currentPeriod(ctx.chain));
  const stale = judged.flatMap((j, i) => (!j.ok && CHAIN_DEPENDENT.has(j.error.code) ? [i] : []));
  if (ctx.refresh && stale.length > 0) {
    await fromChain(ctx.refresh);
    const again = await judge(
      ctx,
      stale.map((i) => items[i]),
      await currentPeriod(ctx.chain),
    );
    judged = judged.map((j, i) => {
      const k = stale.indexOf(i);
      return k >= 0 ? (again[k] as Judged) : j;
    });
  }
  const now = ctx.wallClock?.() ?? Date.now();
  const admissions = judged.map((j, i) => admissionOf(ctx, j, items[i]));
  const outcomes = ctx.admit
    ? await ctx.admit(admissions, now, opts.quarantineAllowance)
    : ctx.store.admit(admissions, now, opts.quarantineAllowance);
  const verdicts = judged.map((j, i) => verdictOf(j, items[i], outcomes[i] as AdmitOutcome));
  return {
    verdicts,
    refused: judged.filter((j) => !j.ok).length,
    dropped: outcomes.filter((o) => o.kind === "dropped").length,
  };
}

/** Verify and store a single reading or a bulk array; every item gets its own verdict. */
export async function ingest(ctx: IngestContext, body: unknown): Promise<Verdict[]> {
  return (await ingestReport(ctx, body)).verdicts;
}

/** Quarantine a body refused before ingest (schema), within `allowance`; returns whether it was kept. */
export function quarantineRefusal(
  store: GatewayStore,
  record: QuarantineRecord,
  now: number,
  allowance?: number,
): boolean {
  const [o] = store.admit([{ kind: "refused", record }], now, allowance);
  return o?.kind === "quarantined";
}
