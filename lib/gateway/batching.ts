/**
 * The production batch builder: lib/batches/batch.ts builds the header and tree (SPEC 5/6), lib/batches/merkle64.ts gives
 * the proofs, lib/batches/batch.ts the digest. The scheduler passes only readings of meters allowed for the period.
 */
import { batchDigest, buildBatch } from "../batches/batch.js";
import { getProof } from "../batches/merkle64.js";
import type { SignedReading } from "../batches/reading.js";
import type { BatchBuilder, BuiltBatch } from "./types.js";

export const buildClusterBatch: BatchBuilder = (
  clusterId,
  period,
  readings: readonly SignedReading[],
): BuiltBatch => {
  const b = buildBatch(clusterId, period, readings);
  return {
    header: b.header,
    digest: batchDigest(b.header),
    leaves: b.readings.map((signed, index) => ({ signed, index, proof: getProof(b.tree, index) })),
  };
};
