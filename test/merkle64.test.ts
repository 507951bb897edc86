import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { concat, dataSlice, id, keccak256, solidityPacked, TypedDataEncoder, Wallet } from "ethers";
import { loadBuilding } from "../lab/data/citylearn.js";
import {
  absenceNeighbours,
  buildBatch,
  buildTree,
  getProof,
  h64,
  leafHash,
  MalformedHashError,
  MerkleInputError,
  nodeHash,
  packProof,
  proofLength,
  provesAbsence,
  rootHash,
  sortByMeter,
  treeNode,
  unpackProof,
  verifyAbsence,
  verifyProof,
  type Merkle64Tree,
} from "../lib/batches/merkle64.js";
import {
  readingFromEnergy,
  checkReading,
  encodeReadingFields,
  gridDomain,
  READING_TYPES,
  readingDigest,
  signedReadingFromJson,
  signReading,
  verifyReadingSignature,
  type Reading,
  type ReadingJson,
  type SignedReading,
} from "../lib/batches/reading.js";

const k64 = (hex: string): string => dataSlice(keccak256(hex), 0, 8);

/** Deterministic pseudo-random bytes8 from a label. */
const fakeLeaf = (i: number, salt = "leaf"): string => dataSlice(id(`${salt}-${i}`), 0, 8);
const leavesOf = (n: number, salt = "leaf"): string[] =>
  Array.from({ length: n }, (_, i) => fakeLeaf(i, salt));

/** Reference tree, written the obvious recursive way with ethers only, to pin the fast one. */
function referenceRoot(leaves: readonly string[]): string {
  let level: readonly string[] = leaves;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(
        i + 1 < level.length
          ? k64(solidityPacked(["bytes1", "bytes8", "bytes8"], ["0x01", level[i], level[i + 1]]))
          : level[i]!,
      );
    }
    level = next;
  }
  return k64(solidityPacked(["bytes1", "uint32", "bytes8"], ["0x02", leaves.length, level[0]]));
}

function flipBit(h: string, bit: number): string {
  const v = BigInt(h) ^ (1n << BigInt(bit));
  return "0x" + v.toString(16).padStart(16, "0");
}

function claim(tree: Merkle64Tree, index: number) {
  return {
    root: tree.root,
    leafCount: tree.leafCount,
    index,
    leaf: treeNode(tree, 0, index),
    proof: getProof(tree, index),
  };
}

