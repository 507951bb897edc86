/**
 * Issue 16 on the registry: SPEC 2's neighbour limits (a node neighbours at most 3 clusters; an assignment is
 * the ranking's first 3, never a hand-picked set), SPEC 7's tamper cut-off from `detectedAt`, and the refusals
 * that had no test (NodeStillNeighbour, BeforeEpoch).
 */
import { expect } from "chai";
import { anyUint } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { Wallet, type BaseWallet } from "ethers";
import { deployRegistry, PROSUMER, randomClusters, seeded, type RegistryFixture } from "./fixtures.js";
import { chooseNeighbours, planNeighbourAssignments, type ClusterSite } from "../../lib/registry/ranking.js";
import { tamperCutoffPeriod } from "../../lib/registry/tamper.js";
import { MAX_NEIGHBOUR_ROLES, PERIOD_SECONDS } from "../../lib/constants.js";
import { periodStart } from "../../lib/time.js";

const TAMPER_TYPES = {
  TamperAlarm: [
    { name: "meter", type: "address" },
    { name: "detectedAt", type: "uint64" },
  ],
};

/** Registers one node per site and makes it the parent of a cluster there; returns the sites. */
async function layout(f: RegistryFixture, points: ReadonlyArray<readonly [number, number]>) {
  const sites: ClusterSite[] = [];
  for (const [i, [x, y]] of points.entries()) {
    const node = f.nodes[i].address;
    await f.registry.addNode(node, x, y);
    await f.registry.createCluster(node, x, y);
    sites.push({ clusterId: i + 1, parent: node, x: BigInt(x), y: BigInt(y), meterCount: 0 });
  }
  return sites;
}

/** Assign a cluster its on-chain ranking (what the registry accepts) and return it. */
async function assignRanked(f: RegistryFixture, clusterId: number): Promise<string[]> {
  const ranked = [...(await f.registry.rankNeighbours(clusterId))];
  await f.registry.setNeighbours(clusterId, ranked);
  return ranked;
}

describe("ClusterRegistry: neighbour limits (SPEC 1, 2)", () => {
  it("refuses a fourth neighbour role for one node, and ranks only nodes with a free role", async () => {
    const f = await deployRegistry();
    // The hub (cluster 1) is the nearest candidate of all four clusters around it.
    const sites = await layout(f, [
      [0, 0],
      [10, 0],
      [0, 10],
      [-10, 0],
      [0, -10],
    ]);
    const hub = sites[0].parent;
    for (const clusterId of [2, 3, 4]) {
      expect(await assignRanked(f, clusterId)).to.include(hub);
    }
    expect((await f.registry.nodeInfo(hub)).neighbourOfCount).to.equal(BigInt(MAX_NEIGHBOUR_ROLES));
    // Cluster 5 would rank the hub first: the hub is full, so listing it is refused...
    const others = [sites[1].parent, sites[3].parent];
    await expect(f.registry.setNeighbours(5, [hub, ...others]))
      .to.be.revertedWithCustomError(f.registry, "NeighbourRoleLimit")
      .withArgs(5, hub, MAX_NEIGHBOUR_ROLES);
    // ...and the ranking passes over it; the TypeScript twin agrees.
    const ranked = [...(await f.registry.rankNeighbours(5))];
    expect(ranked).to.not.include(hub);
    const topology = await Promise.all(
      sites.map(async (s) => ({ ...s, neighbours: [...(await f.registry.neighboursOf(s.clusterId))] })),
    );
    expect(chooseNeighbours(topology[4], topology).map((n) => n.node)).to.deep.equal(ranked);
    await f.registry.setNeighbours(5, ranked);
    // Re-assigning a cluster the hub already serves does not count the hub twice.
    await expect(f.registry.setNeighbours(2, [...(await f.registry.rankNeighbours(2))])).to.emit(
      f.registry,
      "NeighboursSet",
    );
  });

  it("refuses a hand-picked, reordered or partial set: only the ranking's first 3 are accepted", async () => {
    const f = await deployRegistry();
    await layout(f, [
      [0, 0],
      [10, 0],
      [20, 0],
      [30, 0],
      [400, 0],
    ]);
    const ranked = [...(await f.registry.rankNeighbours(1))];
    expect(ranked).to.deep.equal(f.nodes.slice(1, 4).map((n) => n.address));
    const far = f.nodes[4].address;
    for (const picked of [
      [far],
      [ranked[0], ranked[1], far],
      [ranked[1], ranked[0], ranked[2]],
      [ranked[0]],
      [],
    ]) {
      await expect(f.registry.setNeighbours(1, picked))
        .to.be.revertedWithCustomError(f.registry, "NotRankedNeighbours")
        .withArgs(1, ranked);
    }
    await expect(f.registry.setNeighbours(1, ranked))
      .to.emit(f.registry, "NeighboursSet")
      .withArgs(1, ranked);
    expect(await f.registry.votersOf(1)).to.deep.equal([f.nodes[0].address, ...ranked]);
  });

  it("the TypeScript plan assigns a whole grid exactly as the registry accepts it, no node over 3 roles", async () => {
    const f = await deployRegistry(8);
    const rand = seeded(0x16a5eed);
    // Clustered points: several clusters compete for the same nearest nodes.
    const sites = await randomClusters(
      f,
      14,
      () => [BigInt(rand(3) - 1) * 1000n + BigInt(rand(5)), BigInt(rand(3) - 1) * 1000n],
      () => rand(3),
    );
    const plan = planNeighbourAssignments(sites);
    for (const step of plan) {
      const chosen = step.neighbours.map((n) => n.node);
      expect([...(await f.registry.rankNeighbours(step.clusterId))]).to.deep.equal(
        chosen,
        `cluster ${step.clusterId}`,
      );
      await f.registry.setNeighbours(step.clusterId, chosen);
    }
    for (const s of sites) {
      expect((await f.registry.nodeInfo(s.parent)).neighbourOfCount).to.be.at.most(
        BigInt(MAX_NEIGHBOUR_ROLES),
      );
    }
  });
});

