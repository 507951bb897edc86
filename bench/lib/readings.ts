/**
 * Real meter readings for benchmarks: CityLearn homes (Buildings 1-12 for small clusters; larger clusters
 * cycle all 17 profiles with distinct meter keys), signed by deterministic bench meter keys.
 */
import { createRequire } from "node:module";
import { getBytes, keccak256, toUtf8Bytes, Wallet, type TypedDataDomain } from "ethers";
import { loadBuilding, BUILDING_COUNT } from "../../lab/data/citylearn.js";
import { signReading, type Reading, type SignedReading } from "../../lib/batches/reading.js";
import { buildBatch, type Merkle64Batch } from "../../lib/batches/merkle64.js";
import { ReadingHasher } from "../../lib/gateway/verify/digest.js";
import type { BatchHeader } from "../../lib/batches/batch.js";
import { BenchInputError } from "./figures.js";

/** Buildings used for clusters of at most this many meters (the project's test homes). */
const SMALL_CLUSTER_BUILDINGS = 12;
/**
 * Data period 3 of the CityLearn year: Monday 2016-08-01 12:00-16:00, a sunny afternoon where the 17 homes
 * together generate more than they consume (145,971 Wh vs 142,682 Wh), so MES takes the surplus path.
 */
export const SURPLUS_DATA_PERIOD = 3;

const wallets = new Map<number, Wallet>();

/** Deterministic key of bench meter `i` (never a production key). */
export function benchMeter(i: number): Wallet {
  let w = wallets.get(i);
  if (!w) {
    w = new Wallet(keccak256(toUtf8Bytes(`gridshare-bench-meter-${i}`)));
    wallets.set(i, w);
  }
  return w;
}

/** The building whose profile meter `i` of an `n`-meter cluster replays. */
export function buildingFor(i: number, n: number): number {
  return n <= SMALL_CLUSTER_BUILDINGS ? i + 1 : (i % BUILDING_COUNT) + 1;
}

/** Meter `i`'s real reading for chain period `period`, taken from data period `dataPeriod`. */
export function realReading(i: number, n: number, period: number, dataPeriod = SURPLUS_DATA_PERIOD): Reading {
  const p = loadBuilding(buildingFor(i, n)).periods[dataPeriod];
  if (!p) throw new BenchInputError(`data period ${dataPeriod} does not exist`);
  return {
    meter: benchMeter(i).address,
    period,
    importWh: p.importWh,
    exportWh: p.exportWh,
    loadWh: p.loadWh,
    generationWh: p.generationWh,
    peakLoadW: p.peakLoadW,
    peakGenerationW: p.peakGenerationW,
  };
}

interface NativeSign {
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
}

function nativeSigner(): NativeSign | null {
  try {
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSign;
  } catch {
    return null;
  }
}

/**
 * `n` meters' signed real readings for one period. Signed by libsecp256k1 when its binding loads: RFC 6979
 * and low-s like ethers, so the same signatures, ~50x sooner (benchmarks use tens of thousands).
 */
export async function signedReadings(
  domain: TypedDataDomain,
  n: number,
  period: number,
  dataPeriod = SURPLUS_DATA_PERIOD,
): Promise<SignedReading[]> {
  if (!Number.isInteger(n) || n < 1) throw new BenchInputError(`cluster size must be >= 1, got ${n}`);
  const native = nativeSigner();
  const hasher = new ReadingHasher(domain);
  const out: SignedReading[] = [];
  for (let i = 0; i < n; i++) {
    const reading = realReading(i, n, period, dataPeriod);
    if (!native) {
      out.push(await signReading(benchMeter(i), domain, reading));
      continue;
    }
    const { signature, recid } = native.ecdsaSign(hasher.digest(reading), getBytes(benchMeter(i).privateKey));
    out.push({
      reading,
      signature: "0x" + Buffer.from(signature).toString("hex") + (27 + recid).toString(16),
    });
  }
  return out;
}

/** The honest SPEC 6 header of a cluster-period's batch. */
export function headerOf(clusterId: number, period: number, batch: Merkle64Batch): BatchHeader {
  let totalLoadWh = 0n;
  let totalGenerationWh = 0n;
  for (const s of batch.readings) {
    totalLoadWh += s.reading.loadWh;
    totalGenerationWh += s.reading.generationWh;
  }
  return {
    clusterId,
    period,
    root: batch.tree.root,
    leafCount: batch.tree.leafCount,
    totalLoadWh,
    totalGenerationWh,
  };
}

/** Signed readings, their Merkle batch and its header, for an `n`-meter cluster-period. */
export async function clusterBatch(
  domain: TypedDataDomain,
  clusterId: number,
  n: number,
  period: number,
): Promise<{ signed: SignedReading[]; batch: Merkle64Batch; header: BatchHeader }> {
  const signed = await signedReadings(domain, n, period);
  const batch = buildBatch(signed);
  return { signed, batch, header: headerOf(clusterId, period, batch) };
}
