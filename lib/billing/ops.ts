/**
 * Operator side of SPEC 11: get a meter-week's proofs from a file or a gateway (GET /proof/:meter/:period, and
 * GET /absence/:meter/:period for unread periods), quote the bill on-chain, cross-check it with
 * lib/billing/billing.ts, and settle it. Every argument is checked before any call, and the tariff before the
 * quote.
 */
import { readFileSync, existsSync } from "node:fs";
import type { Billing } from "../../types/ethers-contracts/index.js";
import type { IBatchLedger } from "../../types/ethers-contracts/interfaces/IBatchLedger.js";
import type { IBilling } from "../../types/ethers-contracts/interfaces/IBilling.js";
import { getAddress, isAddress, isHexString } from "ethers";
import { GridShareError, InvalidArgumentError, InvalidFileError } from "../errors.js";
import { parseAddress, parseHttpUrl, parseUint32, UINT32_MAX } from "../args.js";
import { contractAt, CurtailmentRule } from "../chain/schema.js";
import { computeBill, formatAmount, type Bill, type BillReading } from "./billing.js";
import { applicableTariffWeek } from "../tariffs/tariff.js";
import { renderTable } from "../format/table.js";
import { PERIODS_PER_WEEK } from "../constants.js";
import { firstPeriodOfWeek } from "../time.js";

type ReadingProof = IBatchLedger.ReadingProofStruct;
type AbsenceProof = IBatchLedger.AbsenceProofStruct;

/** Hex digits of one packed 8-byte sibling. */
const PACKED_SIBLING_HEX = 16;

export interface BillArgs extends WeekProofs {
  meter: string;
  week: number;
}

function field(file: string, label: string, o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== "string" && typeof v !== "number") {
    throw new InvalidFileError(file, `${label}: ${key} is missing or not a number/string`);
  }
  return String(v);
}

function uint(file: string, label: string, o: Record<string, unknown>, key: string, bits: number): bigint {
  const s = field(file, label, o, key);
  let v: bigint;
  try {
    v = BigInt(s);
  } catch {
    throw new InvalidFileError(file, `${label}: ${key} "${s}" is not an integer`);
  }
  if (v < 0n || v >= 1n << BigInt(bits)) {
    throw new InvalidFileError(file, `${label}: ${key} ${v} does not fit uint${bits}`);
  }
  return v;
}

function address(file: string, label: string, o: Record<string, unknown>, key: string): string {
  const a = field(file, label, o, key);
  if (!isAddress(a)) throw new InvalidFileError(file, `${label}: ${key} "${a}" is not an address`);
  return getAddress(a);
}

/** One reading proof in the gateway's JSON shape (see `parseProofs`); `label` names it in error messages. */
function parseProof(source: string, label: string, p: unknown): ReadingProof {
  const o = (p ?? {}) as Record<string, unknown>;
  const r = (o.reading ?? {}) as Record<string, unknown>;
  const reading = `${label}: reading`;
  const signature = o.signature;
  if (typeof signature !== "string" || !isHexString(signature)) {
    throw new InvalidFileError(source, `${label}: signature must be a 0x hex string`);
  }
  const proof = o.proof;
  if (typeof proof !== "string" || !isHexString(proof) || (proof.length - 2) % PACKED_SIBLING_HEX !== 0) {
    throw new InvalidFileError(
      source,
      `${label}: proof must be one 0x hex string of 8-byte siblings (16 hex digits each)`,
    );
  }
  return {
    reading: {
      meter: address(source, reading, r, "meter"),
      period: uint(source, reading, r, "period", 32),
      importWh: uint(source, reading, r, "importWh", 64),
      exportWh: uint(source, reading, r, "exportWh", 64),
      loadWh: uint(source, reading, r, "loadWh", 64),
      generationWh: uint(source, reading, r, "generationWh", 64),
      peakLoadW: uint(source, reading, r, "peakLoadW", 32),
      peakGenerationW: uint(source, reading, r, "peakGenerationW", 32),
    },
    signature,
    index: uint(source, label, o, "index", 32),
    proof,
  };
}

