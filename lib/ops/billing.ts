/**
 * Operator side of SPEC 11: read a meter-week's proofs from a file, quote the bill on-chain, cross-check it
 * with lib/billing.ts, and settle it. Every argument is checked before anything is sent.
 */
import { readFileSync, existsSync } from "node:fs";
import type { Billing } from "../../types/ethers-contracts/index.js";
import type { IBatchLedger } from "../../types/ethers-contracts/interfaces/IBatchLedger.js";
import {
  IBatchLedger__factory,
  ICapacityCertificates__factory,
  ITariffSchedule__factory,
} from "../../types/ethers-contracts/index.js";
import { getAddress, isAddress, isHexString } from "ethers";
import { GridShareError, InvalidArgumentError, InvalidFileError } from "../errors.js";
import { parseAddress } from "../deployment.js";
import { computeBill, formatAmount, type Bill, type BillReading } from "../billing.js";
import { renderTable } from "../format/table.js";
import { parseUint32 } from "./mes.js";

type ReadingProof = IBatchLedger.ReadingProofStruct;

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
 * A proofs file: a JSON array of `{ reading: {meter, period, importWh, exportWh, loadWh, generationWh,
 * peakLoadW, peakGenerationW}, signature, index, proof: [bytes8...] }` (numbers as JSON numbers or decimal
 * strings), as a gateway exports them.
 */
export function readProofsFile(file: string): ReadingProof[] {
  if (!existsSync(file)) throw new InvalidArgumentError("proofs", `${file} does not exist`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidFileError(file, `not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new InvalidFileError(file, "expected a JSON array of reading proofs");
  return data.map((p: unknown, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const r = (o.reading ?? {}) as Record<string, unknown>;
    const meter = field(file, i, r, "meter");
    if (!isAddress(meter))
      throw new InvalidFileError(file, `proof ${i}: reading.meter "${meter}" is not an address`);
    const signature = o.signature;
    if (typeof signature !== "string" || !isHexString(signature)) {
      throw new InvalidFileError(file, `proof ${i}: signature must be a 0x hex string`);
    }
    const proof = o.proof;
    if (!Array.isArray(proof) || !proof.every((h) => typeof h === "string" && isHexString(h, 8))) {
      throw new InvalidFileError(file, `proof ${i}: proof must be an array of 8-byte 0x hex strings`);
    }
    return {
      reading: {
        meter: getAddress(meter),
        period: uint(file, i, r, "period", 32),
        importWh: uint(file, i, r, "importWh", 64),
        exportWh: uint(file, i, r, "exportWh", 64),
        loadWh: uint(file, i, r, "loadWh", 64),
        generationWh: uint(file, i, r, "generationWh", 64),
        peakLoadW: uint(file, i, r, "peakLoadW", 32),
        peakGenerationW: uint(file, i, r, "peakGenerationW", 32),
      },
      signature,
      index: uint(file, i, o, "index", 32),
      proof: proof as string[],
    };
  });
}

/** Check the task arguments; reads the proofs file, sends nothing. */
export function parseBillArgs(args: { meter: string; week: string; proofs: string }): BillArgs {
  const meter = parseAddress("meter", args.meter);
  const week = parseUint32("week", args.week);
  if (!args.proofs)
    throw new InvalidArgumentError("proofs", "pass the meter-week's reading proofs as a JSON file");
  return { meter, week, proofs: readProofsFile(args.proofs) };
}

/** The contract's Bill struct as the TS shape. */
export function billFromChain(b: Billing.BillStructOutput): Bill {
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
  /** The same bill recomputed by lib/billing.ts from the batches' PSA, capacities and the tariff. */
  agrees: boolean;
  settled: boolean;
}

export async function quoteBill(billing: Billing, a: BillArgs): Promise<Quote> {
  const bill = billFromChain(await billing.quote(a.meter, a.week, a.proofs));
  const runner = billing.runner;
  const ledger = IBatchLedger__factory.connect(await billing.ledger(), runner);
  const certificates = ICapacityCertificates__factory.connect(await billing.certificates(), runner);
  const tariffs = ITariffSchedule__factory.connect(await billing.tariffs(), runner);
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
      : "MISMATCH between the contract and lib/billing.ts: report this.",
  );
  return lines.join("\n");
}