describe("merkle64 (SPEC 5)", () => {
  describe("hashes", () => {
    it("h64 is the first 8 bytes of keccak256 for every input length 0..300 (single-block fast path included)", () => {
      for (let len = 0; len <= 300; len++) {
        const bytes = new Uint8Array(len).map((_, i) => (i * 151 + len) & 0xff);
        expect(h64(bytes), `length ${len}`).to.equal(
          k64(bytes.length === 0 ? "0x" : "0x" + Buffer.from(bytes).toString("hex")),
        );
      }
    });

    it("nodeHash and rootHash use the 0x01 / 0x02 prefixes and a big-endian uint32 count", () => {
      const [a, b] = [fakeLeaf(1), fakeLeaf(2)];
      expect(nodeHash(a!, b!)).to.equal(k64(concat(["0x01", a!, b!])));
      expect(nodeHash(a!, b!)).not.to.equal(nodeHash(b!, a!));
      expect(rootHash(258, a!)).to.equal(k64(concat(["0x02", "0x00000102", a!])));
      expect(rootHash(3, a!)).not.to.equal(rootHash(4, a!));
    });

    it("leafHash = H64(0x00 || abi.encode(fields) || sig65) of a real signed reading", async () => {
      const signed = await signedOf(1, 200);
      const want = k64(concat(["0x00", encodeReadingFields(signed.reading), signed.signature]));
      expect(leafHash(signed)).to.equal(want);
      const other = { ...signed, reading: { ...signed.reading, exportWh: signed.reading.exportWh + 1n } };
      expect(leafHash(other)).not.to.equal(want);
    });

    it("refuses malformed hashes and counts", () => {
      expect(() => nodeHash("0x1234", fakeLeaf(1))).to.throw(MalformedHashError);
      expect(() => nodeHash(fakeLeaf(1), "0x" + "g".repeat(16))).to.throw(MalformedHashError);
      expect(() => rootHash(0, fakeLeaf(1))).to.throw(MerkleInputError);
      expect(() => rootHash(2 ** 32, fakeLeaf(1))).to.throw(MerkleInputError);
      expect(() => leafHash({ reading: readingOf(1, 1, wallet(1)), signature: "0x00" })).to.throw(
        MerkleInputError,
      );
    });
  });

  describe("tree shape", () => {
    it("refuses an empty tree", () => {
      expect(() => buildTree([])).to.throw(MerkleInputError, /at least one leaf/);
      expect(() => buildTree(new Uint8Array(0))).to.throw(MerkleInputError);
      expect(() => buildTree(new Uint8Array(7))).to.throw(MerkleInputError);
    });

    it("one leaf: root commits count 1 and the leaf, the proof is empty", () => {
      const t = buildTree([fakeLeaf(0)]);
      expect(t.root).to.equal(rootHash(1, fakeLeaf(0)));
      expect(getProof(t, 0)).to.equal("0x");
      expect(verifyProof(claim(t, 0))).to.equal(true);
    });

    it("promotes an odd last node unchanged instead of duplicating it", () => {
      const [a, b, c, d, e] = leavesOf(5) as [string, string, string, string, string];
      const t3 = buildTree([a, b, c]);
      expect(t3.root).to.equal(rootHash(3, nodeHash(nodeHash(a, b), c)));
      expect(getProof(t3, 2)).to.equal(packProof([nodeHash(a, b)]));
      const t5 = buildTree([a, b, c, d, e]);
      expect(t5.root).to.equal(rootHash(5, nodeHash(nodeHash(nodeHash(a, b), nodeHash(c, d)), e)));
      // Leaf 4 is promoted twice: only the top level has a sibling.
      expect(getProof(t5, 4)).to.equal(packProof([nodeHash(nodeHash(a, b), nodeHash(c, d))]));
      // A duplicated-leaf tree of 4 (a b c c) must not share the root of (a b c).
      expect(buildTree([a, b, c, c]).root).not.to.equal(t3.root);
    });

    it("matches a naive reference for every size 1..120, hex and packed input alike", () => {
      for (let n = 1; n <= 120; n++) {
        const leaves = leavesOf(n);
        const t = buildTree(leaves);
        expect(t.root, `n=${n}`).to.equal(referenceRoot(leaves));
        const packed = Buffer.from(leaves.map((l) => l.slice(2)).join(""), "hex");
        expect(buildTree(new Uint8Array(packed)).root).to.equal(t.root);
      }
    });
  });

  describe("proofs", () => {
    it("every leaf's proof verifies for every size 1..130, with the derived length", () => {
      for (let n = 1; n <= 130; n++) {
        const t = buildTree(leavesOf(n, `s${n}`));
        for (let i = 0; i < n; i++) {
          const c = claim(t, i);
          expect(unpackProof(c.proof).length).to.equal(proofLength(n, i));
          // Packed: 8 bytes (16 hex digits) per sibling, nothing else.
          expect(c.proof.length).to.equal(2 + 16 * proofLength(n, i));
          expect(verifyProof(c), `n=${n} i=${i}`).to.equal(true);
        }
      }
    });

    it("rejects flipped bits, wrong index, wrong count, truncated or extended proofs", () => {
      for (const n of [2, 3, 5, 7, 8, 9, 33, 100]) {
        const t = buildTree(leavesOf(n, `t${n}`));
        for (let i = 0; i < n; i++) {
          const c = claim(t, i);
          const siblings = unpackProof(c.proof);
          for (let k = 0; k < siblings.length; k++) {
            const proof = [...siblings];
            proof[k] = flipBit(proof[k]!, (i * 7 + k) % 64);
            expect(verifyProof({ ...c, proof: packProof(proof) })).to.equal(false);
          }
          expect(verifyProof({ ...c, leaf: flipBit(c.leaf, i % 64) })).to.equal(false);
          expect(verifyProof({ ...c, root: flipBit(c.root, 63 - (i % 64)) })).to.equal(false);
          for (let j = 0; j < n; j++) if (j !== i) expect(verifyProof({ ...c, index: j })).to.equal(false);
          expect(verifyProof({ ...c, index: n })).to.equal(false);
          expect(verifyProof({ ...c, index: -1 })).to.equal(false);
          expect(verifyProof({ ...c, leafCount: n + 1 })).to.equal(false);
          expect(verifyProof({ ...c, leafCount: n - 1 })).to.equal(false);
          if (siblings.length > 0)
            expect(verifyProof({ ...c, proof: packProof(siblings.slice(0, -1)) })).to.equal(false);
          expect(verifyProof({ ...c, proof: packProof([...siblings, fakeLeaf(9)]) })).to.equal(false);
          expect(verifyProof({ ...c, proof: packProof([fakeLeaf(9), ...siblings]) })).to.equal(false);
          // A proof that is not whole siblings (a byte short or long) is refused like Merkle64.verify does.
          if (siblings.length > 0) expect(verifyProof({ ...c, proof: c.proof.slice(0, -2) })).to.equal(false);
          expect(verifyProof({ ...c, proof: c.proof + "00" })).to.equal(false);
        }
      }
    });

    it("rejects an inner node presented as a leaf, and a leaf presented as an inner node", () => {
      const n = 16;
      const t = buildTree(leavesOf(n, "inner"));
      for (let i = 0; i < n; i += 2) {
        // Node (level 1, i/2) with the upper part of leaf i's proof: shape-valid for index i/2 of 8 leaves...
        const upper = packProof(unpackProof(getProof(t, i)).slice(1));
        const inner = treeNode(t, 1, i / 2);
        expect(verifyProof({ root: t.root, leafCount: n, index: i / 2, leaf: inner, proof: upper })).to.equal(
          false,
        );
        expect(
          verifyProof({ root: t.root, leafCount: n / 2, index: i / 2, leaf: inner, proof: upper }),
        ).to.equal(false);
        // ...and a leaf pair passed as if it were a (left, right) inner pair of a larger tree.
        const asNode = {
          root: t.root,
          leafCount: 2 * n,
          index: 2 * i,
          leaf: treeNode(t, 0, i),
          proof: getProof(t, i),
        };
        expect(verifyProof(asNode)).to.equal(false);
      }
    });

    it("returns false for counts and indices outside the tree, throws on malformed hashes", () => {
      const t = buildTree(leavesOf(4));
      const c = claim(t, 1);
      for (const leafCount of [0, -1, 1.5, 2 ** 32, Number.NaN])
        expect(verifyProof({ ...c, leafCount })).to.equal(false);
      for (const index of [4, 1.5, Number.NaN]) expect(verifyProof({ ...c, index })).to.equal(false);
      expect(() => verifyProof({ ...c, proof: "0x" + "g".repeat(32) })).to.throw(MalformedHashError);
      expect(() => verifyProof({ ...c, proof: c.proof.slice(0, -1) })).to.throw(MalformedHashError);
      expect(() => unpackProof(c.proof.slice(0, -2))).to.throw(MalformedHashError);
      expect(() => packProof(["0x12"])).to.throw(MalformedHashError);
      expect(unpackProof(packProof(unpackProof(c.proof)))).to.deep.equal(unpackProof(c.proof));
      expect(() => verifyProof({ ...c, root: "nope" })).to.throw(MalformedHashError);
      expect(() => getProof(t, 4)).to.throw(MerkleInputError);
      expect(() => getProof(t, -1)).to.throw(MerkleInputError);
      expect(() => treeNode(t, 3, 0)).to.throw(MerkleInputError);
    });
  });

  describe("non-membership (SPEC 5)", () => {
    const keys = [10n, 20n, 30n, 40n];
    const at = (indices: number[]) => indices.map((index) => ({ index, key: keys[index]! }));

    it("finds the leaves around an absent key, one at either end, none in an empty tree", () => {
      expect(absenceNeighbours(keys, 25n)).to.deep.equal([1, 2]);
      expect(absenceNeighbours(keys, 5n)).to.deep.equal([0]);
      expect(absenceNeighbours(keys, 41n)).to.deep.equal([3]);
      expect(absenceNeighbours([], 7n)).to.deep.equal([]);
      for (const key of [25n, 5n, 41n]) {
        expect(provesAbsence(4, key, at(absenceNeighbours(keys, key)))).to.equal(true);
      }
      expect(provesAbsence(0, 7n, [])).to.equal(true);
    });

    it("refuses a member, unsorted keys, and neighbours that do not bracket the key", () => {
      expect(() => absenceNeighbours(keys, 30n)).to.throw(MerkleInputError, /not absent/);
      expect(() => absenceNeighbours([20n, 10n], 15n)).to.throw(MerkleInputError, /sorted/);
      expect(provesAbsence(4, 25n, at([2, 1]))).to.equal(false);
      expect(provesAbsence(4, 25n, at([0, 2]))).to.equal(false);
      expect(provesAbsence(4, 30n, at([2, 3]))).to.equal(false);
      expect(provesAbsence(4, 25n, at([1]))).to.equal(false);
      expect(provesAbsence(4, 5n, at([1]))).to.equal(false);
      expect(provesAbsence(4, 25n, [])).to.equal(false);
      expect(provesAbsence(4, 25n, [...at([1, 2]), ...at([3])])).to.equal(false);
      expect(provesAbsence(3, 41n, at([3]))).to.equal(false);
    });

    it("verifyAbsence also needs every neighbour to be a proven leaf of the root", () => {
      const t = buildTree(leavesOf(4, "absence"));
      const around = [1, 2].map((index) => ({
        index,
        key: keys[index]!,
        leaf: treeNode(t, 0, index),
        proof: getProof(t, index),
      }));
      expect(verifyAbsence({ root: t.root, leafCount: 4, key: 25n, around })).to.equal(true);
      const forged = [around[0]!, { ...around[1]!, leaf: fakeLeaf(99) }];
      expect(verifyAbsence({ root: t.root, leafCount: 4, key: 25n, around: forged })).to.equal(false);
    });
  });

  describe("batches of real signed readings", () => {
    it("sorts Buildings 1-12 by meter address, builds the tree and proves every reading", async () => {
      const signed = await Promise.all(Array.from({ length: 12 }, (_, b) => signedOf(b + 1, 300)));
      const batch = buildBatch(signed);
      const meters = batch.readings.map((s) => BigInt(s.reading.meter));
      for (let i = 1; i < meters.length; i++) expect(meters[i]! > meters[i - 1]!).to.equal(true);
      expect(batch.leaves).to.deep.equal(batch.readings.map(leafHash));
      expect(batch.tree.root).to.equal(referenceRoot(batch.leaves));
      batch.readings.forEach((s, i) => {
        const proof = getProof(batch.tree, i);
        expect(
          verifyProof({ root: batch.tree.root, leafCount: 12, index: i, leaf: leafHash(s), proof }),
        ).to.equal(true);
      });
    });

    it("refuses two readings of one meter in a batch", async () => {
      const a = await signedOf(1, 300);
      const b = await signedOf(1, 301);
      expect(() => sortByMeter([a, b])).to.throw(MerkleInputError, /two readings of meter/);
      const lower = { ...a, reading: { ...a.reading, meter: a.reading.meter.toLowerCase() } };
      expect(() => sortByMeter([lower, b])).to.throw(MerkleInputError);
    });
  });
});