describe("ClusterRegistry: tamper cut-off from detectedAt (SPEC 7)", () => {
  async function meterInCluster(f: RegistryFixture) {
    await layout(f, [[0, 0]]);
    const meter = Wallet.createRandom();
    await f.registry.addMeter(1, meter.address, PROSUMER);
    const joined = Number(await f.registry.currentPeriod());
    return { meter, joined };
  }

  async function alarm(f: RegistryFixture, meter: BaseWallet, detectedAt: bigint) {
    const { chainId } = await f.ethers.provider.getNetwork();
    const domain = {
      name: "GridShare",
      version: "1",
      chainId,
      verifyingContract: await f.registry.getAddress(),
    };
    return meter.signTypedData(domain, TAMPER_TYPES, { meter: meter.address, detectedAt });
  }

  it("refuses readings from the period holding detectedAt when the alarm is relayed a period later", async () => {
    const f = await deployRegistry();
    const { meter, joined } = await meterInCluster(f);
    const sealBroken = joined + 2;
    const detectedAt = periodStart(sealBroken, f.epoch) + 3_600n;
    // The alarm reaches the chain in the next period.
    await f.networkHelpers.time.increaseTo(periodStart(sealBroken + 1, f.epoch) + 60n);
    const sig = await alarm(f, meter, detectedAt);
    await expect(f.registry.raiseTamperAlarm(meter.address, detectedAt, sig))
      .to.emit(f.registry, "TamperAlarm")
      .withArgs(1, meter.address, meter.address, detectedAt, sealBroken);
    expect(await f.registry.isReadingAllowed(meter.address, 1, sealBroken - 1)).to.equal(true);
    expect(await f.registry.isReadingAllowed(meter.address, 1, sealBroken)).to.equal(false);
    expect(tamperCutoffPeriod(detectedAt, sealBroken + 1, f.epoch)).to.equal(sealBroken);
  });

  it("never cuts earlier than the period before the one in which the alarm arrives", async () => {
    const f = await deployRegistry();
    const { meter, joined } = await meterInCluster(f);
    const arrival = joined + 6;
    const detectedAt = periodStart(joined + 1, f.epoch); // claims a break five periods back
    await f.networkHelpers.time.increaseTo(periodStart(arrival, f.epoch) + 10n);
    const sig = await alarm(f, meter, detectedAt);
    await expect(f.registry.raiseTamperAlarm(meter.address, detectedAt, sig))
      .to.emit(f.registry, "TamperAlarm")
      .withArgs(1, meter.address, meter.address, detectedAt, arrival - 1);
    expect(await f.registry.isReadingAllowed(meter.address, 1, arrival - 2)).to.equal(true);
    expect(await f.registry.isReadingAllowed(meter.address, 1, arrival - 1)).to.equal(false);
    expect(tamperCutoffPeriod(detectedAt, arrival, f.epoch)).to.equal(arrival - 1);
    // A detection time before the epoch is clamped the same way.
    expect(tamperCutoffPeriod(0n, arrival, f.epoch)).to.equal(arrival - 1);
    expect(tamperCutoffPeriod(0n, 0, f.epoch)).to.equal(0);
  });
});

describe("ClusterRegistry: refusals that had no test", () => {
  it("NodeStillNeighbour: a node serving another cluster cannot be removed", async () => {
    const f = await deployRegistry();
    const sites = await layout(f, [
      [0, 0],
      [100, 0],
    ]);
    await f.registry.setNeighbours(1, [sites[1].parent]);
    await expect(f.registry.removeNode(sites[1].parent))
      .to.be.revertedWithCustomError(f.registry, "NodeStillNeighbour")
      .withArgs(sites[1].parent, 1);
  });

  it("BeforeEpoch: the clock, and everything that reads it, refuses to run before the epoch", async () => {
    const f = await deployRegistry();
    const factory = await f.ethers.getContractFactory("ClusterRegistry");
    const future = f.epoch + 7n * 86_400n; // the Monday after this week's
    const early = await factory.deploy(f.utility.address, f.dgmd.address, future, 4);
    const node = f.nodes[0].address;
    await early.addNode(node, 0, 0);
    await early.createCluster(node, 0, 0);
    await expect(early.currentPeriod())
      .to.be.revertedWithCustomError(early, "BeforeEpoch")
      .withArgs(anyUint, future);
    await expect(early.addMeter(1, Wallet.createRandom().address, PROSUMER)).to.be.revertedWithCustomError(
      early,
      "BeforeEpoch",
    );
    await f.networkHelpers.time.increaseTo(future);
    expect(await early.currentPeriod()).to.equal(0n);
    await f.networkHelpers.time.increase(PERIOD_SECONDS);
    expect(await early.currentPeriod()).to.equal(1n);
  });
});
