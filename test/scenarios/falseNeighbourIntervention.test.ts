/**
 * SPEC 12 attack: false neighbour node intervention. An unassigned node tries to attest; an assigned neighbour
 * lies; two of three neighbours lie together. A lie is never accepted: it is outvoted (and faulted) or, when
 * the liars hold half of the votes, the batch ends Disputed.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { batchDigest, buildBatch, type BatchHeader } from "../../lib/batches/batch.js";
import { SubmissionError } from "../../lib/batches/submission.js";
import type { Grid } from "../../lab/fixtures/grid.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { attestAll, attestAndSubmit, batchVoters, packedItem } from "../../lab/fixtures/attestations.js";
import { signedReadings } from "../../lab/fixtures/readings.js";
import { gridFixture } from "../helpers/grid.js";

const grids = gridFixture(await network.create());
/** IBatchLedger.FaultKind.LosingDigest */
const LOSING_DIGEST = 0n;

/** The default grid, a fresh period `p` open, and cluster 1's honest header for it. */
async function openGrid(): Promise<{ grid: Grid; p: number; honest: BatchHeader }> {
  const { grid, p } = await grids.open();
  const honest = buildBatch(1, p, await signedReadings(grid, 1, p)).header;
  return { grid, p, honest };
}

type Signer = Grid["nodes"][number];

function attestsAlone(grid: Grid, node: Signer, h: BatchHeader) {
  return attestAndSubmit(grid, h, [node], node);
}

describe("scenario: false neighbour node intervention", () => {
  it("an unassigned node's attestation is refused, in any slot, alone or beside valid ones", async () => {
    const { grid, p, honest } = await openGrid();
    const stranger = grid.nodes[4]; // a registered node, parent of cluster 5, not a neighbour of cluster 1
    const lie = { ...honest, totalLoadWh: 1n };
    const voters = await batchVoters(grid, 1, p);
    const [forged] = await attestAll(grid, lie, [stranger]);
    for (const slot of [0, 1]) {
      const item = packedItem(
        lie,
        [{ tag: slot, signature: forged!.signature }],
        voters.filter((_, i) => i !== slot),
      );
      await expect(grid.ledger.submit(item))
        .to.be.revertedWithCustomError(grid.ledger, "UnassignedSigner")
        .withArgs(1, p, slot, stranger.address, voters[slot]);
    }
    // Beside two real attestations: the whole submission is refused.
    const real = await attestAll(grid, lie, grid.votersOf(1).slice(0, 2));
    const mixed = packedItem(
      lie,
      [
        { tag: 0, signature: real[0]!.signature },
        { tag: 1, signature: real[1]!.signature },
        { tag: 2, signature: forged!.signature },
      ],
      [voters[3]!],
    );
    await expect(grid.ledger.submit(mixed)).to.be.revertedWithCustomError(grid.ledger, "UnassignedSigner");
    // The encoder refuses it before anything is sent.
    await expect(attestsAlone(grid, grid.outsider, lie)).to.be.rejectedWith(SubmissionError, /not a voter/);
    expect((await grid.ledger.votesOf(1, p)).status).to.equal(BatchStatus.None);
  });

  it("one lying neighbour is outvoted and faulted; the parent is not overruled", async () => {
    const { grid, p, honest } = await openGrid();
    const [parent, n1, n2, n3] = grid.votersOf(1);
    const lie = { ...honest, totalGenerationWh: 0n };
    await attestsAlone(grid, n2, lie); // the liar attests first
    await attestsAlone(grid, parent, honest);
    await attestsAlone(grid, n1, honest);
    const decide = attestsAlone(grid, n3, honest);
    await expect(decide)
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(1, p, batchDigest(honest), 0b1111, 0b1011);
    await expect(decide).to.emit(grid.ledger, "FaultRecorded").withArgs(n2.address, 1, p, LOSING_DIGEST);
    expect(await grid.ledger.faults(n2.address)).to.equal(1n);
    for (const honestNode of [parent, n1, n3])
      expect(await grid.ledger.faults(honestNode.address)).to.equal(0n);
    const b = await grid.ledger.batchOf(1, p);
    expect([b.totalGenerationWh, b.parentOverruled]).to.deep.equal([honest.totalGenerationWh, false]);
  });

  it("two of three neighbours lie together: 2 of 4 against 2 of 4, never accepted, Disputed", async () => {
    const { grid, p, honest } = await openGrid();
    const [parent, n1, n2, n3] = grid.votersOf(1);
    const lie = { ...honest, root: "0xdeadbeefdeadbeef" };
    await attestsAlone(grid, parent, honest);
    await attestsAlone(grid, n1, lie);
    await attestsAlone(grid, n2, lie);
    await attestsAlone(grid, n3, honest);
    expect(await grid.ledger.pendingSlots(1, p, batchDigest(honest))).to.equal(0b1001n);
    expect(await grid.ledger.pendingSlots(1, p, batchDigest(lie))).to.equal(0b0110n);
    expect((await grid.ledger.votesOf(1, p)).status).to.equal(BatchStatus.Pending);
    await grid.warpToPeriod(p + 2);
    await expect(grid.ledger.finalize(1, p))
      .to.emit(grid.ledger, "BatchDisputed")
      .withArgs(1, p)
      .and.not.to.emit(grid.ledger, "BatchAccepted");
    const b = await grid.ledger.batchOf(1, p);
    expect(b.status).to.equal(BatchStatus.Disputed);
    expect(b.root).to.equal("0x0000000000000000");
    expect(await grid.ledger.isAccepted(1, p)).to.equal(false);
  });

  it("3 voters: a lying neighbour is outvoted by the parent and the other neighbour", async () => {
    const { grid, p } = await openGrid();
    const honest3 = buildBatch(3, p, await signedReadings(grid, 3, p)).header;
    const [parent, n1, n2] = grid.votersOf(3);
    await attestsAlone(grid, n1, { ...honest3, leafCount: 99 });
    await attestsAlone(grid, parent, honest3);
    await expect(attestsAlone(grid, n2, honest3))
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(3, p, batchDigest(honest3), 0b111, 0b101);
    expect(await grid.ledger.faults(n1.address)).to.equal(1n);
  });
});
