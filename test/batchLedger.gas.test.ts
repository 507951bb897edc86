/**
 * Gas behaviour of the batch vote: what must hold whatever the numbers (decision gas independent of the batch
 * size; several batches decided in one transaction). The numbers themselves are benchmarks (`npm run bench`,
 * docs/benchmarks.md); `GRIDSHARE_GAS_REPORT=1 npx hardhat test mocha test/batchLedger.gas.test.ts` prints them.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { RANKED, type Grid } from "../lab/fixtures/grid.js";
import { header } from "../lab/fixtures/batches.js";
import { signedReadings } from "../lab/fixtures/readings.js";
import { gridFixture } from "./helpers/grid.js";
import { buildBatch } from "../lib/batches/batch.js";
import { getProof } from "../lib/batches/merkle64.js";

/**
 * Four clusters, each assigned its SPEC 2 ranking (all three others: 4 voters each). Node 0 parents cluster 1
 * and neighbours clusters 2..4, the most roles a node may hold (SPEC 1), so one submitMany carries up to 3 votes.
 */
const WIDE_LOCATIONS = [
  [0, 0],
  [-1_000, 0],
  [0, 1_500],
  [2_500, 0],
] as const;
const NEIGHBOUR_ROLES = 3;

const { open: openGrid } = gridFixture(await network.create(), {
  neighbours: RANKED,
  locations: WIDE_LOCATIONS,
  metersPerCluster: 1,
});

/** The parent proposes and one more neighbour than node 0 votes: node 0's vote is then the deciding one. */
async function bringToDecision(grid: Grid, clusterId: number, h: ReturnType<typeof header>): Promise<void> {
  const [parent, ...neighbours] = grid.votersOf(clusterId);
  await grid.ledger.connect(parent).propose(h);
  const other = neighbours.find((n) => n.address !== grid.nodes[0].address);
  await grid.ledger.connect(other!).vote(h);
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

const report: [string, bigint][] = [];
function record(what: string, gas: bigint): bigint {
  report.push([what, gas]);
  return gas;
}

describe("BatchLedger gas", () => {
  after(() => {
    if (process.env.GRIDSHARE_GAS_REPORT) {
      for (const [what, gas] of report) console.log(`${what.padEnd(52)} ${gas.toString().padStart(9)}`);
    }
  });

  it("single votes on a 4-voter cluster: proposal, votes, deciding vote, late vote", async () => {
    const { grid, p } = await openGrid();
    const [parent, n1, n2, n3] = grid.votersOf(1);
    record("propose (first vote of a batch)", await gasOf(grid.ledger.connect(parent).propose(header(1, p))));
    record("vote, same digest, not deciding", await gasOf(grid.ledger.connect(n1).vote(header(1, p))));
    record("vote, deciding (3 of 4)", await gasOf(grid.ledger.connect(n2).vote(header(1, p))));
    record(
      "late vote after decision, other digest (fault)",
      await gasOf(grid.ledger.connect(n3).vote(header(1, p, 1))),
    );
    expect(await grid.ledger.isAccepted(1, p)).to.equal(true);
    expect(await grid.ledger.faults(n3.address)).to.equal(1n);
  });

  it("overruling the parent: deciding vote that also charges the parent's fault", async () => {
    const { grid, p } = await openGrid();
    const [parent, n1, n2, n3] = grid.votersOf(1);
    await grid.ledger.connect(parent).propose(header(1, p, 9));
    record("vote, new candidate digest", await gasOf(grid.ledger.connect(n1).vote(header(1, p))));
    await grid.ledger.connect(n2).vote(header(1, p));
    record(
      "vote, deciding + parent overruled + 1 fault",
      await gasOf(grid.ledger.connect(n3).vote(header(1, p))),
    );
    expect((await grid.ledger.batchOf(1, p)).parentOverruled).to.equal(true);
  });

  it("decision gas does not depend on the batch size", async () => {
    const { grid, p } = await openGrid();
    const small = header(2, p, 0, { leafCount: 4 });
    const large = header(3, p, 0, { leafCount: 0x0400 }); // same count of non-zero calldata bytes
    await bringToDecision(grid, 2, small);
    await bringToDecision(grid, 3, large);
    const a = await gasOf(grid.ledger.connect(grid.nodes[0]).vote(small));
    const b = await gasOf(grid.ledger.connect(grid.nodes[0]).vote(large));
    expect(a).to.equal(b);
  });

  it("requireProvenReading of a 4-leaf batch (view; gas as if sent in a transaction)", async () => {
    const { grid, p } = await openGrid();
    const batch = buildBatch(1, p, await signedReadings(grid, 1, p));
    const [parent, n1, n2] = grid.votersOf(1);
    await grid.ledger.connect(parent).propose(batch.header);
    await grid.ledger.connect(n1).vote(batch.header);
    await grid.ledger.connect(n2).vote(batch.header);
    const s = batch.readings[0];
    const arg = { reading: s.reading, signature: s.signature, index: 0, proof: getProof(batch.tree, 0) };
    record(
      "requireProvenReading (4 leaves, incl. 21k base)",
      await grid.ledger.requireProvenReading.estimateGas(arg),
    );
    const [clusterId, accepted] = await grid.ledger.requireProvenReading(arg);
    expect(clusterId).to.equal(1n);
    expect(accepted.root).to.equal(batch.header.root);
  });

  for (const n of [1, NEIGHBOUR_ROLES]) {
    it(`submitMany with ${n} headers: first votes, then deciding votes`, async () => {
      const { grid, p } = await openGrid();
      const clusters = Array.from({ length: n }, (_, i) => i + 2);
      const firstVotes = await gasOf(
        grid.ledger.connect(grid.nodes[0]).submitMany(clusters.map((c) => header(c, p))),
      );
      record(`submitMany ${n} x first vote (total)`, firstVotes);
      record(`submitMany ${n} x first vote (per header)`, firstVotes / BigInt(n));

      const q = p + 1;
      await grid.warpToPeriod(q + 1);
      for (const c of clusters) await bringToDecision(grid, c, header(c, q));
      const deciding = await gasOf(
        grid.ledger.connect(grid.nodes[0]).submitMany(clusters.map((c) => header(c, q))),
      );
      record(`submitMany ${n} x deciding vote (total)`, deciding);
      record(`submitMany ${n} x deciding vote (per header)`, deciding / BigInt(n));
      for (const c of clusters) expect(await grid.ledger.isAccepted(c, q)).to.equal(true);
    });
  }
});
