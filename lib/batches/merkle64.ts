/**
 * SPEC 5's 64-bit Merkle batch, pure and allocation-lean. Twin of contracts/libraries/Merkle64.sol.
 *
 * - `H64(x) = bytes8(keccak256(x))`
 * - leaf  = H64(0x00 || abi.encode(8 reading fields) || signature65)
 * - node  = H64(0x01 || left || right)
 * - root  = H64(0x02 || uint32 leafCount (big-endian) || top)
 * - positional tree over leaves sorted by meter address; an odd last node is promoted unchanged.
 * - a proof is the sibling list bottom-up, skipping levels where the node is a promoted odd last node,
 *   packed at 8 bytes per sibling; the verifier derives those levels from `(index, leafCount)`.
 *
 * Hashes cross the API as `0x` + 16 hex digits; trees keep each level packed in one Uint8Array.
 */
import { keccak_256, keccakP } from "@noble/hashes/sha3.js";
import { GridShareError } from "../errors.js";
import { SIGNATURE_BYTES, writeReadingFields, type SignedReading } from "./reading.js";

export const HASH64_BYTES = 8;
/** Hex digits of one hash (without `0x`). */
const HASH64_HEX = 2 * HASH64_BYTES;
export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;
export const ROOT_PREFIX = 0x02;
/** SPEC 5 commits the count as uint32. */
export const MAX_LEAF_COUNT = 2 ** 32 - 1;
const READING_FIELDS_BYTES = 8 * 32;
const LEAF_INPUT_BYTES = 1 + READING_FIELDS_BYTES + SIGNATURE_BYTES;

/** A tree cannot be built or a proof asked for: no leaves, index outside the tree, duplicate meter. */
export class MerkleInputError extends GridShareError {
  constructor(problem: string) {
    super("MERKLE_INPUT", problem);
  }
}

/** A hash is not `0x` + 16 hex digits. */
export class MalformedHashError extends GridShareError {
  constructor(what: string, value: unknown) {
    super(
      "MALFORMED_HASH64",
      `${what}: expected 0x + 16 hex digits (bytes8), got ${String(value).slice(0, 40)}`,
    );
  }
}

