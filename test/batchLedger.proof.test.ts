/**
 * requireProvenReading: a meter-signed reading counts only when its batch is accepted, the meter was allowed
 * for the period, the signature is the meter's (canonical), the energy balance holds and the 64-bit Merkle
 * proof matches the accepted root.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { concat, Signature, toBeHex } from "ethers";
import { buildBatch, type BuiltBatch } from "../lib/batches/batch.js";
import { getProof, packProof, unpackProof } from "../lib/batches/merkle64.js";
import { gridDomain, signReading, type SignedReading } from "../lib/batches/reading.js";
import { assignRanking, type Grid, deployGrid } from "../lab/fixtures/grid.js";
import { BatchStatus } from "../lib/chain/schema.js";
import { readingFor, signedReadings } from "../lab/fixtures/readings.js";
import { attestAndSubmit } from "../lab/fixtures/attestations.js";
import { gridFixture } from "./helpers/grid.js";

const connection = await network.create();
const { ethers } = connection;
const grids = gridFixture(connection);
const openGrid = grids.open;

/** secp256k1 group order: `n - s` flips a signature to its high-s twin. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

interface ProofArg {
  reading: SignedReading["reading"];
  signature: string;
  index: number;
  proof: string;
}

function proofOf(batch: BuiltBatch, index: number): ProofArg {
  const s = batch.readings[index];
  return { reading: s.reading, signature: s.signature, index, proof: getProof(batch.tree, index) };
}

/**
 * Cluster 4 (parent node 3) gets its SPEC 2 ranking as neighbours; the parent and the first of them attest (2 of
 * 3, a strict majority), so the batch is accepted.
 */
async function acceptedBatch(grid: Grid, p: number, signed?: SignedReading[]): Promise<BuiltBatch> {
  const batch = buildBatch(4, p, signed ?? (await signedReadings(grid, 4, p)));
  const [first] = await assignRanking(grid.registry.connect(grid.utility), 4);
  const neighbour = grid.nodes.find((n) => n.address === first);
  if (!neighbour) throw new Error("fixture: cluster 4 ranks no neighbour among the grid's nodes");
  await attestAndSubmit(grid, batch.header, [grid.nodes[3], neighbour]);
  return batch;
}

