/**
 * The packed calldata of `BatchLedger.submit(bytes)` (SPEC 6: many cluster-periods per transaction). Per item,
 * ascending by (clusterId, period):
 *
 *   header       36 bytes  clusterId u32 | period u32 | root 8 | leafCount u32 | totalLoadWh u64 | totalGenerationWh u64
 *   count         1 byte   number of attestations (>= 1)
 *   attestation            tag (bits 0-1 voter slot, bit 7 "own digest follows") | [digest 32] | r || s || v (65)
 *   absent       20 bytes  the address of each voter slot without an attestation here, ascending
 *
 * Twin of BatchLedger's decoder. Attestations are checked for shape and membership here; their signatures are
 * the receiver's business (attestation.ts verifyAttestation) and the ledger's.
 */
import { getAddress, getBytes, hexlify } from "ethers";
import { BATCH_TOTAL_BITS, MAX_NEIGHBOURS, MAX_SUBMISSION_ITEMS } from "../constants.js";
import { GridShareError } from "../errors.js";
import { batchDigest, validateHeader, type BatchHeader } from "./batch.js";
import type { SignedAttestation } from "./attestation.js";
import { assertCanonicalSignature, SIGNATURE_BYTES } from "./reading.js";

/** One cluster-period of a submission. */
export interface SubmissionItem {
  /** The header whose digest the (majority of the) attestations sign. */
  readonly header: BatchHeader;
  /** The batch's voter set in slot order, parent first (BatchLedger.votesOf(...).voters). */
  readonly voters: readonly string[];
  /** Every attestation held for the cluster-period: for the header's digest, or for others (they ride along). */
  readonly attestations: readonly SignedAttestation[];
}

/** A submission that the ledger would refuse; nothing was encoded. */
export class SubmissionError extends GridShareError {
  constructor(code: string, problem: string) {
    super(code, problem);
  }
}

export const HEADER_BYTES = 36;
const TAG_OWN_DIGEST = 0x80;
const MAX_VOTERS = MAX_NEIGHBOURS + 1;

function where(h: BatchHeader): string {
  return `cluster ${h.clusterId} period ${h.period}`;
}

const BATCH_TOTAL_LIMIT = 1n << BigInt(BATCH_TOTAL_BITS);

/** Totals of 2^52 Wh or more: the ledger refuses them (TotalsOutOfRange), so the encoder does too. */
function checkTotals(h: BatchHeader): void {
  for (const [field, total] of [
    ["totalLoadWh", h.totalLoadWh],
    ["totalGenerationWh", h.totalGenerationWh],
  ] as const) {
    if (total >= BATCH_TOTAL_LIMIT) {
      throw new SubmissionError(
        "TOTALS_OUT_OF_RANGE",
        `${where(h)}: ${field} ${total} Wh is 2^${BATCH_TOTAL_BITS} or more, beyond any batch of valid readings`,
      );
    }
  }
}

/** The 36-byte packed header. */
export function packHeader(h: BatchHeader): Uint8Array {
  validateHeader(h);
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, h.clusterId);
  view.setUint32(4, h.period);
  out.set(getBytes(h.root), 8);
  view.setUint32(16, h.leafCount);
  view.setBigUint64(20, h.totalLoadWh);
  view.setBigUint64(28, h.totalGenerationWh);
  return out;
}

/** Sort key of an item: (clusterId, period) as the ledger orders them. */
export function itemKey(h: Pick<BatchHeader, "clusterId" | "period">): bigint {
  return (BigInt(h.clusterId) << 32n) | BigInt(h.period);
}

function encodeItem(item: SubmissionItem): Uint8Array[] {
  const h = item.header;
  checkTotals(h);
  const voters = item.voters.map((v) => getAddress(v));
  if (voters.length === 0 || voters.length > MAX_VOTERS) {
    throw new SubmissionError(
      "INVALID_VOTER_SET",
      `${where(h)}: ${voters.length} voters, expected 1..${MAX_VOTERS}`,
    );
  }
  if (item.attestations.length === 0) {
    throw new SubmissionError("NO_ATTESTATIONS", `${where(h)}: an item needs at least one attestation`);
  }
  const digest = batchDigest(h);
  const bySlot = new Map<number, SignedAttestation>();
  for (const a of item.attestations) {
    if (a.clusterId !== h.clusterId || a.period !== h.period) {
      throw new SubmissionError(
        "ATTESTATION_FOR_OTHER_BATCH",
        `attestation by ${a.signer} is for cluster ${a.clusterId} period ${a.period}, not ${where(h)}`,
      );
    }
    const slot = voters.indexOf(getAddress(a.signer));
    if (slot < 0) {
      throw new SubmissionError(
        "UNASSIGNED_SIGNER",
        `${where(h)}: ${a.signer} is not a voter of the batch (voters ${voters.join(", ")})`,
      );
    }
    if (bySlot.has(slot)) {
      throw new SubmissionError("DUPLICATE_ATTESTATION", `${where(h)}: two attestations by ${a.signer}`);
    }
    assertCanonicalSignature(a.signature);
    bySlot.set(slot, a);
  }
  const parts: Uint8Array[] = [packHeader(h), Uint8Array.of(bySlot.size)];
  for (const slot of [...bySlot.keys()].sort((x, y) => x - y)) {
    const a = bySlot.get(slot) as SignedAttestation;
    const own = a.digest.toLowerCase() !== digest;
    parts.push(Uint8Array.of(slot | (own ? TAG_OWN_DIGEST : 0)));
    if (own) parts.push(getBytes(a.digest));
    parts.push(getBytes(a.signature));
  }
  voters.forEach((v, slot) => {
    if (!bySlot.has(slot)) parts.push(getBytes(v));
  });
  return parts;
}

/** The `submit(bytes)` argument for `items` (sorted here); refuses what the ledger would refuse by shape. */
export function encodeSubmission(items: readonly SubmissionItem[]): string {
  if (items.length === 0)
    throw new SubmissionError("EMPTY_SUBMISSION", "a submission needs at least one item");
  if (items.length > MAX_SUBMISSION_ITEMS) {
    throw new SubmissionError(
      "TOO_MANY_ITEMS",
      `${items.length} items, at most ${MAX_SUBMISSION_ITEMS} per submission: split them`,
    );
  }
  const sorted = [...items].sort((a, b) => {
    const d = itemKey(a.header) - itemKey(b.header);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
  const parts: Uint8Array[] = [];
  sorted.forEach((item, i) => {
    if (i > 0 && itemKey(sorted[i - 1]!.header) === itemKey(item.header)) {
      throw new SubmissionError(
        "DUPLICATE_ITEM",
        `${where(item.header)} appears twice: merge its attestations into one item`,
      );
    }
    parts.push(...encodeItem(item));
  });
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return hexlify(out);
}

/** Bytes one item takes: header, count, attestations (own digests where they differ) and absent voters. */
export function itemBytes(voterCount: number, forHeader: number, otherDigest: number): number {
  const attested = forHeader + otherDigest;
  return (
    HEADER_BYTES + 1 + attested * (1 + SIGNATURE_BYTES) + otherDigest * 32 + (voterCount - attested) * 20
  );
}