// ------------------------------------------------------------------------------------------------ hex

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function toHex8(buf: Uint8Array, off: number): string {
  let s = "0x";
  for (let i = 0; i < HASH64_BYTES; i++) s += HEX[buf[off + i] as number];
  return s;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parse `0x` + 16 hex into `out[off..off+8)`; false when malformed. */
function fromHex8(h: unknown, out: Uint8Array, off: number): boolean {
  if (typeof h !== "string" || h.length !== 18 || h.charCodeAt(0) !== 48 || (h.charCodeAt(1) | 32) !== 120) {
    return false;
  }
  for (let i = 0; i < HASH64_BYTES; i++) {
    const hi = nibble(h.charCodeAt(2 + 2 * i));
    const lo = nibble(h.charCodeAt(3 + 2 * i));
    if (hi < 0 || lo < 0) return false;
    out[off + i] = (hi << 4) | lo;
  }
  return true;
}

function parseHash(what: string, h: unknown, out: Uint8Array, off: number): void {
  if (!fromHex8(h, out, off)) throw new MalformedHashError(what, h);
}

// ------------------------------------------------------------------------------------------- hashing

/** `bytes8(keccak256(bytes))` as hex. */
export function h64(bytes: Uint8Array): string {
  const out = new Uint8Array(HASH64_BYTES);
  short64Into(bytes, out, 0);
  return toHex8(out, 0);
}

/** SPEC 5 leaf of a signed reading (does not check the signature: see lib/batches/reading.ts). */
export function leafHash(signed: SignedReading): string {
  return toHex8(leafHashBytes(signed), 0);
}

function leafHashBytes(signed: SignedReading): Uint8Array {
  const sig = signed.signature;
  if (typeof sig !== "string" || sig.length !== 2 + 2 * SIGNATURE_BYTES || !/^0x[0-9a-fA-F]*$/.test(sig)) {
    throw new MerkleInputError(`leaf signature must be 0x + ${SIGNATURE_BYTES} bytes of hex`);
  }
  const buf = new Uint8Array(LEAF_INPUT_BYTES);
  buf[0] = LEAF_PREFIX;
  writeReadingFields(buf, 1, signed.reading);
  const base = 1 + READING_FIELDS_BYTES;
  for (let i = 0; i < SIGNATURE_BYTES; i++) {
    buf[base + i] = (nibble(sig.charCodeAt(2 + 2 * i)) << 4) | nibble(sig.charCodeAt(3 + 2 * i));
  }
  return keccak_256(buf);
}

/**
 * Fast path for short inputs (nodes: 17 bytes, roots: 13 bytes): one Keccak-f[1600] permutation on a reused
 * state instead of a new hasher per call (~5x faster in this module's benchmark). Keccak lanes are
 * little-endian, so a byte view over the Uint32 state is the sponge's byte order on little-endian hosts;
 * elsewhere the generic keccak_256 is used. Pinned to keccak_256 by the tests.
 */
const KECCAK_RATE = 136;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const STATE32 = new Uint32Array(50);
const STATE8 = new Uint8Array(STATE32.buffer);

/** `bytes8(keccak256(input))` into `out[outOff..+8)` without allocating (one permutation when input < 136 bytes). */
export function h64Into(input: Uint8Array, out: Uint8Array, outOff = 0): void {
  short64Into(input, out, outOff);
}

function short64Into(input: Uint8Array, out: Uint8Array, outOff: number): void {
  if (!LITTLE_ENDIAN || input.length >= KECCAK_RATE) {
    out.set(keccak_256(input).subarray(0, HASH64_BYTES), outOff);
    return;
  }
  STATE32.fill(0);
  STATE8.set(input, 0);
  // keccak256 padding (pad10*1 with the 0x01 domain byte) within the single block.
  STATE8[input.length]! ^= 0x01;
  STATE8[KECCAK_RATE - 1]! ^= 0x80;
  keccakP(STATE32, 24);
  for (let i = 0; i < HASH64_BYTES; i++) out[outOff + i] = STATE8[i]!;
}

/** Reused 17-byte input of node hashing: the module is synchronous, so sharing it is safe. */
const NODE_BUF = new Uint8Array(1 + 2 * HASH64_BYTES);
NODE_BUF[0] = NODE_PREFIX;
const ROOT_BUF = new Uint8Array(1 + 4 + HASH64_BYTES);
ROOT_BUF[0] = ROOT_PREFIX;

/** H64(0x01 || left || right) written to `out[outOff..+8)`, reading from packed buffers. */
function nodeInto(
  src: Uint8Array,
  lOff: number,
  rSrc: Uint8Array,
  rOff: number,
  out: Uint8Array,
  outOff: number,
): void {
  NODE_BUF.set(src.subarray(lOff, lOff + HASH64_BYTES), 1);
  NODE_BUF.set(rSrc.subarray(rOff, rOff + HASH64_BYTES), 1 + HASH64_BYTES);
  short64Into(NODE_BUF, out, outOff);
}

/** Inner node `H64(0x01 || left || right)`. */
export function nodeHash(left: string, right: string): string {
  parseHash("left", left, NODE_BUF, 1);
  parseHash("right", right, NODE_BUF, 1 + HASH64_BYTES);
  const out = new Uint8Array(HASH64_BYTES);
  short64Into(NODE_BUF, out, 0);
  return toHex8(out, 0);
}

const ROOT_OUT = new Uint8Array(HASH64_BYTES);

/** Root hash into a shared 8-byte buffer (copy it before the next call). */
function rootInto(count: number, top: Uint8Array, topOff: number): Uint8Array {
  ROOT_BUF[1] = (count >>> 24) & 0xff;
  ROOT_BUF[2] = (count >>> 16) & 0xff;
  ROOT_BUF[3] = (count >>> 8) & 0xff;
  ROOT_BUF[4] = count & 0xff;
  ROOT_BUF.set(top.subarray(topOff, topOff + HASH64_BYTES), 5);
  short64Into(ROOT_BUF, ROOT_OUT, 0);
  return ROOT_OUT;
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_LEAF_COUNT) {
    throw new MerkleInputError(`leaf count ${count} is outside 1..${MAX_LEAF_COUNT}`);
  }
}

