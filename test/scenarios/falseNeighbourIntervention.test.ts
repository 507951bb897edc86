/**
 * SPEC 12 attack: false neighbour node intervention. An unassigned node tries to vote; an assigned neighbour
 * lies; two of three neighbours lie together. A lie is never accepted: it is outvoted (and faulted) or, when
 * the liars hold half of the votes, the batch ends Disputed.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { batchDigest, buildBatch, type BatchHeader } from "../../lib/batches/batch.js";
import { type Grid, deployGrid } from "../../lab/fixtures/grid.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { signedReadings } from "../../lab/fixtures/readings.js";
import { expectDisputed, gridFixture } from "../helpers/grid.js";

const grids = gridFixture(await network.create());

/** The default grid, a fresh period `p` open, and cluster 1's honest header for it. */
async function openGrid(): Promise<{ grid: Grid; p: number; honest: BatchHeader }> {
  const { grid, p } = await grids.open();
  const honest = buildBatch(1, p, await signedReadings(grid, 1, p)).header;
  return { grid, p, honest };
}

describe("scenario: false neighbour node intervention", () => {
  it("an unassigned node's vote is refused, alone or inside a multi-batch call", async () => {
    const { grid, p, honest } = await openGrid();
    const stranger = grid.nodes[4]; // a registered node, parent of cluster 5, not a neighbour of cluster 1
    const lie = { ...honest, totalLoadWh: 1n };
    await expect(grid.ledger.connect(stranger).vote(lie))
      .to.be.revertedWithCustomError(grid.ledger, "NotAssignedNeighbour")
      .withArgs(1, stranger.address);
    await expect(grid.ledger.connect(stranger).submitMany([lie]))
      .to.be.revertedWithCustomError(grid.ledger, "NotAssignedVoter")
      .withArgs(1, stranger.address);
    await expect(grid.ledger.connect(grid.outsider).vote(lie))
      .to.be.revertedWithCustomError(grid.ledger, "NotAssignedNeighbour")
      .withArgs(1, grid.outsider.address);
    expect((await grid.ledger.votesOf(1, p)).status).to.equal(BatchStatus.None);
  });

  it("one lying neighbour is outvoted and faulted; the parent is not overruled", async () => {
    const { grid, p, honest } = await openGrid();
    const [parent, n1, n2, n3] = grid.votersOf(1);
    const lie = { ...honest, totalGenerationWh: 0n };
    await grid.ledger.connect(n2).vote(lie); // the liar votes first
    await grid.ledger.connect(parent).propose(honest);
    await grid.ledger.connect(n1).vote(honest);
    await expect(grid.ledger.connect(n3).vote(honest))
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(1, p, batchDigest(honest), false)
      .and.to.emit(grid.ledger, "FaultRecorded")
      .withArgs(n2.address, 1, p);
    expect(await grid.ledger.faults(n2.address)).to.equal(1n);
    for (const honestNode of [parent, n1, n3])
      expect(await grid.ledger.faults(honestNode.address)).to.equal(0n);
    expect((await grid.ledger.batchOf(1, p)).totalGenerationWh).to.equal(honest.totalGenerationWh);
  });

  it("two of three neighbours lie together: 2 of 4 against 2 of 4, never accepted, Disputed", async () => {
    const { grid, p, honest } = await openGrid();
    const [parent, n1, n2, n3] = grid.votersOf(1);
    const lie = { ...honest, root: "0xdeadbeefdeadbeef" };
    await grid.ledger.connect(parent).propose(honest);
    await grid.ledger.connect(n1).vote(lie);
    await grid.ledger.connect(n2).vote(lie);
    await grid.ledger.connect(n3).vote(honest);
    const v = await grid.ledger.votesOf(1, p);
    expect(v.counts).to.deep.equal([2n, 2n]);
    expect(v.status).to.equal(BatchStatus.Pending);
    await expect(grid.ledger.finalize(1, p))
      .to.emit(grid.ledger, "BatchDisputed")
      .withArgs(1, p)
      .and.not.to.emit(grid.ledger, "BatchAccepted");
    await expectDisputed(grid, 1, p);
  });

  it("3 voters: a lying neighbour is outvoted by the parent and the other neighbour", async () => {
    const { grid, p } = await openGrid();
    const honest3 = buildBatch(3, p, await signedReadings(grid, 3, p)).header;
    const [parent, n1, n2] = grid.votersOf(3);
    await grid.ledger.connect(n1).vote({ ...honest3, leafCount: 99 });
    await grid.ledger.connect(parent).propose(honest3);
    await expect(grid.ledger.connect(n2).vote(honest3))
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(3, p, batchDigest(honest3), false);
    expect(await grid.ledger.faults(n1.address)).to.equal(1n);
  });
});
