/**
 * The production batch builder: lib/batch.ts builds the header and tree (SPEC 5/6), lib/merkle64.ts gives
 * the proofs, lib/batch.ts the digest. The scheduler passes only readings of meters allowed for the period.
 */
import { batchDigest, buildBatch } from "../batch.js";
import { getProof } from "../merkle64.js";
import type { SignedReading } from "../reading.js";
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