/** Root `H64(0x02 || uint32 count || top)`. */
export function rootHash(count: number, top: string): string {
  checkCount(count);
  const t = new Uint8Array(HASH64_BYTES);
  parseHash("top", top, t, 0);
  return toHex8(rootInto(count, t, 0), 0);
}

// ---------------------------------------------------------------------------------------------- trees

/** Sort signed readings by meter address ascending (a new array); refuses two readings of one meter. */
export function sortByMeter<T extends SignedReading>(signed: readonly T[]): T[] {
  const keyed = signed.map((s) => ({ s, k: s.reading.meter.toLowerCase() }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i]!.k === keyed[i - 1]!.k) {
      throw new MerkleInputError(
        `two readings of meter ${keyed[i]!.s.reading.meter} in one batch: a batch holds one reading per meter`,
      );
    }
  }
  return keyed.map((x) => x.s);
}

export interface Merkle64Tree {
  /** Committed root `H64(0x02 || uint32 leafCount || top)`. */
  readonly root: string;
  readonly leafCount: number;
  /** levels[0] = leaves, last = [top]; each level packs its nodes as 8 bytes each. */
  readonly levels: readonly Uint8Array[];
}

/** Build the positional tree from leaf hashes (hex strings, or one packed Uint8Array of 8-byte leaves). */
export function buildTree(leafHashes: readonly string[] | Uint8Array): Merkle64Tree {
  let leaves: Uint8Array;
  if (leafHashes instanceof Uint8Array) {
    if (leafHashes.length % HASH64_BYTES !== 0) {
      throw new MerkleInputError(`packed leaves are ${leafHashes.length} bytes, not a multiple of 8`);
    }
    leaves = leafHashes.slice();
  } else {
    leaves = new Uint8Array(leafHashes.length * HASH64_BYTES);
    for (let i = 0; i < leafHashes.length; i++)
      parseHash(`leaf ${i}`, leafHashes[i], leaves, i * HASH64_BYTES);
  }
  const count = leaves.length / HASH64_BYTES;
  if (count === 0) throw new MerkleInputError("a Merkle batch needs at least one leaf");
  checkCount(count);
  const levels: Uint8Array[] = [leaves];
  let cur = leaves;
  let n = count;
  while (n > 1) {
    const m = (n + 1) >>> 1;
    const next = new Uint8Array(m * HASH64_BYTES);
    const pairs = n >>> 1;
    for (let i = 0; i < pairs; i++) {
      nodeInto(cur, 2 * i * HASH64_BYTES, cur, (2 * i + 1) * HASH64_BYTES, next, i * HASH64_BYTES);
    }
    // Odd last node: promoted unchanged, never duplicated.
    if (n & 1) next.set(cur.subarray((n - 1) * HASH64_BYTES, n * HASH64_BYTES), pairs * HASH64_BYTES);
    levels.push(next);
    cur = next;
    n = m;
  }
  return { root: toHex8(rootInto(count, cur, 0), 0), leafCount: count, levels };
}

/** Node `index` of `level` as hex (level 0 = leaves). */
export function treeNode(tree: Merkle64Tree, level: number, index: number): string {
  const l = tree.levels[level];
  if (!l || !Number.isInteger(index) || index < 0 || index >= l.length / HASH64_BYTES) {
    throw new MerkleInputError(`tree has no node ${index} at level ${level}`);
  }
  return toHex8(l, index * HASH64_BYTES);
}

/**
 * The proof of leaf `index`: its sibling hashes bottom-up, skipping levels where the node is promoted, packed at
 * 8 bytes each into one `0x` hex string (the `bytes` Merkle64.verify takes: no ABI padding per sibling).
 */
