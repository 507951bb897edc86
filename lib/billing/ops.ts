/**
 * Operator side of SPEC 11: get a meter-week's proofs from a file or a gateway (GET /proof/:meter/:period),
 * quote the bill on-chain, cross-check it with lib/billing/billing.ts, and settle it. Every argument is checked
 * before any call.
 */
import { readFileSync, existsSync } from "node:fs";
import type { Billing } from "../../types/ethers-contracts/index.js";
import type { IBatchLedger } from "../../types/ethers-contracts/interfaces/IBatchLedger.js";
import type { IBilling } from "../../types/ethers-contracts/interfaces/IBilling.js";
import { getAddress, isAddress, isHexString } from "ethers";
import { GridShareError, InvalidArgumentError, InvalidFileError } from "../errors.js";
import { parseAddress, parseHttpUrl, parseUint32, UINT32_MAX } from "../args.js";
import { contractAt } from "../chain/schema.js";
import { computeBill, formatAmount, type Bill, type BillReading } from "./billing.js";
import { renderTable } from "../format/table.js";
import { PERIODS_PER_WEEK } from "../constants.js";
import { firstPeriodOfWeek } from "../time.js";

type ReadingProof = IBatchLedger.ReadingProofStruct;

/** Hex digits of one packed 8-byte sibling. */
const PACKED_SIBLING_HEX = 16;

export interface BillArgs {
  meter: string;
  week: number;
  proofs: ReadingProof[];
}

function field(file: string, i: number, o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== "string" && typeof v !== "number") {
    throw new InvalidFileError(file, `proof ${i}: reading.${key} is missing or not a number/string`);
  }
  return String(v);
}

function uint(file: string, i: number, o: Record<string, unknown>, key: string, bits: number): bigint {
  const s = field(file, i, o, key);
  let v: bigint;
  try {
    v = BigInt(s);
  } catch {
    throw new InvalidFileError(file, `proof ${i}: reading.${key} "${s}" is not an integer`);
  }
  if (v < 0n || v >= 1n << BigInt(bits)) {
    throw new InvalidFileError(file, `proof ${i}: reading.${key} ${v} does not fit uint${bits}`);
  }
  return v;
}

/**
 * Reading proofs in the gateway's JSON shape: `{ reading: {meter, period, importWh, exportWh, loadWh,
 * generationWh, peakLoadW, peakGenerationW}, signature, index, proof }` with `proof` the siblings packed at 8
 * bytes each in one 0x hex string (numbers as JSON numbers or decimal strings). `source` names the file or URL in
 * error messages.
 */
export function parseProofs(source: string, data: unknown): ReadingProof[] {
  if (!Array.isArray(data)) throw new InvalidFileError(source, "expected a JSON array of reading proofs");
  return data.map((p: unknown, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const r = (o.reading ?? {}) as Record<string, unknown>;
    const meter = field(source, i, r, "meter");
    if (!isAddress(meter))
      throw new InvalidFileError(source, `proof ${i}: reading.meter "${meter}" is not an address`);
    const signature = o.signature;
    if (typeof signature !== "string" || !isHexString(signature)) {
      throw new InvalidFileError(source, `proof ${i}: signature must be a 0x hex string`);
    }
    const proof = o.proof;
    if (typeof proof !== "string" || !isHexString(proof) || (proof.length - 2) % PACKED_SIBLING_HEX !== 0) {
      throw new InvalidFileError(
        source,
        `proof ${i}: proof must be one 0x hex string of 8-byte siblings (16 hex digits each)`,
      );
    }
    return {
      reading: {
        meter: getAddress(meter),
        period: uint(source, i, r, "period", 32),
        importWh: uint(source, i, r, "importWh", 64),
        exportWh: uint(source, i, r, "exportWh", 64),
        loadWh: uint(source, i, r, "loadWh", 64),
        generationWh: uint(source, i, r, "generationWh", 64),
        peakLoadW: uint(source, i, r, "peakLoadW", 32),
        peakGenerationW: uint(source, i, r, "peakGenerationW", 32),
      },
      signature,
      index: uint(source, i, o, "index", 32),
      proof,
    };
  });
}

/** A proofs file: a JSON array of reading proofs (see `parseProofs`), as a gateway exports them. */
export function readProofsFile(file: string): ReadingProof[] {
  if (!existsSync(file)) throw new InvalidArgumentError("proofs", `${file} does not exist`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidFileError(file, `not JSON (${(e as Error).message})`);
  }
  return parseProofs(file, data);
}