/**
 * Reading proofs in the gateway's JSON shape: `{ reading: {meter, period, importWh, exportWh, loadWh,
 * generationWh, peakLoadW, peakGenerationW}, signature, index, proof }` with `proof` the siblings packed at 8
 * bytes each in one 0x hex string (numbers as JSON numbers or decimal strings). `source` names the file or URL in
 * error messages.
 */
export function parseProofs(source: string, data: unknown): ReadingProof[] {
  if (!Array.isArray(data)) throw new InvalidFileError(source, "expected a JSON array of reading proofs");
  return data.map((p: unknown, i) => parseProof(source, `proof ${i}`, p));
}

/**
 * Absence proofs (unread periods, SPEC 11) in the gateway's JSON shape: `{ meter, period, around: [reading
 * proof...] }`, the leaves around the meter's address in the period's accepted batch.
 */
export function parseAbsences(source: string, data: unknown): AbsenceProof[] {
  if (!Array.isArray(data)) throw new InvalidFileError(source, "expected a JSON array of absence proofs");
  return data.map((a: unknown, i) => {
    const label = `absence ${i}`;
    const o = (a ?? {}) as Record<string, unknown>;
    if (!Array.isArray(o.around)) throw new InvalidFileError(source, `${label}: around must be an array`);
    return {
      meter: address(source, label, o, "meter"),
      period: uint(source, label, o, "period", 32),
      around: o.around.map((p: unknown, k) => parseProof(source, `${label} neighbour ${k}`, p)),
    };
  });
}

/** What settles a meter-week: its reading proofs and the absence proofs of its unread periods. */
export interface WeekProofs {
  proofs: ReadingProof[];
  absences: AbsenceProof[];
}

/** A JSON array of reading proofs, or `{ proofs: [...], absences: [...] }` when periods are unread. */
export function parseWeekProofs(source: string, data: unknown): WeekProofs {
  if (Array.isArray(data)) return { proofs: parseProofs(source, data), absences: [] };
  const o = (data ?? {}) as Record<string, unknown>;
  if (typeof data !== "object" || data === null || !Array.isArray(o.proofs)) {
    throw new InvalidFileError(
      source,
      "expected a JSON array of reading proofs, or { proofs: [...], absences: [...] }",
    );
  }
  return { proofs: parseProofs(source, o.proofs), absences: parseAbsences(source, o.absences ?? []) };
}

/** A proofs file (see `parseWeekProofs`), as a gateway exports them. */
export function readProofsFile(file: string): WeekProofs {
  if (!existsSync(file)) throw new InvalidArgumentError("proofs", `${file} does not exist`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidFileError(file, `not JSON (${(e as Error).message})`);
  }
  return parseWeekProofs(file, data);
}

/** Where a bill's proofs come from: a file (already read and checked) or a gateway to ask. */
export type ProofSource = ({ kind: "file"; file: string } & WeekProofs) | { kind: "gateway"; url: URL };

/** Checked task arguments; the proofs may still have to be fetched (`resolveBillArgs`). */
export interface BillRequest {
  meter: string;
  week: number;
  source: ProofSource;
}

/**
 * Check the task arguments: meter, week, and exactly one of `--proofs` (read and checked here) or
 * `--gateway` (checked, not contacted). Sends nothing.
 */
export function parseBillArgs(args: {
  meter: string;
  week: string;
  proofs?: string;
  gateway?: string;
}): BillRequest {
  const meter = parseAddress("meter", args.meter);
  const week = parseUint32("week", args.week);
  checkBillableWeek(week);
  if (args.proofs && args.gateway)
    throw new InvalidArgumentError("proofs", "give either --proofs <file> or --gateway <url>, not both");
  if (args.gateway)
    return { meter, week, source: { kind: "gateway", url: parseHttpUrl("gateway", args.gateway) } };
  if (!args.proofs)
    throw new InvalidArgumentError(
      "proofs",
      "pass the meter-week's reading proofs as a JSON file, or --gateway <url> to fetch them",
    );
  return { meter, week, source: { kind: "file", file: args.proofs, ...readProofsFile(args.proofs) } };
}