const domain = gridDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const wallet = (b: number): Wallet => new Wallet(id(`gridshare-test-meter-${b}`));

function readingOf(b: number, period: number, w: Wallet): Reading {
  const p = loadBuilding(b).periods[period]!;
  return readingFromEnergy(w.address, period, p);
}

function signedOf(b: number, period: number): Promise<SignedReading> {
  const w = wallet(b);
  return signReading(w, domain, readingOf(b, period, w));
}

// ------------------------------------------------------------------------- committed vectors (TS side)

interface VectorFile {
  chainId: number;
  registry: string;
  domainSeparator: string;
  readings: (ReadingJson & { signature: string; structHash: string; digest: string; leaf: string })[];
  clusterRoot: string;
  absences: {
    key: string;
    valid: boolean;
    around: { index: number; key: string; leaf: string; proof: string }[];
  }[];
  trees: {
    leafCount: number;
    root: string;
    leaves: string[];
    proofCount: number;
    proofs: { index: number; proof: string }[];
  }[];
}

describe("merkle64: committed vectors (test/vectors/merkle64.json) match the TS implementation", () => {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "vectors", "merkle64.json");
  const v = JSON.parse(readFileSync(file, "utf8")) as VectorFile;

  it("readings: digest, signer, leaf and the Buildings 1-12 cluster root", () => {
    const dom = gridDomain(BigInt(v.chainId), v.registry);
    expect(TypedDataEncoder.hashDomain(dom)).to.equal(v.domainSeparator);
    const signed = v.readings.map(({ signature, structHash, digest, leaf, ...reading }) => {
      const s = signedReadingFromJson({ reading, signature });
      expect(readingDigest(dom, s.reading)).to.equal(digest);
      expect(TypedDataEncoder.hashStruct("Reading", READING_TYPES, s.reading)).to.equal(structHash);
      expect(() => verifyReadingSignature(dom, s)).not.to.throw();
      checkReading(s.reading, { kind: "prosumer" });
      expect(leafHash(s)).to.equal(leaf);
      return s;
    });
    expect(v.readings.map((r) => r.meter)).to.have.length(12);
    expect(buildBatch(signed).tree.root).to.equal(v.clusterRoot);
  });

  it("non-membership: the TS verdict of every case, the neighbours absenceNeighbours picks for the valid ones", () => {
    const keys = [...v.readings].map((r) => BigInt(r.meter)).sort((a, b) => (a < b ? -1 : 1));
    expect(v.absences.filter((a) => a.valid).length).to.be.greaterThan(4);
    expect(v.absences.filter((a) => !a.valid).length).to.be.greaterThan(4);
    for (const a of v.absences) {
      const claim = {
        root: v.clusterRoot,
        leafCount: keys.length,
        key: BigInt(a.key),
        around: a.around.map((n) => ({ ...n, key: BigInt(n.key) })),
      };
      expect(verifyAbsence(claim), a.key).to.equal(a.valid);
      if (a.valid) expect(absenceNeighbours(keys, BigInt(a.key))).to.deep.equal(a.around.map((n) => n.index));
    }
  });

  it("40 trees: roots from leaves, every stored proof equals getProof and verifies", () => {
    expect(v.trees).to.have.length(40);
    for (const t of v.trees) {
      const tree = buildTree(t.leaves);
      expect(tree.root, `n=${t.leafCount}`).to.equal(t.root);
      expect(t.proofs).to.have.length(t.proofCount);
      for (const p of t.proofs) {
        expect(getProof(tree, p.index)).to.equal(p.proof);
        expect(
          verifyProof({
            root: t.root,
            leafCount: t.leafCount,
            index: p.index,
            leaf: t.leaves[p.index]!,
            proof: p.proof,
          }),
        ).to.equal(true);
      }
    }
  });
});