export function getProof(tree: Merkle64Tree, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= tree.leafCount) {
    throw new MerkleInputError(`leaf index ${index} is outside 0..${tree.leafCount - 1}`);
  }
  let proof = "0x";
  let idx = index;
  let n = tree.leafCount;
  for (let lv = 0; n > 1; lv++) {
    const sib = idx ^ 1;
    if (sib < n) proof += toHex8(tree.levels[lv]!, sib * HASH64_BYTES).slice(2);
    idx >>>= 1;
    n = (n + 1) >>> 1;
  }
  return proof;
}

/** Pack sibling hashes (`0x` + 16 hex digits each) into a proof. */
export function packProof(siblings: readonly string[]): string {
  const out = new Uint8Array(HASH64_BYTES);
  return siblings.reduce((acc, h, i) => {
    parseHash(`sibling ${i}`, h, out, 0);
    return acc + h.slice(2).toLowerCase();
  }, "0x");
}

/** A packed proof's sibling hashes; throws MalformedHashError unless it is `0x` + 16 hex digits per sibling. */
export function unpackProof(proof: string): string[] {
  if (!isPackedHex(proof) || (proof.length - 2) % HASH64_HEX !== 0) {
    throw new MalformedHashError("proof (8 bytes per sibling)", proof);
  }
  const out: string[] = [];
  for (let i = 2; i < proof.length; i += HASH64_HEX) out.push("0x" + proof.slice(i, i + HASH64_HEX));
  return out;
}

function isPackedHex(h: unknown): h is string {
  return typeof h === "string" && /^0x([0-9a-fA-F]{2})*$/.test(h);
}

/** Number of proof elements for leaf `index` in a tree of `leafCount` leaves. */
export function proofLength(leafCount: number, index: number): number {
  let len = 0;
  let idx = index;
  for (let n = leafCount; n > 1; n = (n + 1) >>> 1) {
    if ((idx ^ 1) < n) len++;
    idx >>>= 1;
  }
  return len;
}

export interface ProofClaim {
  readonly root: string;
  readonly leafCount: number;
  readonly index: number;
  readonly leaf: string;
  /** Siblings bottom-up, packed at 8 bytes each (`getProof`). */
  readonly proof: string;
}

const VERIFY_ACC = new Uint8Array(HASH64_BYTES);
const VERIFY_SIB = new Uint8Array(HASH64_BYTES);

/**
 * Whether `leaf` sits at `index` of the tree of `leafCount` leaves committed by `root`. False for a proof of the
 * wrong length (in bytes, as Merkle64.verify), an index outside the tree, or a count outside 1..2^32-1; throws
 * MalformedHashError only when root or leaf is not bytes8 hex or the proof is not whole bytes of hex.
 */
export function verifyProof(claim: ProofClaim): boolean {
  const { leafCount, index, proof } = claim;
  if (!isPackedHex(proof)) throw new MalformedHashError("proof (packed bytes8 siblings)", proof);
  if (!Number.isInteger(leafCount) || leafCount < 1 || leafCount > MAX_LEAF_COUNT) return false;
  if (!Number.isInteger(index) || index < 0 || index >= leafCount) return false;
  const expectedRoot = new Uint8Array(HASH64_BYTES);
  parseHash("root", claim.root, expectedRoot, 0);
  parseHash("leaf", claim.leaf, VERIFY_ACC, 0);
  const siblings = (proof.length - 2) / HASH64_HEX;
  if (siblings !== proofLength(leafCount, index)) return false;
  let p = 0;
  let idx = index;
  for (let n = leafCount; n > 1; n = (n + 1) >>> 1) {
    if ((idx ^ 1) < n) {
      const at = 2 + p * HASH64_HEX;
      parseHash(`proof sibling ${p}`, "0x" + proof.slice(at, at + HASH64_HEX), VERIFY_SIB, 0);
      p++;
      if (idx & 1) nodeInto(VERIFY_SIB, 0, VERIFY_ACC, 0, VERIFY_ACC, 0);
      else nodeInto(VERIFY_ACC, 0, VERIFY_SIB, 0, VERIFY_ACC, 0);
    }
    idx >>>= 1;
  }
  const got = rootInto(leafCount, VERIFY_ACC, 0);
  for (let i = 0; i < HASH64_BYTES; i++) if (got[i] !== expectedRoot[i]) return false;
  return true;
}

