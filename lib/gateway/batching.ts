/**
 * The production batch builder: lib/batches/batch.ts builds the header and tree (SPEC 5/6), then the digest and
 * each leaf's proof. The scheduler passes only readings of meters allowed for the period.
 */
import { buildBatch, proveBatch } from "../batches/batch.js";
import type { BatchBuilder } from "./types.js";

export const buildClusterBatch: BatchBuilder = (clusterId, period, readings) =>
  proveBatch(buildBatch(clusterId, period, readings));