// ------------------------------------------------------------------------------ TS == Solidity (SPEC 5)

/** mulberry32: a tiny seeded PRNG so that every run checks the same trees. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TREE_COUNT = Number(process.env.MERKLE_TREES ?? 1000);
const MAX_LEAVES = 2048;
/** Leaves per eth_call: keeps calldata + execution under the 2^24 per-transaction gas cap. */
const LEAVES_PER_CALL = 512;
/** Sizes every run includes; the rest are log-uniform in 1..2048 so that all depths get many trees. */
const EDGE_SIZES = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 255, 256, 257, 1023, 1024, 1025, 2047, 2048,
];

interface HarnessClaim {
  root: string;
  leafCount: number;
  index: number;
  leaf: string;
  proof: string;
  /** Set only on the untampered control claim. */
  genuine?: boolean;
}

/** Every refusal SPEC 5 demands, derived from a genuine claim for leaf `i` of tree `t`. */
function tamperedClaims(t: Merkle64Tree, i: number, rnd: () => number, otherRoot: string): HarnessClaim[] {
  const n = t.leafCount;
  const c = claim(t, i);
  const out: HarnessClaim[] = [];
  const bit = Math.floor(rnd() * 64);
  const siblings = unpackProof(c.proof);
  if (siblings.length > 0) {
    const k = Math.floor(rnd() * siblings.length);
    const proof = [...siblings];
    proof[k] = flipBit(proof[k]!, bit);
    out.push({ ...c, proof: packProof(proof) });
    out.push({ ...c, proof: packProof(siblings.slice(0, -1)) });
    out.push({ ...c, proof: c.proof.slice(0, -2) });
  }
  out.push({ ...c, leaf: flipBit(c.leaf, bit) });
  out.push({ ...c, root: flipBit(c.root, bit) });
  out.push({ ...c, root: otherRoot });
  if (n > 1) out.push({ ...c, index: (i + 1 + Math.floor(rnd() * (n - 1))) % n });
  out.push({ ...c, index: n });
  out.push({ ...c, leafCount: n + 1 });
  if (n > 1) out.push({ ...c, leafCount: n - 1 });
  out.push({ ...c, leafCount: n * 2 });
  out.push({ ...c, proof: packProof([...siblings, c.leaf]) });
  if (n > 1) {
    // Inner node (level 1) presented as a leaf, with the rest of the path.
    const up = packProof(siblings.slice((i ^ 1) < n ? 1 : 0));
    const inner = treeNode(t, 1, i >> 1);
    out.push({ root: t.root, leafCount: n, index: i >> 1, leaf: inner, proof: up });
    out.push({ root: t.root, leafCount: Math.ceil(n / 2), index: i >> 1, leaf: inner, proof: up });
    // Leaf presented as an inner node: the leaf's proof, claimed one level up in a doubled tree.
    out.push({
      root: t.root,
      leafCount: 2 * n,
      index: 2 * i,
      leaf: c.leaf,
      proof: packProof([c.leaf, ...siblings]),
    });
  }
  return out;
}

