/**
 * The production batch builder: lib/merkle64.ts's tree and proofs, lib/batch.ts's digest. Totals are the
 * sums over the readings given (the scheduler passes only readings of meters allowed for the period).
 */
import { batchDigest, type BatchHeader } from "../batch.js";
import { buildBatch, getProof } from "../merkle64.js";
import type { SignedReading } from "../reading.js";
import type { BatchBuilder, BuiltBatch } from "./types.js";

export const buildClusterBatch: BatchBuilder = (
  clusterId,
  period,
  readings: readonly SignedReading[],
): BuiltBatch => {
  const b = buildBatch(readings);
  let load = 0n;
  let gen = 0n;
  for (const s of b.readings) {
    load += s.reading.loadWh;
    gen += s.reading.generationWh;
  }
  const header: BatchHeader = {
    clusterId,
    period,
    root: b.tree.root,
    leafCount: b.readings.length,
    totalLoadWh: load,
    totalGenerationWh: gen,
  };
  return {
    header,
    digest: batchDigest(header),
    leaves: b.readings.map((signed, index) => ({ signed, index, proof: getProof(b.tree, index) })),
  };
};
