/**
 * A simulated week of real data (Buildings 1-12, three clusters of 4) through three gateways over HTTP on
 * the in-process network: every meter posts to its parent and neighbours, each gateway closes the period,
 * neighbours hand their attestations to the parent over HTTP (POST /attestations) and each parent submits its
 * cluster-period once, with them; every batch must be accepted with totals equal to the data files.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { PERIODS_PER_WEEK } from "../../lib/constants.js";
import { loadBuilding } from "../../lab/data/citylearn.js";
import { leafHash, verifyProof } from "../../lib/batches/merkle64.js";
import { sendReading } from "../../lab/simulator/fleet.js";
import { asProvider, deployTestGrid, startPeerGateways, tempDir, type TestGrid } from "./helpers.js";
import { BatchStatus } from "../../lib/chain/schema.js";

const { ethers, networkHelpers } = await network.create();
const GRACE = 1800;

type Running = Awaited<ReturnType<typeof startPeerGateways>>[number];

function startGateways(grid: TestGrid, dir: ReturnType<typeof tempDir>): Promise<Running[]> {
  return startPeerGateways(grid, dir, () => ({ graceSeconds: GRACE }));
}

/**
 * Post every meter's reading of `period` to its cluster's voters, then tick every gateway twice: the first
 * round closes the period and hands the neighbours' attestations to the parents (a parent that closed before
 * its neighbours waits for them), the second lets every parent submit; a last pump lets every neighbour see
 * its attestation on chain.
 */
async function playPeriod(grid: TestGrid, gws: Running[], period: number): Promise<void> {
  await grid.warp(period + 1, 60);
  for (const { meter, signed } of await grid.fleet.period(period)) {
    const urls = grid.voters[meter.clusterId - 1].map((n) => gws[n].url);
    const res = await sendReading(urls, signed);
    for (const r of res) expect(r.status, JSON.stringify(r.body)).to.equal(200);
  }
  for (const g of gws) {
    const { tick } = await g.gw.tick();
    expect(tick, g.gw.health().lastError ?? "").to.not.equal(null);
  }
  for (const g of gws) await g.gw.tick();
  for (const g of gws) expect((await g.gw.pumpOutbox())?.open).to.equal(0);
}

describe("gateway integration: a week of Buildings 1-12 in 3 clusters", function () {
  this.timeout(600_000);
  let grid: TestGrid;
  let gws: Running[] = [];
  let dir: ReturnType<typeof tempDir>;

  before(async () => {
    dir = tempDir("integration");
    grid = await deployTestGrid(ethers, networkHelpers, {
      buildings: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    });
    gws = await startGateways(grid, dir);
  });

  after(async () => {
    for (const g of gws) {
      await g.app.close();
      g.gw.close();
    }
    dir.cleanup();
  });

  it("accepts every period's batch with totals that match the data files exactly", async () => {
    for (let p = 0; p < PERIODS_PER_WEEK; p++) await playPeriod(grid, gws, p);

    for (let c = 1; c <= 3; c++) {
      const buildings = grid.fleet.meters.filter((m) => m.clusterId === c).map((m) => m.building);
      let weekLoad = 0n;
      let weekGen = 0n;
      let dataLoad = 0n;
      let dataGen = 0n;
      for (let p = 0; p < PERIODS_PER_WEEK; p++) {
        const b = await grid.ledger.batchOf(c, p);
        expect(b.status, `cluster ${c} period ${p}`).to.equal(BatchStatus.Accepted);
        expect(b.parentOverruled).to.equal(false);
        expect(b.leafCount).to.equal(4n);
        let load = 0n;
        let gen = 0n;
        for (const n of buildings) {
          load += loadBuilding(n).periods[p].loadWh;
          gen += loadBuilding(n).periods[p].generationWh;
        }
        expect(b.totalLoadWh).to.equal(load);
        expect(b.totalGenerationWh).to.equal(gen);
        weekLoad += b.totalLoadWh;
        weekGen += b.totalGenerationWh;
        dataLoad += load;
        dataGen += gen;
      }
      expect(weekLoad).to.equal(dataLoad);
      expect(weekGen).to.equal(dataGen);
    }
    for (const [i, g] of gws.entries()) {
      const c = g.gw.store.counters();
      expect(c.readings_accepted, `node ${i}`).to.equal(
        PERIODS_PER_WEEK * 4 * grid.voters.filter((v) => v.includes(i)).length,
      );
      // Each node attests 3 batches a period: its own cluster's (submitted by itself, carrying its two
      // neighbours' attestations) and the two it neighbours (carried by their parents).
      expect(c.attestations_on_chain).to.equal(PERIODS_PER_WEEK * 3);
      expect(c.attestations_forwarded).to.equal(PERIODS_PER_WEEK * 2);
      expect(c.attestations_received).to.equal(PERIODS_PER_WEEK * 2);
      expect(g.gw.store.outbox().every((r) => r.status === "confirmed")).to.equal(true);
      expect(c.readings_quarantined).to.equal(0);
      expect(c.tx_reverted).to.equal(0);
      // One transaction per period and node, none twice: 3 batches accepted with 42 x 3 transactions
      // instead of 42 x 9.
      expect(await ethers.provider.getTransactionCount(grid.nodes[i])).to.equal(PERIODS_PER_WEEK);
      expect(c.tx_sent).to.equal(PERIODS_PER_WEEK);
    }
  });

  it("proves any accepted reading later against the on-chain root (proofFor)", async () => {
    for (const [i, g] of gws.entries()) {
      for (const m of grid.fleet.meters.filter((x) => grid.voters[x.clusterId - 1].includes(i))) {
        for (const p of [0, 17, PERIODS_PER_WEEK - 1]) {
          const proof = g.gw.proofFor(m.wallet.address, p);
          expect(proof, `node ${i} meter ${m.building} period ${p}`).to.not.equal(undefined);
          const b = await grid.ledger.batchOf(m.clusterId, p);
          expect(proof!.reading).to.deep.equal(grid.fleet.reading(m, p));
          expect(
            verifyProof({
              leaf: leafHash({ reading: proof!.reading, signature: proof!.signature }),
              index: proof!.index,
              proof: proof!.proof,
              leafCount: Number(b.leafCount),
              root: b.root,
            }),
          ).to.equal(true);
        }
      }
    }
  });

  it("exposes health and Prometheus counters over HTTP", async () => {
    const health = (await (await fetch(`${gws[0].url}/health`)).json()) as {
      status: string;
      served: unknown[];
    };
    expect(health.status).to.equal("ok");
    expect(health.served).to.have.length(3);
    const text = await (await fetch(`${gws[0].url}/metrics`)).text();
    const onChain = Number(/^gridshare_gateway_attestations_on_chain_total (\d+)$/m.exec(text)?.[1]);
    expect(onChain).to.equal(126);
    expect(text).to.match(/^gridshare_gateway_readings_accepted_total 504$/m);
    const proof = await fetch(`${gws[0].url}/proof/${grid.fleet.meters[0].wallet.address}/3`);
    expect(proof.status).to.equal(200);
    const missing = await fetch(`${gws[0].url}/proof/${grid.fleet.meters[0].wallet.address}/999`);
    expect(missing.status).to.equal(404);
  });
});