/**
 * Leaves whose TS proof is also checked on Solidity. In-process EVM throughput (~2-10 Mgas/s on this shared
 * machine) cannot check all ~277,000 proofs in a test run, so by default: every leaf of trees up to
 * FULL_SOLIDITY_MAX leaves, and for larger trees the first two, the last two (the promoted paths) and SAMPLE
 * random leaves. MERKLE_FULL=1 checks every leaf of every tree on Solidity too (minutes).
 */
const FULL = process.env.MERKLE_FULL === "1";
const FULL_SOLIDITY_MAX = FULL ? MAX_LEAVES : 32;
const SAMPLE = 12;
/** Solidity recomputes the root of every tree up to this size, and of every edge-size tree. */
const RECOMPUTE_MAX = FULL ? MAX_LEAVES : 256;
/** Calldata words per eth_call: keeps each call under the 2^24 per-transaction gas cap. */
const WORDS_PER_CALL = 12_000;

function solidityIndices(n: number, rnd: () => number): number[] {
  if (n <= FULL_SOLIDITY_MAX) return Array.from({ length: n }, (_, i) => i);
  const set = new Set([0, 1, n - 2, n - 1]);
  while (set.size < SAMPLE + 4) set.add(Math.floor(rnd() * n));
  return [...set].sort((a, b) => a - b);
}