// ----------------------------------------------------------------------------------- non-membership

/** A leaf next to where an absent key would sit in a tree sorted by key: its position and its key. */
export interface Neighbour {
  readonly index: number;
  readonly key: bigint;
}

/**
 * Whether `key` is absent from a tree whose leaves are sorted by key ascending (SPEC 5 non-membership), shown
 * by the leaves around where it would sit: none for an empty tree; the first leaf alone when `key` sorts before
 * it; the last leaf alone when it sorts after it; otherwise two adjacent leaves, below and above `key`. Twin of
 * Merkle64.provesAbsence: the neighbours' membership and keys are the caller's to prove.
 */
export function provesAbsence(leafCount: number, key: bigint, around: readonly Neighbour[]): boolean {
  const [a, b] = around;
  if (a === undefined) return leafCount === 0;
  if (!Number.isInteger(a.index) || a.index < 0 || a.index >= leafCount) return false;
  if (b === undefined) return (a.index === 0 && key < a.key) || (a.index === leafCount - 1 && a.key < key);
  if (around.length > 2) return false;
  return b.index === a.index + 1 && b.index < leafCount && a.key < key && key < b.key;
}

/**
 * The positions of the leaves that prove `key` absent from a tree sorted by `keys` (ascending, distinct): the
 * leaves around it, one at either end, none for an empty tree. Throws MerkleInputError when `key` is a member
 * or the keys are not sorted.
 */
export function absenceNeighbours(keys: readonly bigint[], key: bigint): number[] {
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! >= keys[i]!) throw new MerkleInputError(`keys are not sorted ascending at leaf ${i}`);
  }
  if (keys.length === 0) return [];
  if (keys.includes(key)) throw new MerkleInputError(`key ${key} is a leaf of the tree: it is not absent`);
  const above = keys.findIndex((k) => k > key);
  if (above === 0) return [0];
  if (above === -1) return [keys.length - 1];
  return [above - 1, above];
}

/** A non-membership claim: the neighbours' leaves with their proofs, and the key they bracket. */
export interface AbsenceClaim {
  readonly root: string;
  readonly leafCount: number;
  readonly key: bigint;
  readonly around: readonly (Neighbour & { readonly leaf: string; readonly proof: string })[];
}

/** Every neighbour is a proven leaf and together they bracket `key` (see `provesAbsence`). */
export function verifyAbsence(c: AbsenceClaim): boolean {
  return (
    provesAbsence(c.leafCount, c.key, c.around) &&
    c.around.every((n) =>
      verifyProof({ root: c.root, leafCount: c.leafCount, index: n.index, leaf: n.leaf, proof: n.proof }),
    )
  );
}

export interface Merkle64Batch<T extends SignedReading = SignedReading> {
  /** The readings in leaf order (meter ascending). */
  readonly readings: readonly T[];
  readonly leaves: readonly string[];
  readonly tree: Merkle64Tree;
}

/** Sort a cluster-period's signed readings, hash their leaves and build the tree. */
export function buildBatch<T extends SignedReading>(signed: readonly T[]): Merkle64Batch<T> {
  const readings = sortByMeter(signed);
  const packed = new Uint8Array(readings.length * HASH64_BYTES);
  readings.forEach((s, i) => packed.set(leafHashBytes(s).subarray(0, HASH64_BYTES), i * HASH64_BYTES));
  const tree = buildTree(packed);
  const leaves = readings.map((_, i) => toHex8(packed, i * HASH64_BYTES));
  return { readings, leaves, tree };
}
