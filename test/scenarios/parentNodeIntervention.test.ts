/**
 * SPEC 12 attack: parent-node intervention. The parent proposes a header with altered totals or an altered root;
 * the neighbours, recomputing the batch from their own copies of the meter-signed readings, outvote it. The
 * honest digest becomes canonical, the parent is recorded as overruled and gets a fault.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { batchDigest, buildBatch } from "../../lib/batches/batch.js";
import { deployGrid, type Grid } from "../../lab/fixtures/grid.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { signedReadings } from "../../lab/fixtures/readings.js";
import { gridFixture } from "../helpers/grid.js";

const { open: openGrid } = gridFixture(await network.create());

describe("scenario: parent node intervention", () => {
  it("altered totals: three neighbours outvote the parent; the honest batch is canonical", async () => {
    const { grid, p } = await openGrid();
    const honest = buildBatch(1, p, await signedReadings(grid, 1, p)).header;
    expect(honest.totalGenerationWh).to.be.greaterThan(0n);
    // The parent inflates generation (lowering PSA for everyone) but keeps the real root.
    const altered = { ...honest, totalGenerationWh: honest.totalGenerationWh * 2n };
    const [parent, ...neighbours] = grid.votersOf(1);

    await grid.ledger.connect(parent).propose(altered);
    await grid.ledger.connect(neighbours[0]).vote(honest);
    await grid.ledger.connect(neighbours[1]).vote(honest);
    expect(await grid.ledger.isAccepted(1, p)).to.equal(false, "2 of 4 is no majority");
    await expect(grid.ledger.connect(neighbours[2]).vote(honest))
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(1, p, batchDigest(honest), true)
      .and.to.emit(grid.ledger, "FaultRecorded")
      .withArgs(parent.address, 1, p);

    const b = await grid.ledger.batchOf(1, p);
    expect(b.status).to.equal(BatchStatus.Accepted);
    expect(b.parentOverruled).to.equal(true);
    expect(b.totalLoadWh).to.equal(honest.totalLoadWh);
    expect(b.totalGenerationWh).to.equal(honest.totalGenerationWh);
    expect(b.root).to.equal(honest.root);
    expect(await grid.ledger.faults(parent.address)).to.equal(1n);
    for (const n of neighbours) expect(await grid.ledger.faults(n.address)).to.equal(0n);
    // The parent cannot try again.
    await expect(grid.ledger.connect(parent).propose(honest))
      .to.be.revertedWithCustomError(grid.ledger, "BatchAlreadyDecided")
      .withArgs(1, p, BatchStatus.Accepted);
  });

  it("altered root: the parent drops a meter's reading; two neighbours outvote it", async () => {
    const { grid, p } = await openGrid();
    const readings = await signedReadings(grid, 3, p);
    const honest = buildBatch(3, p, readings).header;
    // A parent leaving out one meter: different root, count and totals.
    const altered = buildBatch(3, p, readings.slice(1)).header;
    expect(altered.root).to.not.equal(honest.root);
    const [parent, n1, n2] = grid.votersOf(3);

    await grid.ledger.connect(parent).propose(altered);
    await grid.ledger.connect(n1).vote(honest);
    await expect(grid.ledger.connect(n2).vote(honest))
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(3, p, batchDigest(honest), true);
    const b = await grid.ledger.batchOf(3, p);
    expect(b.root).to.equal(honest.root);
    expect(b.leafCount).to.equal(BigInt(readings.length));
    expect(await grid.ledger.faults(parent.address)).to.equal(1n);
  });

  it("with a single neighbour the parent cannot be overruled: no majority, the batch is Disputed", async () => {
    const { grid, p } = await openGrid();
    const honest = buildBatch(2, p, await signedReadings(grid, 2, p)).header;
    const altered = { ...honest, totalLoadWh: honest.totalLoadWh + 1n };
    const [parent, n1] = grid.votersOf(2);
    await grid.ledger.connect(parent).propose(altered);
    await grid.ledger.connect(n1).vote(honest);
    await expect(grid.ledger.finalize(2, p)).to.emit(grid.ledger, "BatchDisputed").withArgs(2, p);
    expect(await grid.ledger.isAccepted(2, p)).to.equal(false);
    expect(await grid.ledger.faults(parent.address)).to.equal(0n);
  });
});