interface TreeCheck {
  root: string;
  leafCount: number;
  indices: number[];
  leaves: string[];
  /** The listed leaves' packed proofs, concatenated. */
  proofs: string;
  allLeaves: string[];
}

/** Hex digits of one packed sibling. */
const HEX_PER_SIBLING = 16;
/** The call budget counts a word per sibling: verifying one costs about what a word of call data used to. */
const words = (tc: TreeCheck): number =>
  8 + 2 * tc.indices.length + (tc.proofs.length - 2) / HEX_PER_SIBLING + tc.allLeaves.length;

describe("merkle64: TS == Solidity over 1,000 random trees", function () {
  this.timeout(600_000);

  it("every leaf's proof verifies in TS (and on Solidity: see solidityIndices), roots agree, tampering fails on both", async () => {
    const { network } = await import("hardhat");
    const { ethers } = await network.connect();
    const harness = await ethers.deployContract("Merkle64Harness");
    const rnd = prng(0x64_64_64);
    const sizes = [...EDGE_SIZES];
    sizes.length = Math.min(sizes.length, TREE_COUNT);
    while (sizes.length < TREE_COUNT)
      sizes.push(Math.max(1, Math.floor(Math.exp(rnd() * Math.log(MAX_LEAVES + 1)))));
    let provenInTs = 0;
    let provenOnChain = 0;
    let recomputedOnChain = 0;
    let rejectedOnBoth = 0;
    let checks: TreeCheck[] = [];
    let checkWords = 0;
    let tampered: HarnessClaim[] = [];
    let claimWords = 0;
    let prevRoot = fakeLeaf(0, "no-tree");

    const flushChecks = async () => {
      if (checks.length === 0) return;
      const [valid, roots] = (await harness.checkTrees(checks)) as [bigint[], string[]];
      checks.forEach((tc, k) => {
        expect(
          valid[k],
          `Solidity verified ${valid[k]} of ${tc.indices.length} leaves of n=${tc.leafCount}`,
        ).to.equal(BigInt(tc.indices.length));
        provenOnChain += tc.indices.length;
        if (tc.allLeaves.length > 0) {
          expect(roots[k], `Solidity root of n=${tc.leafCount}`).to.equal(tc.root);
          recomputedOnChain++;
        }
      });
      checks = [];
      checkWords = 0;
    };
    const flushTampered = async () => {
      if (tampered.length === 0) return;
      const results = (await harness.verifyClaims(tampered)) as boolean[];
      // Each group opens with its genuine claim, which must pass: the harness cannot pass by returning false.
      results.forEach((ok, j) =>
        expect(ok, `Solidity claim ${JSON.stringify(tampered[j])}`).to.equal(tampered[j]!.genuine === true),
      );
      rejectedOnBoth += results.filter((ok) => !ok).length;
      tampered = [];
      claimWords = 0;
    };

    for (let tn = 0; tn < sizes.length; tn++) {
      const n = sizes[tn]!;
      const packed = new Uint8Array(n * 8);
      for (let b = 0; b < packed.length; b++) packed[b] = Math.floor(rnd() * 256);
      const t = buildTree(packed);
      const leaves: string[] = [];
      const proofs: string[] = [];
      for (let i = 0; i < n; i++) {
        const c = claim(t, i);
        // Counted, not asserted per leaf: a chai call per proof would dominate the run time.
        if (verifyProof(c)) provenInTs++;
        leaves.push(c.leaf);
        proofs.push(c.proof);
      }
      const indices = solidityIndices(n, rnd);
      const tc: TreeCheck = {
        root: t.root,
        leafCount: n,
        indices,
        leaves: indices.map((i) => leaves[i]!),
        proofs: "0x" + indices.map((i) => proofs[i]!.slice(2)).join(""),
        allLeaves: n <= RECOMPUTE_MAX || tn < EDGE_SIZES.length ? leaves : [],
      };
      if (checkWords + words(tc) > WORDS_PER_CALL) await flushChecks();
      checks.push(tc);
      checkWords += words(tc);

      const i = tn % 2 === 0 ? n - 1 : Math.floor(rnd() * n);
      const bad = tamperedClaims(t, i, rnd, prevRoot);
      for (const b of bad)
        expect(verifyProof(b), `TS tampered n=${n} i=${i} ${JSON.stringify(b)}`).to.equal(false);
      tampered.push({ ...claim(t, i), genuine: true }, ...bad);
      claimWords += (bad.length + 1) * (8 + proofLength(n, i));
      if (claimWords > WORDS_PER_CALL) await flushTampered();
      prevRoot = t.root;
    }
    await flushChecks();
    await flushTampered();
    if (process.env.MERKLE_REPORT === "1") {
      console.log(
        `trees ${sizes.length}, TS proofs ${provenInTs}, Solidity proofs ${provenOnChain}, Solidity roots ` +
          `${recomputedOnChain}, tampered claims rejected on both ${rejectedOnBoth}`,
      );
    }
    expect(provenInTs, "every TS proof verifies in TS").to.equal(sizes.reduce((a, b) => a + b, 0));
    expect(provenOnChain).to.be.greaterThan(TREE_COUNT);
    expect(recomputedOnChain).to.be.greaterThan(TREE_COUNT / 2);
    expect(rejectedOnBoth).to.be.greaterThan(5 * TREE_COUNT);
  });
});