/** A gateway that does not answer within this time is reported unreachable rather than waited on forever. */
const GATEWAY_TIMEOUT_MS = 10_000;

/** A week whose last period does not fit uint32 cannot be billed (the contract's WeekOutOfRange). */
function checkBillableWeek(week: number): void {
  if (firstPeriodOfWeek(week) + PERIODS_PER_WEEK - 1 > UINT32_MAX)
    throw new InvalidArgumentError("week", `${week} is beyond the last week of the period range`);
}

/** The gateway could not be asked, or answered something that is not a proof of what was asked. */
export class GatewayProofError extends GridShareError {
  constructor(url: string, problem: string) {
    super("GATEWAY_PROOF", `${url}: ${problem}`);
  }
}

/** A fetch-compatible function (tests may pass their own). */
export type FetchFn = (url: string) => Promise<Response>;

const fetchWithTimeout: FetchFn = (url) => fetch(url, { signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS) });

/** GET `url`: the parsed JSON of a 200, undefined for a 404 `NO_PROOF`, a GatewayProofError otherwise. */
async function askGateway(url: string, fetchFn: FetchFn): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new GatewayProofError(
      url,
      `unreachable (${(e as Error).message}): is the gateway running at --gateway?`,
    );
  }
  const text = await res.text();
  if (res.status === 404 && text.includes("NO_PROOF")) return undefined;
  if (res.status !== 200) throw new GatewayProofError(url, `HTTP ${res.status}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GatewayProofError(url, "answer is not JSON");
  }
}

function checkAsked(url: string, meter: string, period: number, gotMeter: unknown, gotPeriod: unknown): void {
  if (gotMeter !== meter || Number(gotPeriod) !== period) {
    throw new GatewayProofError(
      url,
      `answered a proof of meter ${String(gotMeter)} period ${String(gotPeriod)}`,
    );
  }
}

/** Whether the meter's reading counts in a period (only then does a batch without it make the period unread). */
export type ReadingCounts = (period: number) => Promise<boolean>;

/** The registry's answer (`isReadingAllowed`) for `meter`: the periods its reading counts in. */
export async function readingCountsOf(billing: Billing, meter: string): Promise<ReadingCounts> {
  const registry = contractAt("ClusterRegistry", await billing.registry(), billing.runner);
  const { clusterId } = await registry.meterInfo(meter);
  return (period) => registry.isReadingAllowed(meter, clusterId, period);
}

/**
 * Ask a gateway for a meter's proof of each period of the week (`GET /proof/:meter/:period`). A 404
 * `NO_PROOF` means the gateway holds no batched reading of the meter for that period: it is then asked whether
 * a batch it built lacks the reading (`GET /absence/:meter/:period`, an absence proof: the period is unread),
 * for a period in which the meter's reading counts (`counts`; a meter not yet installed, or replaced, is
 * expected in no batch: the contract refuses its absence, `AbsenceNotRequired`). A period with neither is left
 * out (the contract refuses the bill if it was required). Any other answer is an error; so is a proof of
 * another meter or period.
 */
export async function fetchWeekProofs(
  gateway: URL,
  meter: string,
  week: number,
  fetchFn: FetchFn = fetchWithTimeout,
  counts: ReadingCounts = async () => true,
): Promise<WeekProofs> {
  const first = firstPeriodOfWeek(week);
  const base = gateway.href.replace(/\/$/, "");
  const out: WeekProofs = { proofs: [], absences: [] };
  for (let period = first; period < first + PERIODS_PER_WEEK; period++) {
    const url = `${base}/proof/${meter}/${period}`;
    const body = await askGateway(url, fetchFn);
    if (body !== undefined) {
      const [p] = parseProofs(url, [body]);
      checkAsked(url, meter, period, p.reading.meter, p.reading.period);
      out.proofs.push(p);
      continue;
    }
    if (!(await counts(period))) continue;
    const absenceUrl = `${base}/absence/${meter}/${period}`;
    const absence = await askGateway(absenceUrl, fetchFn);
    if (absence === undefined) continue;
    const [a] = parseAbsences(absenceUrl, [absence]);
    checkAsked(absenceUrl, meter, period, a.meter, a.period);
    out.absences.push(a);
  }
  return out;
}

/**
 * The proofs of a checked request: from its file, or fetched from its gateway (absence proofs only for the
 * periods `counts` says the meter's reading counts in).
 */
export async function resolveBillArgs(
  req: BillRequest,
  fetchFn: FetchFn = fetchWithTimeout,
  counts?: ReadingCounts,
): Promise<BillArgs> {
  const { proofs, absences } =
    req.source.kind === "file"
      ? req.source
      : await fetchWeekProofs(req.source.url, req.meter, req.week, fetchFn, counts);
  return { meter: req.meter, week: req.week, proofs, absences };
}

/** The contract's Bill struct as the TS shape. */
export function billFromChain(b: IBilling.BillStructOutput): Bill {
  return {
    meter: b.meter,
    week: Number(b.week),
    charge: b.charge,
    credit: b.credit,
    net: b.net,
    importWh: b.importWh,
    exportWh: b.exportWh,
    creditedExportWh: b.creditedExportWh,
    curtailedExportWh: b.curtailedExportWh,
    readings: Number(b.readings),
    unreadPeriods: b.unreadPeriods.map(Number),
    unreadImportWh: b.unreadImportWh,
    undecidedPeriods: Number(b.undecidedPeriods),
    importRate: b.importRate,
    exportRate: b.exportRate,
    tariffWeek: Number(b.tariffWeek),
    tariffFallback: b.tariffFallback,
    curtailmentRule: b.curtailmentRule,
  };
}

export interface Quote {
  bill: Bill;
  /** The same bill recomputed by lib/billing/billing.ts from the batches' PSA, capacities and the tariff. */
  agrees: boolean;
  settled: boolean;
}

export class BillNotSettleableError extends GridShareError {
  constructor(message: string) {
    super("BILL_NOT_SETTLEABLE", message);
  }
}

/**
 * Which week's tariff will bill `week` (lib/tariffs/tariff.ts `applicableTariffWeek`, the schedule's rule),
 * checked before the quote so that a week no tariff can price yet is explained instead of reverting.
 */
async function requireTariff(billing: Billing, week: number): Promise<void> {
  const schedule = contractAt("TariffSchedule", await billing.tariffs(), billing.runner);
  const published = (await schedule.publishedWeeks()).map(Number);
  const lookup = applicableTariffWeek(week, published, Number(await schedule.currentWeek()));
  if (!("refused" in lookup)) return;
  if (lookup.refused === "NoTariff") {
    throw new BillNotSettleableError(
      `no tariff has been published yet, so week ${week} cannot be priced: the DGMD publishes one with ` +
        "dgmd:forecast --publish",
    );
  }
  throw new BillNotSettleableError(
    `week ${week} is before the first published tariff (week ${lookup.firstWeek}), which prices it once week ` +
      `${lookup.firstWeek} has started (until then it may still change): quote or settle from then on`,
  );
}

export async function quoteBill(billing: Billing, a: BillArgs): Promise<Quote> {
  await requireTariff(billing, a.week);
  const bill = billFromChain(await billing.quote(a.meter, a.week, a.proofs, a.absences));
  const runner = billing.runner;
  const ledger = contractAt("IBatchLedger", await billing.ledger(), runner);
  const certificates = contractAt("ICapacityCertificates", await billing.certificates(), runner);
  const tariffs = contractAt("ITariffSchedule", await billing.tariffs(), runner);
  const readings: BillReading[] = await Promise.all(
    a.proofs.map(async (p) => {
      const [, batch] = await ledger.requireProvenReading(p);
      const period = Number(p.reading.period);
      return {
        meter: String(p.reading.meter),
        period,
        importWh: BigInt(p.reading.importWh),
        exportWh: BigInt(p.reading.exportWh),
        generationWh: BigInt(p.reading.generationWh),
        psa: batch.psa,
        capacityW: await certificates.authorizedCapacityAt(a.meter, period),
      };
    }),
  );
  const [importRate, exportRate, sourceWeek, isFallback] = await tariffs.tariffOf(a.week);
  const [rule] = await tariffs.curtailmentRuleOf(a.week);
  const ts = computeBill(
    a.meter,
    a.week,
    readings,
    { importRate, exportRate, sourceWeek: Number(sourceWeek), isFallback },
    bill.undecidedPeriods,
    rule,
    a.absences.map((x) => Number(x.period)),
  );
  const agrees = JSON.stringify(ts, big) === JSON.stringify(bill, big);
  const settled = (await billing.settlementOf(a.meter, a.week)).settled;
  return { bill, agrees, settled };
}

const big = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

/** Quote first (so a refusal costs no gas), then settle. */
export async function settleBill(billing: Billing, a: BillArgs) {
  const q = await quoteBill(billing, a);
  if (q.settled) {
    const s = await billing.settlementOf(a.meter, a.week);
    throw new BillNotSettleableError(
      `meter ${a.meter} week ${a.week} is already settled (charge ${s.charge}, credit ${s.credit} nano-units)`,
    );
  }
  if (q.bill.undecidedPeriods > 0) {
    throw new BillNotSettleableError(
      `week ${a.week} still has ${q.bill.undecidedPeriods} undecided batch(es) in the meter's cluster: wait for the votes or finalize them`,
    );
  }
  const receipt = await (await billing.settle(a.meter, a.week, a.proofs, a.absences)).wait();
  return { ...q, blockNumber: receipt?.blockNumber, gasUsed: receipt?.gasUsed };
}

