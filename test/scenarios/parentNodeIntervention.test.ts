/**
 * SPEC 12 attack: parent-node intervention. The parent attests a header with altered totals or an altered root
 * and keeps its neighbours' attestations to itself; the neighbours, recomputing the batch from their own
 * copies of the meter-signed readings, submit their own attestations and outvote it. The honest digest becomes
 * canonical, the parent is recorded as overruled and gets a fault.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { batchDigest, buildBatch } from "../../lib/batches/batch.js";
import type { Grid } from "../../lab/fixtures/grid.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { attestAndSubmit } from "../../lab/fixtures/attestations.js";
import { signedReadings } from "../../lab/fixtures/readings.js";
import { gridFixture } from "../helpers/grid.js";

const { open: openGrid } = gridFixture(await network.create());
/** IBatchLedger.FaultKind.LosingDigest */
const LOSING_DIGEST = 0n;

type Signer = Grid["nodes"][number];

/** `node` submits its own attestation of `h` itself. */
function attestsAlone(grid: Grid, node: Signer, h: Parameters<typeof attestAndSubmit>[1]) {
  return attestAndSubmit(grid, h, [node], node);
}

describe("scenario: parent node intervention", () => {
  it("altered totals, neighbours' attestations withheld: their own submissions outvote the parent", async () => {
    const { grid, p } = await openGrid();
    const honest = buildBatch(1, p, await signedReadings(grid, 1, p)).header;
    expect(honest.totalGenerationWh).to.be.greaterThan(0n);
    // The parent inflates generation (lowering PSA for everyone) but keeps the real root.
    const altered = { ...honest, totalGenerationWh: honest.totalGenerationWh * 2n };
    const [parent, ...neighbours] = grid.votersOf(1);

    await attestsAlone(grid, parent, altered);
    await attestsAlone(grid, neighbours[0], honest);
    await attestsAlone(grid, neighbours[1], honest);
    expect(await grid.ledger.isAccepted(1, p)).to.equal(false, "2 of 4 is no majority");
    const decide = attestsAlone(grid, neighbours[2], honest);
    await expect(decide)
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(1, p, batchDigest(honest), 0b1111, 0b1110);
    await expect(decide).to.emit(grid.ledger, "FaultRecorded").withArgs(parent.address, 1, p, LOSING_DIGEST);

    const b = await grid.ledger.batchOf(1, p);
    expect(b.status).to.equal(BatchStatus.Accepted);
    expect(b.parentOverruled).to.equal(true);
    expect(b.totalLoadWh).to.equal(honest.totalLoadWh);
    expect(b.totalGenerationWh).to.equal(honest.totalGenerationWh);
    expect(b.root).to.equal(honest.root);
    expect(await grid.ledger.faults(parent.address)).to.equal(1n);
    for (const n of neighbours) expect(await grid.ledger.faults(n.address)).to.equal(0n);
    // The parent cannot try again: its attestation counts once, the batch is decided.
    await expect(attestsAlone(grid, parent, honest)).not.to.emit(grid.ledger, "AttestationsRecorded");
    expect((await grid.ledger.votesOf(1, p)).agreedMask).to.equal(0b1110n);
  });

  it("altered root: the parent drops a meter's reading; two neighbours outvote it", async () => {
    const { grid, p } = await openGrid();
    const readings = await signedReadings(grid, 3, p);
    const honest = buildBatch(3, p, readings).header;
    // A parent leaving out one meter: different root, count and totals.
    const altered = buildBatch(3, p, readings.slice(1)).header;
    expect(altered.root).to.not.equal(honest.root);
    const [parent, n1, n2] = grid.votersOf(3);

    await attestsAlone(grid, parent, altered);
    await attestsAlone(grid, n1, honest);
    await expect(attestsAlone(grid, n2, honest))
      .to.emit(grid.ledger, "BatchAccepted")
      .withArgs(3, p, batchDigest(honest), 0b111, 0b110);
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
    await attestsAlone(grid, parent, altered);
    await attestsAlone(grid, n1, honest);
    await grid.warpToPeriod(p + 2);
    await expect(grid.ledger.finalize(2, p)).to.emit(grid.ledger, "BatchDisputed").withArgs(2, p);
    expect(await grid.ledger.isAccepted(2, p)).to.equal(false);
    expect(await grid.ledger.faults(parent.address)).to.equal(0n);
  });
});
