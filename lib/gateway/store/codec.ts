/**
 * How the store writes domain values as SQLite columns and JSON: energies (uint64, beyond 2^53) as
 * decimal strings, signatures lowercase.
 */
import type { SignedReading } from "../../batches/reading.js";
import type { BatchHeader } from "../types.js";

/** A row of the readings table. */
export interface ReadingRow {
  meter: string;
  period: number;
  cluster_id: number;
  import_wh: string;
  export_wh: string;
  load_wh: string;
  generation_wh: string;
  peak_load_w: number;
  peak_generation_w: number;
  signature: string;
  late: number;
}

/** The readings table's columns in order, for `INSERT INTO readings VALUES (...)`. */
export type ReadingColumns = [
  meter: string,
  period: number,
  clusterId: number,
  importWh: string,
  exportWh: string,
  loadWh: string,
  generationWh: string,
  peakLoadW: number,
  peakGenerationW: number,
  signature: string,
  receivedAt: number,
  late: 0 | 1,
];

export function rowToSigned(r: ReadingRow): SignedReading {
  return {
    reading: {
      meter: r.meter,
      period: r.period,
      importWh: BigInt(r.import_wh),
      exportWh: BigInt(r.export_wh),
      loadWh: BigInt(r.load_wh),
      generationWh: BigInt(r.generation_wh),
      peakLoadW: r.peak_load_w,
      peakGenerationW: r.peak_generation_w,
    },
    signature: r.signature,
  };
}

export function signedToColumns(
  signed: SignedReading,
  clusterId: number,
  receivedAt: number,
  late: boolean,
): ReadingColumns {
  const r = signed.reading;
  return [
    r.meter,
    r.period,
    clusterId,
    r.importWh.toString(),
    r.exportWh.toString(),
    r.loadWh.toString(),
    r.generationWh.toString(),
    r.peakLoadW,
    r.peakGenerationW,
    signed.signature.toLowerCase(),
    receivedAt,
    late ? 1 : 0,
  ];
}

/** Whether two signed readings are the same leaf (same fields, same signature). */
export function sameSignedReading(a: SignedReading, b: SignedReading): boolean {
  const x = a.reading;
  const y = b.reading;
  return (
    x.meter === y.meter &&
    x.period === y.period &&
    x.importWh === y.importWh &&
    x.exportWh === y.exportWh &&
    x.loadWh === y.loadWh &&
    x.generationWh === y.generationWh &&
    x.peakLoadW === y.peakLoadW &&
    x.peakGenerationW === y.peakGenerationW &&
    a.signature.toLowerCase() === b.signature.toLowerCase()
  );
}

/** Header as JSON (energies as decimal strings) for the outbox payload. */
export function headerToJson(h: BatchHeader): string {
  return JSON.stringify({
    ...h,
    totalLoadWh: h.totalLoadWh.toString(),
    totalGenerationWh: h.totalGenerationWh.toString(),
  });
}

export function headerFromJson(s: string): BatchHeader {
  const o = JSON.parse(s) as {
    clusterId: number;
    period: number;
    root: string;
    leafCount: number;
    totalLoadWh: string;
    totalGenerationWh: string;
  };
  return { ...o, totalLoadWh: BigInt(o.totalLoadWh), totalGenerationWh: BigInt(o.totalGenerationWh) };
}
