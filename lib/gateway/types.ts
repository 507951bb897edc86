/**
 * The gateway's ports: what it needs from the chain and from the batch builder, as plain interfaces so
 * that the logic (store, ingest, scheduler, outbox) is unit-tested without HTTP and without a chain.
 */
import type { SignedAttestation } from "../batches/attestation.js";
import type { Reading, SignedReading } from "../batches/reading.js";
import type { BatchStatusName, MeterKindName, MeterStatusName } from "../chain/schema.js";

/** SPEC 6 batch header and a batch with its proofs: lib/batches/batch.ts's, the one definitions. */
export type { BatchHeader, ProvenBatch } from "../batches/batch.js";
import type { ProvenBatch } from "../batches/batch.js";

/** IBatchLedger.ReadingProof: a meter-signed reading with its 64-bit Merkle proof. */
export interface ReadingProof {
  readonly reading: Reading;
  readonly signature: string;
  readonly index: number;
  /** Siblings bottom-up, packed at 8 bytes each (`0x` hex, the `bytes` the ledger takes). */
  readonly proof: string;
}

/** IBatchLedger.AbsenceProof: the leaves around a meter's address in a batch that lacks its reading. */
export interface AbsenceProof {
  readonly meter: string;
  readonly period: number;
  readonly around: readonly ReadingProof[];
}

/** Builds a batch (lib/batches/batch.ts + lib/batches/merkle64.ts in production; see batching.ts). */
export type BatchBuilder = (
  clusterId: number,
  period: number,
  readings: readonly SignedReading[],
) => ProvenBatch;

/** IClusterRegistry.MeterInfo, decoded. */
export interface MeterRecord {
  readonly clusterId: number;
  readonly kind: MeterKindName;
  readonly status: MeterStatusName;
  readonly fromPeriod: number;
  readonly untilPeriod: number;
}

/** Where this node stands for one cluster. */
export type Role = "parent" | "neighbour";

export interface ServedCluster {
  readonly clusterId: number;
  readonly role: Role;
}

/** Read-only chain state the gateway checks readings and schedules periods against. */
export interface ChainView {
  /** Latest block timestamp (s): the grid clock is the chain's. */
  now(): Promise<bigint>;
  epoch(): Promise<bigint>;
  meterInfo(meter: string): Promise<MeterRecord>;
  isReadingAllowed(meter: string, clusterId: number, period: number): Promise<boolean>;
  /** The meters currently registered in a cluster. */
  metersOf(clusterId: number): Promise<string[]>;
  /** Clusters this node votes for: the one it parents and those it is a neighbour of. */
  servedClusters(node: string): Promise<ServedCluster[]>;
  /** The ledger's decision of a cluster-period: status, and the winning digest once accepted. */
  decision(clusterId: number, period: number): Promise<{ status: BatchStatusName; digest: string | null }>;
  /** Whether `node`'s attestation for a cluster-period is on record on the ledger (sent by anyone). */
  hasVoted(clusterId: number, period: number, node: string): Promise<boolean>;
  /**
   * The voter set a cluster-period counts against (BatchLedger.votesOf: fixed at its first vote, else the
   * cluster's current one), slot order, parent first.
   */
  batchVoters(clusterId: number, period: number): Promise<string[]>;
  /** While a batch is pending: how many voters' attestations for `digest` are on record. */
  pendingVotes(clusterId: number, period: number, digest: string): Promise<number>;
}

/** Where a node's own attestations go after it closed a period: the other voters' gateways (SPEC 6). */
export interface AttestationPeers {
  /** Hand `attestations` to the gateway of `node`; may throw (the sender then submits its own itself). */
  deliver(node: string, attestations: readonly SignedAttestation[]): Promise<void>;
}