/** Gas one more full-tree level may add to Merkle64.verify (a node hash is 36 of it). */
const MAX_GAS_PER_LEVEL = 125n;

describe("merkle64: verify gas", () => {
  it("costs the same for every leaf of a full tree (branch-free), grows with depth by at most one bounded level each, and beats the plain-Solidity verifier", async () => {
    const { network } = await import("hardhat");
    const { ethers } = await network.connect();
    const harness = await ethers.deployContract("Merkle64Harness");
    const rows: { depth: number; asm: bigint; plain: bigint }[] = [];
    for (let depth = 2; depth <= 12; depth++) {
      const n = 2 ** depth;
      const t = buildTree(leavesOf(n, `gas${depth}`));
      const c = claim(t, n - 1);
      const [okA, asm] = (await harness.verifyGas(c, false)) as [boolean, bigint];
      const [okP, plain] = (await harness.verifyGas(c, true)) as [boolean, bigint];
      expect(okA && okP).to.equal(true);
      expect(asm < plain).to.equal(true);
      // No branch on the path: the first, a middle and the last leaf cost exactly the same.
      for (const i of [0, n / 2 - 1, n / 2]) {
        const [ok, g] = (await harness.verifyGas(claim(t, i), false)) as [boolean, bigint];
        expect([ok, g]).to.deep.equal([true, asm]);
      }
      rows.push({ depth, asm, plain });
    }
    if (process.env.MERKLE_REPORT === "1") console.table(rows);
    // One more level adds one node hash (36 gas) plus bounded bookkeeping, never more. The 4-leaf tree (a
    // 4-meter cluster) takes a straight line without the deeper trees' once-per-proof bookkeeping: depth 3
    // may cost up to two levels more than it.
    rows.slice(1).forEach((r, k) => {
      const step = r.asm - rows[k]!.asm;
      const bound = r.depth === 3 ? 2n * MAX_GAS_PER_LEVEL : MAX_GAS_PER_LEVEL;
      expect(step > 0n && step <= bound, `depth ${r.depth}: +${step} gas`).to.equal(true);
    });
  });
});