export function formatBill(q: Quote): string {
  const b = q.bill;
  const t = renderTable(
    ["", "Wh", "amount (currency units)"],
    [
      ["import charged", b.importWh + b.unreadImportWh, formatAmount(b.charge)],
      ["export credited", b.creditedExportWh, formatAmount(-b.credit)],
      ["export curtailed (unpaid)", b.curtailedExportWh, "-"],
      ["net due", "", formatAmount(b.net)],
    ],
  );
  const fallback =
    b.tariffWeek > b.week
      ? " (the first published tariff: none was published before this week)"
      : b.tariffFallback
        ? " (fallback: none published for this week)"
        : "";
  const lines = [
    `meter ${b.meter}, week ${b.week}: ${b.readings} reading(s)`,
    t,
    `tariff of week ${b.tariffWeek}${fallback}: import ${b.importRate}, export ${b.exportRate} micro-units/kWh`,
    `curtailment rule: ${CurtailmentRule.nameOf(b.curtailmentRule)}`,
  ];
  const unread = b.unreadPeriods.length;
  if (unread > 0) {
    lines.push(
      `unread: period(s) ${b.unreadPeriods.join(", ")} (their accepted batches hold no reading of this meter): ` +
        `${unread} x ${b.unreadImportWh / BigInt(unread)} Wh charged, the week's highest import, no export ` +
        "credit; inspect the meter (one that goes silent is a tamper suspect)",
    );
  }
  if (b.undecidedPeriods > 0)
    lines.push(`provisional: ${b.undecidedPeriods} batch(es) of the week undecided`);
  lines.push(q.settled ? "settled" : "not settled");
  lines.push(
    q.agrees
      ? "TS twin agrees with the contract."
      : "MISMATCH between the contract and lib/billing/billing.ts: report this.",
  );
  return lines.join("\n");
}

export type Settlement = Awaited<ReturnType<typeof settleBill>>;

export function formatSettlement(s: Settlement): string {
  return `${formatBill({ ...s, settled: true })}\nin block ${s.blockNumber}, gas ${s.gasUsed}`;
}
