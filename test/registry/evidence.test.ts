/**
 * SPEC 5 evidence (issue 16, finding 6): two different meter-signed readings of one meter-period, or two leaves
 * of one meter in an accepted batch, mark the meter Tampered from that period on. Anyone may submit either.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";
import { gridDomain, signReading, type SignedReading } from "../../lib/batches/reading.js";
import {
  conflictingReadings,
  duplicateLeafEvidence,
  EvidenceError,
  type LeafEvidence,
} from "../../lib/batches/evidence.js";
import { RETENTION_PERIODS } from "../../lib/constants.js";
import { acceptByVoters, rawBatch } from "../../lab/fixtures/batches.js";
import { deployGrid, type Grid } from "../../lab/fixtures/grid.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { readingFor, signedReadings } from "../../lab/fixtures/readings.js";
import type { ReadingEvidence } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();

/** Cluster 2 has a parent and one neighbour: two votes accept its batches. */
const CLUSTER = 2;
/** IClusterRegistry.MeterStatus.Tampered */
const TAMPERED = 2n;

interface Setup {
  grid: Grid;
  evidence: ReadingEvidence;
}

async function withEvidence(): Promise<Setup> {
  const grid = await deployGrid(ethers, networkHelpers);
  const evidence = (await ethers.deployContract("ReadingEvidence", [
    await grid.registry.getAddress(),
    await grid.ledger.getAddress(),
  ])) as unknown as ReadingEvidence;
  await grid.registry
    .connect(grid.utility)
    .grantRole(await grid.registry.EVIDENCE_ROLE(), await evidence.getAddress());
  return { grid, evidence };
}

async function open(): Promise<Setup & { p: number }> {
  const s = await networkHelpers.loadFixture(withEvidence);
  const p = (await s.grid.currentPeriod()) + 2;
  await s.grid.warpToPeriod(p + 1);
  return { ...s, p };
}

/** The meter signs a second, different reading for the same period (a compromised key). */
async function twoReadings(grid: Grid, p: number, index = 0): Promise<[SignedReading, SignedReading]> {
  const meter = grid.meters[CLUSTER - 1][index];
  const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
  const r = readingFor(grid, meter, CLUSTER, index, p);
  const first = await signReading(meter, domain, r);
  const second = await signReading(meter, domain, {
    ...r,
    importWh: r.importWh + 250n,
    loadWh: r.loadWh + 250n,
  });
  return [first, second];
}

const asArgs = (e: LeafEvidence) => ({ ...e });

describe("ReadingEvidence: two different meter-signed readings of one meter-period", () => {
  it("marks the meter Tampered from that period on; anyone may submit the pair", async () => {
    const { grid, evidence, p } = await open();
    const [a, b] = await twoReadings(grid, p);
    const meter = a.reading.meter;
    const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
    expect(conflictingReadings(domain, a, b)).to.deep.equal({ meter, period: p });
    await expect(
      evidence
        .connect(grid.outsider)
        .proveConflictingReadings(a.reading, a.signature, b.reading, b.signature),
    )
      .to.emit(grid.registry, "MeterCompromised")
      .withArgs(CLUSTER, meter, p, grid.outsider.address);
    const info = await grid.registry.meterInfo(meter);
    expect(info.status).to.equal(TAMPERED);
    expect(info.untilPeriod).to.equal(BigInt(p));
    expect(await grid.registry.isReadingAllowed(meter, CLUSTER, p - 1)).to.equal(true);
    expect(await grid.registry.isReadingAllowed(meter, CLUSTER, p)).to.equal(false);
    // The same evidence again changes nothing and says so.
    await expect(evidence.proveConflictingReadings(b.reading, b.signature, a.reading, a.signature))
      .to.be.revertedWithCustomError(grid.registry, "AlreadyCutOff")
      .withArgs(meter, p);
  });

  it("refuses a pair that proves nothing: one reading twice, two meters, two periods, a foreign key", async () => {
    const { grid, evidence, p } = await open();
    const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
    const [a, b] = await twoReadings(grid, p);
    const [other] = await twoReadings(grid, p, 1);
    const meter = a.reading.meter;
    await expect(evidence.proveConflictingReadings(a.reading, a.signature, a.reading, a.signature))
      .to.be.revertedWithCustomError(evidence, "NotConflicting")
      .withArgs(meter, p);
    expect(() => conflictingReadings(domain, a, a)).to.throw(EvidenceError, /the same reading/);
    await expect(
      evidence.proveConflictingReadings(a.reading, a.signature, other.reading, other.signature),
    ).to.be.revertedWithCustomError(evidence, "NotSameMeterPeriod");
    expect(() => conflictingReadings(domain, a, other)).to.throw(EvidenceError, /one meter-period/);
    const later = await signReading(grid.meters[CLUSTER - 1][0], domain, { ...b.reading, period: p - 1 });
    await expect(
      evidence.proveConflictingReadings(a.reading, a.signature, later.reading, later.signature),
    ).to.be.revertedWithCustomError(evidence, "NotSameMeterPeriod");
    const forger = Wallet.createRandom();
    const forged = await signReading(forger, domain, b.reading);
    await expect(evidence.proveConflictingReadings(a.reading, a.signature, forged.reading, forged.signature))
      .to.be.revertedWithCustomError(evidence, "InvalidReadingSignature")
      .withArgs(meter, forger.address);
    expect(() => conflictingReadings(domain, a, forged)).to.throw(/signed by/);
    expect((await grid.registry.meterInfo(meter)).status).to.equal(1n);
  });

  it("refuses evidence older than the retention window, and marking by anyone but the evidence contract", async () => {
    const { grid, evidence, p } = await open();
    const [a, b] = await twoReadings(grid, p);
    await grid.warpToPeriod(p + RETENTION_PERIODS + 1);
    await expect(evidence.proveConflictingReadings(a.reading, a.signature, b.reading, b.signature))
      .to.be.revertedWithCustomError(evidence, "EvidenceTooOld")
      .withArgs(a.reading.meter, p, p + RETENTION_PERIODS + 1);
    await expect(
      grid.registry.connect(grid.outsider).markCompromised(a.reading.meter, p, grid.outsider.address),
    ).to.be.revertedWithCustomError(grid.registry, "AccessControlUnauthorizedAccount");
  });
});

