import { AbiCoder, keccak256 } from "ethers";
import { GridShareError } from "../errors.js";
import { BATCH_HEADER } from "../chain/schema.js";
import {
  absenceNeighbours,
  buildBatch as buildMerkleBatch,
  getProof,
  type Merkle64Batch,
} from "./merkle64.js";
import type { SignedReading } from "./reading.js";

/** SPEC 6 batch header: what each voter builds from its copy of the readings and attests. Twin of IBatchLedger.BatchHeader. */
export interface BatchHeader {
  clusterId: number;
  period: number;
  /** 64-bit Merkle root, `0x` + 16 hex digits. */
  root: string;
  leafCount: number;
  totalLoadWh: bigint;
  totalGenerationWh: bigint;
}

/** A header field that does not fit its Solidity type; nothing was hashed or sent. */
export class InvalidBatchHeaderError extends GridShareError {
  constructor(field: string, problem: string) {
    super("INVALID_BATCH_HEADER", `batch header ${field}: ${problem}`);
  }
}

const HEADER_TYPES = BATCH_HEADER.map((c) => c.type);
const UINT32_MAX = 2n ** 32n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const BYTES8 = /^0x[0-9a-fA-F]{16}$/;

function checkUint(field: string, value: bigint, max: bigint): void {
  if (value < 0n || value > max) {
    throw new InvalidBatchHeaderError(field, `${value} is outside 0..${max}`);
  }
}

function checkInteger(field: string, value: number): bigint {
  if (!Number.isSafeInteger(value)) throw new InvalidBatchHeaderError(field, `${value} is not an integer`);
  return BigInt(value);
}

/** Throws `InvalidBatchHeaderError` unless every field fits the on-chain type. */
export function validateHeader(h: BatchHeader): void {
  checkUint("clusterId", checkInteger("clusterId", h.clusterId), UINT32_MAX);
  checkUint("period", checkInteger("period", h.period), UINT32_MAX);
  checkUint("leafCount", checkInteger("leafCount", h.leafCount), UINT32_MAX);
  if (!BYTES8.test(h.root)) throw new InvalidBatchHeaderError("root", `${h.root} is not 0x + 16 hex digits`);
  checkUint("totalLoadWh", h.totalLoadWh, UINT64_MAX);
  checkUint("totalGenerationWh", h.totalGenerationWh, UINT64_MAX);
}

/** The header as the ABI tuple: IBatchLedger.BatchHeader's fields, in its order. */
export function headerTuple(h: BatchHeader): (string | number | bigint)[] {
  return BATCH_HEADER.map((c) => h[c.name]);
}

/** The digest nodes vote on: `keccak256(abi.encode(header))`, the fields in IBatchLedger.BatchHeader's order. */
export function batchDigest(h: BatchHeader): string {
  validateHeader(h);
  return keccak256(AbiCoder.defaultAbiCoder().encode(HEADER_TYPES, headerTuple(h)));
}

/** A cluster-period batch ready to attest: its header and the 64-bit Merkle tree behind it. */
export interface BuiltBatch<T extends SignedReading = SignedReading> extends Merkle64Batch<T> {
  readonly header: BatchHeader;
}

/** A reading handed to `buildBatch` belongs to another period; nothing was built. */
export class WrongBatchPeriodError extends GridShareError {
  constructor(meter: string, period: number, batchPeriod: number) {
    super(
      "WRONG_BATCH_PERIOD",
      `reading of meter ${meter} is for period ${period}, not the batch's period ${batchPeriod}: ` +
        "build one batch per cluster-period",
    );
  }
}

/**
 * SPEC 5/6: the header a node computes from its copy of a cluster-period's signed readings: leaves sorted by
 * meter, 64-bit root over them, totals as sums of `loadWh` and `generationWh`. The caller passes only readings
 * it accepted (valid signature, allowed meter); this function checks that they are all of `period`.
 */
export function buildBatch<T extends SignedReading>(
  clusterId: number,
  period: number,
  signed: readonly T[],
): BuiltBatch<T> {
  for (const s of signed) {
    if (s.reading.period !== period)
      throw new WrongBatchPeriodError(s.reading.meter, s.reading.period, period);
  }
  const merkle = buildMerkleBatch(signed);
  let totalLoadWh = 0n;
  let totalGenerationWh = 0n;
  for (const s of merkle.readings) {
    totalLoadWh += s.reading.loadWh;
    totalGenerationWh += s.reading.generationWh;
  }
  const header: BatchHeader = {
    clusterId,
    period,
    root: merkle.tree.root,
    leafCount: merkle.tree.leafCount,
    totalLoadWh,
    totalGenerationWh,
  };
  validateHeader(header);
  return { ...merkle, header };
}

/** A built batch as a node keeps and serves it: its header, the digest the nodes vote on, a proof per leaf. */
export interface ProvenBatch {
  readonly header: BatchHeader;
  /** keccak256(abi.encode(header)): what the nodes vote on. */
  readonly digest: string;
  /** Leaves in tree order (meter ascending) with their proofs. */
  readonly leaves: readonly {
    readonly signed: SignedReading;
    readonly index: number;
    /** Siblings bottom-up, packed at 8 bytes each. */
    readonly proof: string;
  }[];
}

/** A built batch's digest and every leaf's 64-bit Merkle proof. */
export function proveBatch(b: BuiltBatch): ProvenBatch {
  return {
    header: b.header,
    digest: batchDigest(b.header),
    leaves: b.readings.map((signed, index) => ({ signed, index, proof: getProof(b.tree, index) })),
  };
}

/** A reading with its packed 64-bit Merkle proof: IBatchLedger.ReadingProof. */
export interface LeafProof {
  readonly reading: SignedReading["reading"];
  readonly signature: string;
  readonly index: number;
  /** Siblings bottom-up, packed at 8 bytes each. */
  readonly proof: string;
}

/** The proof of the reading at `index` of a built batch. */
export function leafProof(b: Merkle64Batch, index: number): LeafProof {
  const s = b.readings[index];
  if (!s)
    throw new GridShareError("NO_SUCH_LEAF", `the batch has no leaf ${index} (${b.readings.length} leaves)`);
  return { reading: s.reading, signature: s.signature, index, proof: getProof(b.tree, index) };
}

/**
 * IBatchLedger.AbsenceProof (SPEC 5 non-membership) that a built batch lacks a reading of `meter`: the readings
 * around its address with their proofs. Throws MerkleInputError when the batch has a reading of the meter.
 */
export function absenceProof(
  b: BuiltBatch,
  meter: string,
): { meter: string; period: number; around: LeafProof[] } {
  const keys = b.readings.map((s) => BigInt(s.reading.meter));
  const around = absenceNeighbours(keys, BigInt(meter)).map((i) => leafProof(b, i));
  return { meter, period: b.header.period, around };
}
