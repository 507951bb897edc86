import { expect } from "chai";
import { concat, dataSlice, id, keccak256, solidityPacked, Wallet } from "ethers";
import { loadBuilding } from "../lib/data/citylearn.js";
import {
  buildBatch,
  buildTree,
  getProof,
  h64,
  leafHash,
  MalformedHashError,
  MerkleInputError,
  nodeHash,
  proofLength,
  rootHash,
  sortByMeter,
  treeNode,
  verifyProof,
  type Merkle64Tree,
} from "../lib/merkle64.js";
import {
  encodeReadingFields,
  gridDomain,
  signReading,
  type Reading,
  type SignedReading,
} from "../lib/reading.js";

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
    it("h64 is the first 8 bytes of keccak256", () => {
      for (const x of ["0x", "0x00", "0x0102030405"]) {
        expect(h64(Buffer.from(x.slice(2), "hex"))).to.equal(k64(x));
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
      expect(getProof(t, 0)).to.deep.equal([]);
      expect(verifyProof(claim(t, 0))).to.equal(true);
    });

    it("promotes an odd last node unchanged instead of duplicating it", () => {
      const [a, b, c, d, e] = leavesOf(5) as [string, string, string, string, string];
      const t3 = buildTree([a, b, c]);
      expect(t3.root).to.equal(rootHash(3, nodeHash(nodeHash(a, b), c)));
      expect(getProof(t3, 2)).to.deep.equal([nodeHash(a, b)]);
      const t5 = buildTree([a, b, c, d, e]);
      expect(t5.root).to.equal(rootHash(5, nodeHash(nodeHash(nodeHash(a, b), nodeHash(c, d)), e)));
      // Leaf 4 is promoted twice: only the top level has a sibling.
      expect(getProof(t5, 4)).to.deep.equal([nodeHash(nodeHash(a, b), nodeHash(c, d))]);
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
          expect(c.proof.length).to.equal(proofLength(n, i));
          expect(verifyProof(c), `n=${n} i=${i}`).to.equal(true);
        }
      }
    });

    it("rejects flipped bits, wrong index, wrong count, truncated or extended proofs", () => {
      for (const n of [2, 3, 5, 7, 8, 9, 33, 100]) {
        const t = buildTree(leavesOf(n, `t${n}`));
        for (let i = 0; i < n; i++) {
          const c = claim(t, i);
          for (let k = 0; k < c.proof.length; k++) {
            const proof = [...c.proof];
            proof[k] = flipBit(proof[k]!, (i * 7 + k) % 64);
            expect(verifyProof({ ...c, proof })).to.equal(false);
          }
          expect(verifyProof({ ...c, leaf: flipBit(c.leaf, i % 64) })).to.equal(false);
          expect(verifyProof({ ...c, root: flipBit(c.root, 63 - (i % 64)) })).to.equal(false);
          for (let j = 0; j < n; j++) if (j !== i) expect(verifyProof({ ...c, index: j })).to.equal(false);
          expect(verifyProof({ ...c, index: n })).to.equal(false);
          expect(verifyProof({ ...c, index: -1 })).to.equal(false);
          expect(verifyProof({ ...c, leafCount: n + 1 })).to.equal(false);
          expect(verifyProof({ ...c, leafCount: n - 1 })).to.equal(false);
          if (c.proof.length > 0) expect(verifyProof({ ...c, proof: c.proof.slice(0, -1) })).to.equal(false);
          expect(verifyProof({ ...c, proof: [...c.proof, fakeLeaf(9)] })).to.equal(false);
          expect(verifyProof({ ...c, proof: [fakeLeaf(9), ...c.proof] })).to.equal(false);
        }
      }
    });

    it("rejects an inner node presented as a leaf, and a leaf presented as an inner node", () => {
      const n = 16;
      const t = buildTree(leavesOf(n, "inner"));
      for (let i = 0; i < n; i += 2) {
        // Node (level 1, i/2) with the upper part of leaf i's proof: shape-valid for index i/2 of 8 leaves...
        const upper = getProof(t, i).slice(1);
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
      expect(() => verifyProof({ ...c, proof: ["0x12", ...c.proof.slice(1)] })).to.throw(MalformedHashError);
      expect(() => verifyProof({ ...c, root: "nope" })).to.throw(MalformedHashError);
      expect(() => getProof(t, 4)).to.throw(MerkleInputError);
      expect(() => getProof(t, -1)).to.throw(MerkleInputError);
      expect(() => treeNode(t, 3, 0)).to.throw(MerkleInputError);
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
  return {
    meter: w.address,
    period,
    importWh: p.importWh,
    exportWh: p.exportWh,
    loadWh: p.loadWh,
    generationWh: p.generationWh,
    peakLoadW: p.peakLoadW,
    peakGenerationW: p.peakGenerationW,
  };
}

function signedOf(b: number, period: number): Promise<SignedReading> {
  const w = wallet(b);
  return signReading(w, domain, readingOf(b, period, w));
}