describe("ReadingEvidence: two leaves of one meter in an accepted batch", () => {
  /** An accepted batch whose tree holds both readings of the meter, adjacent (leaves sorted by meter). */
  async function batchWithTwoLeaves(grid: Grid, p: number, pair: readonly SignedReading[]) {
    const honest = await signedReadings(grid, CLUSTER, p);
    const meter = pair[0].reading.meter;
    const readings = [...honest.filter((s) => s.reading.meter !== meter), ...pair].sort((x, y) =>
      BigInt(x.reading.meter) < BigInt(y.reading.meter) ? -1 : 1,
    );
    const batch = rawBatch(CLUSTER, p, readings);
    await acceptByVoters(grid, batch.header);
    return batch;
  }

  it("marks the meter Tampered from the batch's period on", async () => {
    const { grid, evidence, p } = await open();
    const pair = await twoReadings(grid, p);
    const { readings, tree } = await batchWithTwoLeaves(grid, p, pair);
    const found = duplicateLeafEvidence(readings, tree);
    expect(found).to.not.equal(undefined);
    const [x, y] = found!;
    expect(y.index).to.equal(x.index + 1);
    await expect(evidence.connect(grid.outsider).proveDuplicateLeaves(asArgs(x), asArgs(y)))
      .to.emit(grid.registry, "MeterCompromised")
      .withArgs(CLUSTER, pair[0].reading.meter, p, grid.outsider.address);
    expect(await grid.registry.isReadingAllowed(pair[0].reading.meter, CLUSTER, p)).to.equal(false);
  });

  it("refuses one leaf twice, a wrong proof, a batch not accepted and a leaf repeated verbatim", async () => {
    const { grid, evidence, p } = await open();
    const pair = await twoReadings(grid, p);
    const { readings, tree } = await batchWithTwoLeaves(grid, p, pair);
    const [x, y] = duplicateLeafEvidence(readings, tree)!;
    await expect(evidence.proveDuplicateLeaves(asArgs(x), asArgs(x)))
      .to.be.revertedWithCustomError(evidence, "SameLeaf")
      .withArgs(x.index);
    // Every sibling zeroed (the packed proof keeps its length: 8 bytes per sibling).
    const wrong = { ...asArgs(y), proof: "0x" + "00".repeat((y.proof.length - 2) / 2) };
    await expect(evidence.proveDuplicateLeaves(asArgs(x), wrong))
      .to.be.revertedWithCustomError(evidence, "InvalidMerkleProof")
      .withArgs(CLUSTER, p, y.index);
    const elsewhere = { ...asArgs(y), reading: { ...y.reading, period: p + 1 } };
    await expect(evidence.proveDuplicateLeaves(asArgs(x), elsewhere)).to.be.revertedWithCustomError(
      evidence,
      "NotSameMeterPeriod",
    );
    const unbatched = (e: LeafEvidence) => ({ ...asArgs(e), reading: { ...e.reading, period: p - 1 } });
    await expect(evidence.proveDuplicateLeaves(unbatched(x), unbatched(y)))
      .to.be.revertedWithCustomError(evidence, "BatchNotAccepted")
      .withArgs(CLUSTER, p - 1, BatchStatus.None);

    // A batch that repeats one reading verbatim double-counts it, but the meter signed only once: no evidence.
    const q = p + 1;
    await grid.warpToPeriod(q + 1);
    const [again] = await twoReadings(grid, q);
    const verbatim = await batchWithTwoLeaves(grid, q, [again, again]);
    const i = verbatim.readings.findIndex((s) => s.reading.meter === again.reading.meter);
    const leaf = (k: number) => asArgs(verbatim.proofs[k]);
    await expect(evidence.proveDuplicateLeaves(leaf(i), leaf(i + 1)))
      .to.be.revertedWithCustomError(evidence, "NotConflicting")
      .withArgs(again.reading.meter, q);
    expect(duplicateLeafEvidence(verbatim.readings, verbatim.tree)).to.equal(undefined);
  });
});

describe("ReadingEvidence: deployment", () => {
  it("refuses a zero address and a ledger of another registry", async () => {
    const { grid } = await open();
    const factory = await ethers.getContractFactory("ReadingEvidence");
    const zero = "0x0000000000000000000000000000000000000000";
    await expect(factory.deploy(zero, await grid.ledger.getAddress())).to.be.revertedWithCustomError(
      factory,
      "ZeroAddress",
    );
    const other = await ethers.deployContract("ClusterRegistry", [grid.utility.address, zero, grid.epoch, 4]);
    await expect(factory.deploy(await other.getAddress(), await grid.ledger.getAddress()))
      .to.be.revertedWithCustomError(factory, "LedgerOfAnotherRegistry")
      .withArgs(await grid.registry.getAddress(), await other.getAddress());
  });
});
