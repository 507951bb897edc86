/**
 * The simulator's faults against real gateways on the in-process network (Buildings 1-12, 3 clusters of 4,
 * every cluster neighboured by the two other parents): a lying parent is overruled; with a silent node,
 * a compromised meter, a meter tampered in transit and malformed posts, every batch is still accepted.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress } from "ethers";
import { loadBuilding } from "../../lab/data/citylearn.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { lyingBuilder } from "../../lab/simulator/faults.js";
import { runSimulation, type SimulationFaults } from "../../lab/simulator/run.js";
import { asProvider, deployTestGrid, startPeerGateways, tempDir, type TestGrid } from "./helpers.js";
import { BatchStatus, MeterStatus } from "../../lib/chain/schema.js";

const { ethers, networkHelpers } = await network.create();
const GRACE = 1800;
const BUILDINGS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
/**
 * Attestations go on chain by the time the late meters' grace ends: a parent then submits what it holds, a
 * neighbour whose attestation is still missing submits its own.
 */
const TIMING = { aggregateWaitSeconds: GRACE, selfSubmitDelaySeconds: GRACE };

interface Setup {
  grid: TestGrid;
  gws: Awaited<ReturnType<typeof startPeerGateways>>;
  dir: ReturnType<typeof tempDir>;
}

async function setup(liar?: number): Promise<Setup> {
  const dir = tempDir("faults");
  const grid = await deployTestGrid(ethers, networkHelpers, { buildings: BUILDINGS });
  const gws = await startPeerGateways(grid, dir, (i) => ({
    build: i === liar ? lyingBuilder(buildClusterBatch, 7_000n, 1) : buildClusterBatch,
    graceSeconds: GRACE,
    timing: TIMING,
  }));
  return { grid, gws, dir };
}

async function teardown(s: Setup): Promise<void> {
  for (const g of s.gws) {
    await g.app.close();
    g.gw.close();
  }
  s.dir.cleanup();
}

/** Play `periods` periods; gateways in `silent` get nothing and never tick. */
async function play(s: Setup, periods: number, faults: SimulationFaults, silentNodes: number[] = []) {
  const live = s.gws.filter((_, i) => !silentNodes.includes(i));
  const tickAll = async () => {
    for (const g of live) await g.gw.tick();
  };
  return runSimulation({
    fleet: s.grid.fleet,
    routes: (m) => s.grid.voters[m.clusterId - 1].map((n) => s.gws[n].url),
    fromPeriod: 0,
    periods,
    advance: (p) => s.grid.warp(p, 60),
    afterPeriod: async (p) => {
      await tickAll();
      // Meters that never delivered: the period closes after the grace, still inside the voting window.
      await s.grid.warp(p + 1, GRACE + 60);
      await tickAll();
      await tickAll();
    },
    faults: { ...faults, silent: new Set(silentNodes.map((i) => s.gws[i].url)) },
  });
}

function dataTotal(buildings: number[], p: number): { load: bigint; gen: bigint } {
  let load = 0n;
  let gen = 0n;
  for (const b of buildings) {
    load += loadBuilding(b).periods[p].loadWh;
    gen += loadBuilding(b).periods[p].generationWh;
  }
  return { load, gen };
}

describe("gateway faults from the simulator", function () {
  this.timeout(600_000);

  it("a lying parent is overruled by its neighbours: the honest totals win and the parent gets a fault", async () => {
    const s = await setup(0);
    try {
      await play(s, 2, {});
      for (let p = 0; p < 2; p++) {
        const b = await s.grid.ledger.batchOf(1, p);
        expect(b.status).to.equal(BatchStatus.Accepted);
        expect(b.parentOverruled).to.equal(true);
        expect(b.totalLoadWh).to.equal(dataTotal([1, 2, 3, 4], p).load);
        const other = await s.grid.ledger.batchOf(2, p);
        expect(other.parentOverruled).to.equal(false);
      }
      expect(await s.grid.ledger.faults(s.grid.nodes[0])).to.equal(2n);
      expect(await s.grid.ledger.faults(s.grid.nodes[1])).to.equal(0n);
    } finally {
      await teardown(s);
    }
  });

  it("with a silent node, a compromised meter, a meter tampered in transit and malformed posts, every batch is accepted", async () => {
    const s = await setup();
    try {
      const report = await play(s, 3, { compromisedBuilding: 5, tamperedBuilding: 9, malformed: true }, [2]);
      expect(
        Object.keys(report.statuses)
          .map(Number)
          .filter((c) => c >= 500),
      ).to.deep.equal([]);
      expect(report.statuses[409]).to.be.greaterThan(0); // compromised meter
      expect(report.statuses[422]).to.be.greaterThan(0); // altered after signing
      const meter5 = s.grid.fleet.meters.find((m) => m.building === 5)!;
      // The parent of cluster 2 (node 1) reported the compromised meter on-chain.
      expect((await s.grid.registry.meterInfo(meter5.wallet.address)).status).to.equal(MeterStatus.Tampered);
      for (let p = 0; p < 3; p++) {
        const c1 = await s.grid.ledger.batchOf(1, p);
        expect(c1.status, `c1 p${p}`).to.equal(BatchStatus.Accepted);
        expect(c1.totalLoadWh).to.equal(dataTotal([1, 2, 3, 4], p).load);
        const c2 = await s.grid.ledger.batchOf(2, p);
        expect(c2.status, `c2 p${p}`).to.equal(BatchStatus.Accepted);
        expect(c2.leafCount).to.equal(3n);
        expect(c2.totalLoadWh).to.equal(dataTotal([6, 7, 8], p).load);
        // Cluster 3's parent is the silent node: its two neighbours decide without it.
        const c3 = await s.grid.ledger.batchOf(3, p);
        expect(c3.status, `c3 p${p}`).to.equal(BatchStatus.Accepted);
        expect(c3.leafCount).to.equal(3n);
        expect(c3.totalLoadWh).to.equal(dataTotal([10, 11, 12], p).load);
      }
      const q = s.gws[1].gw.store.quarantined();
      expect(
        q.some((r) => r.code === "COMPROMISED_METER" && r.meter === getAddress(meter5.wallet.address)),
      ).to.equal(true);
      expect(q.some((r) => r.code === "METER_NOT_ALLOWED")).to.equal(true); // after the tamper report
    } finally {
      await teardown(s);
    }
  });
});