/** Where a bill's proofs come from: a file (already read and checked) or a gateway to ask. */
export type ProofSource =
  { kind: "file"; file: string; proofs: ReadingProof[] } | { kind: "gateway"; url: URL };

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
  return { meter, week, source: { kind: "file", file: args.proofs, proofs: readProofsFile(args.proofs) } };
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

/**
 * Ask a gateway for a meter's proof of each period of the week (`GET /proof/:meter/:period`). A 404
 * `NO_PROOF` means the gateway holds no batched reading for that period: the period is left out (the
 * contract refuses the bill if it was required). Any other answer is an error; so is a proof of another
 * meter or period.
 */
export async function fetchWeekProofs(
  gateway: URL,
  meter: string,
  week: number,
  fetchFn: FetchFn = fetchWithTimeout,
): Promise<ReadingProof[]> {
  const first = firstPeriodOfWeek(week);
  const base = gateway.href.replace(/\/$/, "");
  const proofs: ReadingProof[] = [];
  for (let period = first; period < first + PERIODS_PER_WEEK; period++) {
    const url = `${base}/proof/${meter}/${period}`;
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
    if (res.status === 404 && text.includes("NO_PROOF")) continue;
    if (res.status !== 200) throw new GatewayProofError(url, `HTTP ${res.status}: ${text.slice(0, 200)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new GatewayProofError(url, "answer is not JSON");
    }
    const [p] = parseProofs(url, [body]);
    if (p.reading.meter !== meter || Number(p.reading.period) !== period) {
      throw new GatewayProofError(
        url,
        `answered a proof of meter ${String(p.reading.meter)} period ${String(p.reading.period)}`,
      );
    }
    proofs.push(p);
  }
  return proofs;
}

/** The proofs of a checked request: from its file, or fetched from its gateway. */
export async function resolveBillArgs(
  req: BillRequest,
  fetchFn: FetchFn = fetchWithTimeout,
): Promise<BillArgs> {
  const proofs =
    req.source.kind === "file"
      ? req.source.proofs
      : await fetchWeekProofs(req.source.url, req.meter, req.week, fetchFn);
  return { meter: req.meter, week: req.week, proofs };
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
    undecidedPeriods: Number(b.undecidedPeriods),
    importRate: b.importRate,
    exportRate: b.exportRate,
    tariffWeek: Number(b.tariffWeek),
    tariffFallback: b.tariffFallback,
  };
}

export interface Quote {
  bill: Bill;
  /** The same bill recomputed by lib/billing/billing.ts from the batches' PSA, capacities and the tariff. */
  agrees: boolean;
  settled: boolean;
}

export async function quoteBill(billing: Billing, a: BillArgs): Promise<Quote> {
  const bill = billFromChain(await billing.quote(a.meter, a.week, a.proofs));
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
        psa: batch.psa,
        capacityW: await certificates.authorizedCapacityAt(a.meter, period),
      };
    }),
  );
  const [importRate, exportRate, sourceWeek, isFallback] = await tariffs.tariffOf(a.week);
  const ts = computeBill(
    a.meter,
    a.week,
    readings,
    { importRate, exportRate, sourceWeek: Number(sourceWeek), isFallback },
    bill.undecidedPeriods,
  );
  const agrees = JSON.stringify(ts, big) === JSON.stringify(bill, big);
  const settled = (await billing.settlementOf(a.meter, a.week)).settled;
  return { bill, agrees, settled };
}

const big = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

export class BillNotSettleableError extends GridShareError {
  constructor(message: string) {
    super("BILL_NOT_SETTLEABLE", message);
  }
}

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
  const receipt = await (await billing.settle(a.meter, a.week, a.proofs)).wait();
  return { ...q, blockNumber: receipt?.blockNumber, gasUsed: receipt?.gasUsed };
}

export function formatBill(q: Quote): string {
  const b = q.bill;
  const t = renderTable(
    ["", "Wh", "amount (currency units)"],
    [
      ["import charged", b.importWh, formatAmount(b.charge)],
      ["export credited", b.creditedExportWh, formatAmount(-b.credit)],
      ["export curtailed (unpaid)", b.curtailedExportWh, "-"],
      ["net due", "", formatAmount(b.net)],
    ],
  );
  const lines = [
    `meter ${b.meter}, week ${b.week}: ${b.readings} reading(s)`,
    t,
    `tariff of week ${b.tariffWeek}${b.tariffFallback ? " (fallback: none published for this week)" : ""}: ` +
      `import ${b.importRate}, export ${b.exportRate} micro-units/kWh`,
  ];
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