describe("BatchLedger.requireProvenReading", () => {
  it("accepts every reading of an accepted batch and returns its cluster and batch", async () => {
    const { grid, p } = await openGrid();
    const batch = await acceptedBatch(grid, p);
    for (let i = 0; i < batch.readings.length; i++) {
      const [clusterId, b] = await grid.ledger.requireProvenReading(proofOf(batch, i));
      expect(clusterId).to.equal(4n);
      expect(b.status).to.equal(BatchStatus.Accepted);
      expect(b.root).to.equal(batch.header.root);
      expect(b.totalLoadWh).to.equal(batch.header.totalLoadWh);
    }
  });

  it("works for 3-voter batches decided by the neighbours (the canonical root)", async () => {
    const { grid, p } = await openGrid();
    const batch = buildBatch(3, p, await signedReadings(grid, 3, p));
    const [parent, n1, n2] = grid.votersOf(3);
    await attestAndSubmit(grid, { ...batch.header, root: "0x0123456789abcdef" }, [parent]);
    await attestAndSubmit(grid, batch.header, [n1, n2]);
    const [clusterId] = await grid.ledger.requireProvenReading(proofOf(batch, 2));
    expect(clusterId).to.equal(3n);
  });

  it("refuses readings of batches that are not accepted (pending, disputed, never submitted)", async () => {
    const { grid, p } = await openGrid();
    const batch = buildBatch(1, p, await signedReadings(grid, 1, p));
    await expect(grid.ledger.requireProvenReading(proofOf(batch, 0)))
      .to.be.revertedWithCustomError(grid.ledger, "BatchNotAccepted")
      .withArgs(1, p, BatchStatus.None);
    await attestAndSubmit(grid, batch.header, [grid.nodes[0]]);
    await expect(grid.ledger.requireProvenReading(proofOf(batch, 0)))
      .to.be.revertedWithCustomError(grid.ledger, "BatchNotAccepted")
      .withArgs(1, p, BatchStatus.Pending);
    await grid.warpToPeriod(p + 2);
    await grid.ledger.finalize(1, p);
    await expect(grid.ledger.requireProvenReading(proofOf(batch, 0)))
      .to.be.revertedWithCustomError(grid.ledger, "BatchNotAccepted")
      .withArgs(1, p, BatchStatus.Disputed);
  });

  it("refuses a reading of an unknown meter", async () => {
    const { grid, p } = await openGrid();
    const batch = await acceptedBatch(grid, p);
    const stranger = ethers.Wallet.createRandom();
    const arg = proofOf(batch, 0);
    await expect(
      grid.ledger.requireProvenReading({ ...arg, reading: { ...arg.reading, meter: stranger.address } }),
    )
      .to.be.revertedWithCustomError(grid.ledger, "UnknownMeter")
      .withArgs(stranger.address);
  });

  it("refuses the reading of a meter tampered before its batch was anchored", async () => {
    const grid = await grids.load();
    const p = (await grid.currentPeriod()) + 2;
    await grid.warpToPeriod(p);
    const victim = grid.meters[3][1];
    await grid.registry.connect(grid.nodes[3]).reportTamper(victim.address); // valid until period p (exclusive)
    await grid.warpToPeriod(p + 1);
    const batch = await acceptedBatch(grid, p); // the parent still included the meter's signed reading
    const i = batch.readings.findIndex((s) => s.reading.meter === victim.address);
    await expect(grid.ledger.requireProvenReading(proofOf(batch, i)))
      .to.be.revertedWithCustomError(grid.ledger, "ReadingNotAllowed")
      .withArgs(victim.address, 4, p);
    // The other meters' readings still count.
    await grid.ledger.requireProvenReading(proofOf(batch, i === 0 ? 1 : 0));
  });

  it("refuses signatures that are not the meter's, and high-s twins", async () => {
    const { grid, p } = await openGrid();
    const batch = await acceptedBatch(grid, p);
    const arg = proofOf(batch, 0);
    const other = proofOf(batch, 1);
    await expect(grid.ledger.requireProvenReading({ ...arg, signature: other.signature }))
      .to.be.revertedWithCustomError(grid.ledger, "InvalidReadingSignature")
      .withArgs(arg.reading.meter, (v: string) => v !== arg.reading.meter);
    // The same signature's high-s twin (s' = n - s, v flipped) is valid for plain ecrecover but not canonical.
    const sig = Signature.from(arg.signature);
    const highS = concat([
      sig.r,
      toBeHex(SECP256K1_N - BigInt(sig.s), 32),
      toBeHex(sig.v === 27 ? 28 : 27, 1),
    ]);
    await expect(
      grid.ledger.requireProvenReading({ ...arg, signature: highS }),
    ).to.be.revertedWithCustomError(grid.ledger, "ECDSAInvalidSignatureS");
    await expect(grid.ledger.requireProvenReading({ ...arg, signature: "0x1234" }))
      .to.be.revertedWithCustomError(grid.ledger, "ECDSAInvalidSignatureLength")
      .withArgs(2);
  });

  it("refuses an unbalanced reading even when the meter signed it and it is in the accepted tree", async () => {
    const { grid, p } = await openGrid();
    const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
    const signed = await signedReadings(grid, 4, p);
    const meters = grid.meters[3];
    const honest = readingFor(grid, meters[0], 4, 0, p);
    signed[0] = await signReading(meters[0], domain, { ...honest, loadWh: honest.loadWh + 1n });
    const batch = await acceptedBatch(grid, p, signed);
    const i = batch.readings.findIndex((s) => s.reading.meter === meters[0].address);
    await expect(grid.ledger.requireProvenReading(proofOf(batch, i)))
      .to.be.revertedWithCustomError(grid.ledger, "UnbalancedReading")
      .withArgs(meters[0].address, p);
  });

  it("refuses wrong proofs: a changed sibling, another index, a missing sibling, a reading not in the tree", async () => {
    const { grid, p } = await openGrid();
    const batch = await acceptedBatch(grid, p);
    const arg = proofOf(batch, 1);
    const bad = (x: ProofArg) =>
      expect(grid.ledger.requireProvenReading(x))
        .to.be.revertedWithCustomError(grid.ledger, "InvalidMerkleProof")
        .withArgs(4, p, x.index);
    const siblings = unpackProof(arg.proof);
    await bad({ ...arg, proof: packProof([toBeHex(BigInt(siblings[0]) ^ 1n, 8), ...siblings.slice(1)]) });
    await bad({ ...arg, index: 2 });
    await bad({ ...arg, index: 7 });
    await bad({ ...arg, proof: packProof(siblings.slice(1)) });
    // Packed proofs are whole 8-byte siblings: one byte short or long is refused.
    await bad({ ...arg, proof: arg.proof.slice(0, -2) });
    await bad({ ...arg, proof: arg.proof + "00" });
    // A second reading the meter signed for the same period (not the anchored one).
    const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
    const meter = grid.meters[3].find((m) => m.address === arg.reading.meter)!;
    const r = arg.reading;
    const twin = await signReading(meter, domain, { ...r, loadWh: r.loadWh + 1n, importWh: r.importWh + 1n });
    await bad({ ...arg, reading: twin.reading, signature: twin.signature });
  });
});
