import { expect } from "chai";
import { Wallet } from "ethers";
import {
  deployRegistry,
  PROSUMER,
  CONSUMER,
  randomClusters,
  seeded,
  type RegistryFixture,
} from "./fixtures.js";
import { MeterKind, MeterStatus } from "../../lib/chain/schema.js";
import { chooseNeighbours, type ClusterSite } from "../../lib/registry/ranking.js";
import { PERIOD_SECONDS } from "../../lib/constants.js";

const TAMPER_TYPES = {
  TamperAlarm: [
    { name: "meter", type: "address" },
    { name: "detectedAt", type: "uint64" },
  ],
};

async function tamperDomain(f: RegistryFixture) {
  const { chainId } = await f.ethers.provider.getNetwork();
  return { name: "GridShare", version: "1", chainId, verifyingContract: await f.registry.getAddress() };
}

/** Two clusters with a parent each; cluster 1 has one prosumer meter. */
async function twoClusters(f: RegistryFixture) {
  const [a, b, c] = f.nodes;
  await f.registry.addNode(a.address, 0, 0);
  await f.registry.addNode(b.address, 100, 0);
  await f.registry.addNode(c.address, 0, 100);
  await f.registry.createCluster(a.address, 0, 0);
  await f.registry.createCluster(b.address, 100, 0);
  const meter = Wallet.createRandom();
  await f.registry.addMeter(1, meter.address, MeterKind.Prosumer);
  return { a, b, c, meter };
}

describe("ClusterRegistry", () => {
  describe("deployment", () => {
    it("refuses an epoch that is not a Monday 00:00 UTC", async () => {
      const f = await deployRegistry();
      const factory = await f.ethers.getContractFactory("ClusterRegistry");
      const tuesday = f.epoch + 86_400n;
      await expect(factory.deploy(f.utility.address, f.dgmd.address, tuesday, 4))
        .to.be.revertedWithCustomError(f.registry, "InvalidEpoch")
        .withArgs(tuesday);
      await expect(factory.deploy(f.utility.address, f.dgmd.address, f.epoch + 1n, 4))
        .to.be.revertedWithCustomError(f.registry, "InvalidEpoch")
        .withArgs(f.epoch + 1n);
    });

    it("refuses a zero admin and a zero meter maximum", async () => {
      const f = await deployRegistry();
      const factory = await f.ethers.getContractFactory("ClusterRegistry");
      await expect(
        factory.deploy("0x0000000000000000000000000000000000000000", f.dgmd.address, f.epoch, 4),
      ).to.be.revertedWithCustomError(f.registry, "ZeroAddress");
      await expect(factory.deploy(f.utility.address, f.dgmd.address, f.epoch, 0))
        .to.be.revertedWithCustomError(f.registry, "InvalidMaxMeters")
        .withArgs(0);
    });

    it("grants the utility and DGMD roles and runs the clock from the epoch", async () => {
      const f = await deployRegistry();
      expect(await f.registry.isUtility(f.utility.address)).to.equal(true);
      expect(await f.registry.isDgmd(f.dgmd.address)).to.equal(true);
      expect(await f.registry.isDgmd(f.outsider.address)).to.equal(false);
      const now = BigInt(await f.networkHelpers.time.latest());
      expect(await f.registry.currentPeriod()).to.equal((now - f.epoch) / BigInt(PERIOD_SECONDS));
    });
  });

  describe("nodes", () => {
    it("lets only the utility add and remove nodes, with events", async () => {
      const f = await deployRegistry();
      const [a] = f.nodes;
      await expect(f.registry.connect(f.outsider).addNode(a.address, 1, 2))
        .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, await f.registry.DEFAULT_ADMIN_ROLE());
      await expect(f.registry.connect(f.dgmd).addNode(a.address, 1, 2)).to.be.revertedWithCustomError(
        f.registry,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.registry.addNode(a.address, 1, -2))
        .to.emit(f.registry, "NodeAdded")
        .withArgs(a.address, 1, -2);
      expect(await f.registry.nodes()).to.deep.equal([a.address]);
      await expect(f.registry.connect(f.outsider).removeNode(a.address)).to.be.revertedWithCustomError(
        f.registry,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.registry.removeNode(a.address)).to.emit(f.registry, "NodeRemoved").withArgs(a.address);
      expect(await f.registry.nodes()).to.deep.equal([]);
    });

    it("refuses zero, duplicate and unknown nodes", async () => {
      const f = await deployRegistry();
      const [a, b] = f.nodes;
      await expect(
        f.registry.addNode("0x0000000000000000000000000000000000000000", 0, 0),
      ).to.be.revertedWithCustomError(f.registry, "ZeroAddress");
      await f.registry.addNode(a.address, 0, 0);
      await expect(f.registry.addNode(a.address, 5, 5))
        .to.be.revertedWithCustomError(f.registry, "NodeAlreadyRegistered")
        .withArgs(a.address);
      await expect(f.registry.removeNode(b.address))
        .to.be.revertedWithCustomError(f.registry, "UnknownNode")
        .withArgs(b.address);
    });

    it("refuses to remove a node that is a parent or a neighbour", async () => {
      const f = await deployRegistry();
      const { a, b } = await twoClusters(f);
      await expect(f.registry.removeNode(a.address))
        .to.be.revertedWithCustomError(f.registry, "NodeStillParent")
        .withArgs(a.address, 1);
      await f.registry.setNeighbours(1, [b.address]);
      const [, , , , d] = f.nodes;
      await f.registry.addNode(d.address, 9, 9);
      // b parents cluster 2 and is cluster 1's neighbour: the role it holds for cluster 1 is reported first.
      await expect(f.registry.removeNode(b.address))
        .to.be.revertedWithCustomError(f.registry, "NodeStillNeighbour")
        .withArgs(b.address, 1);
      expect((await f.registry.nodeInfo(b.address)).neighbourOfCount).to.equal(1);
    });
  });

  describe("clusters and meters", () => {
    it("creates clusters with sequential ids and refuses a parent twice or an unknown node", async () => {
      const f = await deployRegistry();
      const [a, b] = f.nodes;
      await f.registry.addNode(a.address, 0, 0);
      await expect(f.registry.createCluster(a.address, 7, 8))
        .to.emit(f.registry, "ClusterCreated")
        .withArgs(1, a.address, 7, 8);
      await expect(f.registry.createCluster(a.address, 7, 8))
        .to.be.revertedWithCustomError(f.registry, "NodeAlreadyParent")
        .withArgs(a.address, 1);
      await expect(f.registry.createCluster(b.address, 0, 0))
        .to.be.revertedWithCustomError(f.registry, "UnknownNode")
        .withArgs(b.address);
      await expect(
        f.registry.connect(f.outsider).createCluster(a.address, 0, 0),
      ).to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount");
      expect(await f.registry.clusterCount()).to.equal(1);
      expect(await f.registry.clusterOfNode(a.address)).to.equal(1);
      expect(await f.registry.parentOf(1)).to.equal(a.address);
      expect(await f.registry.parentOf(99)).to.equal("0x0000000000000000000000000000000000000000");
    });

    it("adds meters up to the deploy-time maximum and refuses the rest", async () => {
      const f = await deployRegistry(4);
      const { meter } = await twoClusters(f);
      const period = await f.registry.currentPeriod();
      const more = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
      await expect(f.registry.addMeter(1, more[0].address, MeterKind.Consumer))
        .to.emit(f.registry, "MeterAdded")
        .withArgs(1, more[0].address, MeterKind.Consumer, period);
      await f.registry.addMeter(1, more[1].address, MeterKind.Prosumer);
      await f.registry.addMeter(1, more[2].address, MeterKind.Prosumer);
      const fifth = Wallet.createRandom();
      await expect(f.registry.addMeter(1, fifth.address, MeterKind.Prosumer))
        .to.be.revertedWithCustomError(f.registry, "ClusterFull")
        .withArgs(1, 4);
      const info = await f.registry.clusterInfo(1);
      expect(info.meterCount).to.equal(4);
      expect(await f.registry.metersOf(1)).to.have.members([meter.address, ...more.map((m) => m.address)]);
    });

    it("refuses unknown clusters, a None kind, zero and known meter keys, and non-utility callers", async () => {
      const f = await deployRegistry();
      const { meter } = await twoClusters(f);
      const fresh = Wallet.createRandom();
      await expect(f.registry.addMeter(9, fresh.address, MeterKind.Prosumer))
        .to.be.revertedWithCustomError(f.registry, "UnknownCluster")
        .withArgs(9);
      await expect(f.registry.addMeter(0, fresh.address, MeterKind.Prosumer))
        .to.be.revertedWithCustomError(f.registry, "UnknownCluster")
        .withArgs(0);
      await expect(f.registry.addMeter(1, fresh.address, MeterKind.None))
        .to.be.revertedWithCustomError(f.registry, "InvalidMeterKind")
        .withArgs(fresh.address);
      await expect(
        f.registry.addMeter(1, "0x0000000000000000000000000000000000000000", MeterKind.Prosumer),
      ).to.be.revertedWithCustomError(f.registry, "ZeroAddress");
      await expect(f.registry.addMeter(2, meter.address, MeterKind.Prosumer))
        .to.be.revertedWithCustomError(f.registry, "MeterAlreadyKnown")
        .withArgs(meter.address);
      await expect(
        f.registry.connect(f.outsider).addMeter(1, fresh.address, MeterKind.Prosumer),
      ).to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount");
    });

    it("scales to 1,000 meters in one cluster", async () => {
      const f = await deployRegistry(1000);
      const [a] = f.nodes;
      await f.registry.addNode(a.address, 0, 0);
      await f.registry.createCluster(a.address, 0, 0);
      for (let i = 0; i < 1000; i++) {
        await f.registry.addMeter(
          1,
          Wallet.createRandom().address,
          i % 3 === 0 ? MeterKind.Consumer : MeterKind.Prosumer,
        );
      }
      expect((await f.registry.clusterInfo(1)).meterCount).to.equal(1000);
      await expect(f.registry.addMeter(1, Wallet.createRandom().address, MeterKind.Prosumer))
        .to.be.revertedWithCustomError(f.registry, "ClusterFull")
        .withArgs(1, 1000);
    });

    it("removes a meter: it leaves the cluster and its readings stop counting from the current period", async () => {
      const f = await deployRegistry();
      const { meter } = await twoClusters(f);
      const p = await f.registry.currentPeriod();
      await f.networkHelpers.time.increase(PERIOD_SECONDS);
      await expect(f.registry.removeMeter(meter.address))
        .to.emit(f.registry, "MeterRemoved")
        .withArgs(1, meter.address, p + 1n);
      expect(await f.registry.isReadingAllowed(meter.address, 1, p)).to.equal(true);
      expect(await f.registry.isReadingAllowed(meter.address, 1, p + 1n)).to.equal(false);
      expect((await f.registry.clusterInfo(1)).meterCount).to.equal(0);
      await expect(f.registry.removeMeter(meter.address))
        .to.be.revertedWithCustomError(f.registry, "MeterNotActive")
        .withArgs(meter.address, MeterStatus.Removed);
      await expect(f.registry.addMeter(1, meter.address, MeterKind.Prosumer)).to.be.revertedWithCustomError(
        f.registry,
        "MeterAlreadyKnown",
      );
    });

    it("allows a reading only for the meter's own cluster and from the period it joined", async () => {
      const f = await deployRegistry();
      const { meter } = await twoClusters(f);
      const p = await f.registry.currentPeriod();
      expect(await f.registry.isReadingAllowed(meter.address, 1, p)).to.equal(true);
      expect(await f.registry.isReadingAllowed(meter.address, 1, p + 100n)).to.equal(true);
      expect(await f.registry.isReadingAllowed(meter.address, 2, p)).to.equal(false);
      expect(await f.registry.isReadingAllowed(meter.address, 1, p - 1n)).to.equal(false);
      expect(await f.registry.isReadingAllowed(Wallet.createRandom().address, 0, p)).to.equal(false);
    });
  });

  describe("neighbours", () => {
    it("sets up to 3 neighbours, each another cluster's parent, and tracks the reverse count", async () => {
      const f = await deployRegistry();
      const nodes = f.nodes.slice(0, 5);
      for (const [i, n] of nodes.entries()) {
        await f.registry.addNode(n.address, i * 10, 0);
        await f.registry.createCluster(n.address, i * 10, 0);
      }
      const three = nodes.slice(1, 4).map((n) => n.address);
      await expect(f.registry.setNeighbours(1, three))
        .to.emit(f.registry, "NeighboursSet")
        .withArgs(1, three);
      expect(await f.registry.neighboursOf(1)).to.deep.equal(three);
      expect(await f.registry.votersOf(1)).to.deep.equal([nodes[0].address, ...three]);
      expect((await f.registry.nodeInfo(nodes[1].address)).neighbourOfCount).to.equal(1);
      // A new cluster next to cluster 1 changes its ranking; replacing the set releases the old neighbour.
      const near = f.nodes[5];
      await f.registry.addNode(near.address, 5, 0);
      await f.registry.createCluster(near.address, 5, 0);
      const again = [near.address, nodes[1].address, nodes[2].address];
      await f.registry.setNeighbours(1, again);
      expect((await f.registry.nodeInfo(nodes[3].address)).neighbourOfCount).to.equal(0);
      expect((await f.registry.nodeInfo(near.address)).neighbourOfCount).to.equal(1);
      expect(await f.registry.votersOf(1)).to.deep.equal([nodes[0].address, ...again]);
    });

    it("refuses more than 3, the own parent, a non-parent node, duplicates and non-utility callers", async () => {
      const f = await deployRegistry();
      const nodes = f.nodes.slice(0, 5);
      for (const [i, n] of nodes.entries()) {
        await f.registry.addNode(n.address, i, 0);
        await f.registry.createCluster(n.address, i, 0);
      }
      const [p, n1, n2, n3, n4] = nodes.map((n) => n.address);
      const lonely = f.nodes[6].address;
      await f.registry.addNode(lonely, 50, 50);
      await expect(f.registry.setNeighbours(1, [n1, n2, n3, n4]))
        .to.be.revertedWithCustomError(f.registry, "TooManyNeighbours")
        .withArgs(1, 4, 3);
      await expect(f.registry.setNeighbours(1, [n1, p]))
        .to.be.revertedWithCustomError(f.registry, "NeighbourIsOwnParent")
        .withArgs(1, p);
      await expect(f.registry.setNeighbours(1, [lonely]))
        .to.be.revertedWithCustomError(f.registry, "NeighbourNotParent")
        .withArgs(1, lonely);
      await expect(f.registry.setNeighbours(1, [n1, n2, n1]))
        .to.be.revertedWithCustomError(f.registry, "DuplicateNeighbour")
        .withArgs(1, n1);
      await expect(f.registry.setNeighbours(7, [n1]))
        .to.be.revertedWithCustomError(f.registry, "UnknownCluster")
        .withArgs(7);
      await expect(f.registry.connect(f.outsider).setNeighbours(1, [n1])).to.be.revertedWithCustomError(
        f.registry,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("ranks by distance, then meter count (more first), then address", async () => {
      const f = await deployRegistry();
      // Cluster 1 at the origin; 2 and 3 at equal distance 5 (3-4-5), 3 has more meters; 4 and 5 at
      // distance 10 with equal meters (address decides); 6 far away.
      const layout: Array<[number, number, number]> = [
        [0, 0, 0],
        [3, 4, 1],
        [-4, 3, 2],
        [10, 0, 1],
        [0, -10, 1],
        [100, 100, 4],
      ];
      const nodes = f.nodes.slice(0, layout.length);
      for (const [i, [x, y, meters]] of layout.entries()) {
        await f.registry.addNode(nodes[i].address, x, y);
        await f.registry.createCluster(nodes[i].address, x, y);
        for (let m = 0; m < meters; m++)
          await f.registry.addMeter(i + 1, Wallet.createRandom().address, MeterKind.Prosumer);
      }
      const lowerOf45 = BigInt(nodes[3].address) < BigInt(nodes[4].address) ? nodes[3] : nodes[4];
      expect(await f.registry.rankNeighbours(1)).to.deep.equal([
        nodes[2].address,
        nodes[1].address,
        lowerOf45.address,
      ]);
    });

    it("agrees with the TypeScript ranking on random layouts of 20+ clusters", async () => {
      const f = await deployRegistry(8);
      const rand = seeded(0x5eed1234);
      // A coarse grid makes distance ties common, so the tie-breaks are exercised.
      const sites = await randomClusters(
        f,
        24,
        () => [BigInt(rand(7) - 3) * 1000n, BigInt(rand(7) - 3) * 1000n],
        () => rand(4),
      );
      let ties = 0;
      for (const own of sites) {
        const ts = chooseNeighbours(own, sites);
        const onChain = await f.registry.rankNeighbours(own.clusterId);
        expect(onChain).to.deep.equal(
          ts.map((n) => n.node),
          `cluster ${own.clusterId}`,
        );
        if (ts.length > 1 && ts[0].distanceSquared === ts[1].distanceSquared) ties++;
      }
      expect(ties).to.be.greaterThan(0, "the layout should contain distance ties");
    });
  });

  describe("tampering and replacement", () => {
    it("marks a meter Tampered at once on its own signed alarm, relayed by anyone", async () => {
      const f = await deployRegistry();
      const { meter } = await twoClusters(f);
      const detectedAt = BigInt(await f.networkHelpers.time.latest());
      const sig = await meter.signTypedData(await tamperDomain(f), TAMPER_TYPES, {
        meter: meter.address,
        detectedAt,
      });
      const p = await f.registry.currentPeriod();
      await expect(f.registry.connect(f.outsider).raiseTamperAlarm(meter.address, detectedAt, sig))
        .to.emit(f.registry, "TamperAlarm")
        .withArgs(1, meter.address, meter.address, detectedAt, p);
      const info = await f.registry.meterInfo(meter.address);
      expect(info.status).to.equal(MeterStatus.Tampered);
      expect(await f.registry.isReadingAllowed(meter.address, 1, p)).to.equal(false);
      expect(await f.registry.isReadingAllowed(meter.address, 1, p - 1n)).to.equal(false); // joined at p
      await expect(f.registry.raiseTamperAlarm(meter.address, detectedAt, sig))
        .to.be.revertedWithCustomError(f.registry, "MeterNotActive")
        .withArgs(meter.address, MeterStatus.Tampered);
    });

    it("refuses an alarm signed by another key or dated in the future", async () => {
      const f = await deployRegistry();
      const { meter } = await twoClusters(f);
      const other = Wallet.createRandom();
      const now = BigInt(await f.networkHelpers.time.latest());
      const domain = await tamperDomain(f);
      const forged = await other.signTypedData(domain, TAMPER_TYPES, {
        meter: meter.address,
        detectedAt: now,
      });
      await expect(f.registry.raiseTamperAlarm(meter.address, now, forged))
        .to.be.revertedWithCustomError(f.registry, "InvalidTamperSignature")
        .withArgs(meter.address, other.address);
      const future = now + 10_000n;
      const early = await meter.signTypedData(domain, TAMPER_TYPES, {
        meter: meter.address,
        detectedAt: future,
      });
      await expect(f.registry.raiseTamperAlarm(meter.address, future, early)).to.be.revertedWithCustomError(
        f.registry,
        "AlarmInFuture",
      );
      expect((await f.registry.meterInfo(meter.address)).status).to.equal(MeterStatus.Active);
    });

    it("lets the parent, and only the parent, report a tampered meter", async () => {
      const f = await deployRegistry();
      const { a, b, meter } = await twoClusters(f);
      await expect(f.registry.connect(b).reportTamper(meter.address))
        .to.be.revertedWithCustomError(f.registry, "NotParentOfMeter")
        .withArgs(b.address, meter.address);
      await expect(f.registry.connect(a).reportTamper(meter.address)).to.emit(f.registry, "TamperAlarm");
      await expect(
        f.registry.connect(a).reportTamper(Wallet.createRandom().address),
      ).to.be.revertedWithCustomError(f.registry, "UnknownMeter");
    });

    it("replaces a meter under a work permit: new key, same cluster and kind, old key dead", async () => {
      const f = await deployRegistry();
      const { a, meter } = await twoClusters(f);
      await f.networkHelpers.time.increase(PERIOD_SECONDS);
      await f.registry.connect(a).reportTamper(meter.address);
      const fresh = Wallet.createRandom();
      await expect(
        f.registry.connect(f.outsider).replaceMeter(meter.address, fresh.address, "WP-1"),
      ).to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount");
      await expect(f.registry.replaceMeter(meter.address, fresh.address, "")).to.be.revertedWithCustomError(
        f.registry,
        "EmptyWorkPermit",
      );
      await expect(
        f.registry.replaceMeter(meter.address, meter.address, "WP-1"),
      ).to.be.revertedWithCustomError(f.registry, "MeterAlreadyKnown");
      const p = await f.registry.currentPeriod();
      await expect(f.registry.replaceMeter(meter.address, fresh.address, "WP-2026-017"))
        .to.emit(f.registry, "MeterReplaced")
        .withArgs(1, meter.address, fresh.address, "WP-2026-017", p);
      const oldInfo = await f.registry.meterInfo(meter.address);
      const newInfo = await f.registry.meterInfo(fresh.address);
      expect(oldInfo.status).to.equal(MeterStatus.Replaced);
      expect(oldInfo.replacedBy).to.equal(fresh.address);
      expect(newInfo.replaces).to.equal(meter.address);
      expect(newInfo.clusterId).to.equal(1);
      expect(newInfo.kind).to.equal(MeterKind.Prosumer);
      expect((await f.registry.clusterInfo(1)).meterCount).to.equal(1);
      expect(await f.registry.isReadingAllowed(fresh.address, 1, p)).to.equal(true);
      expect(await f.registry.isReadingAllowed(meter.address, 1, p)).to.equal(false);
      // The old key's alarm, or a second replacement, is refused.
      await expect(f.registry.replaceMeter(meter.address, Wallet.createRandom().address, "WP-3"))
        .to.be.revertedWithCustomError(f.registry, "MeterNotReplaceable")
        .withArgs(meter.address, MeterStatus.Replaced);
    });

    it("refuses to replace a healthy meter, or one it does not know", async () => {
      const f = await deployRegistry();
      const { meter } = await twoClusters(f);
      await expect(f.registry.replaceMeter(meter.address, Wallet.createRandom().address, "WP-1"))
        .to.be.revertedWithCustomError(f.registry, "MeterNotReplaceable")
        .withArgs(meter.address, MeterStatus.Active);
      const stranger = Wallet.createRandom().address;
      await expect(f.registry.replaceMeter(stranger, Wallet.createRandom().address, "WP-1"))
        .to.be.revertedWithCustomError(f.registry, "UnknownMeter")
        .withArgs(stranger);
      expect((await f.registry.meterInfo(meter.address)).status).to.equal(MeterStatus.Active);
      expect(await f.registry.metersOf(1)).to.deep.equal([meter.address]);
    });

    it("replaces a retired (removed) meter: the new key takes its place in the cluster", async () => {
      const f = await deployRegistry();
      const { meter } = await twoClusters(f);
      const other = Wallet.createRandom().address;
      await f.registry.addMeter(1, other, MeterKind.Consumer);
      await f.networkHelpers.time.increase(PERIOD_SECONDS);
      await f.registry.removeMeter(meter.address);
      const removedAt = (await f.registry.meterInfo(meter.address)).untilPeriod;
      await f.networkHelpers.time.increase(PERIOD_SECONDS);
      const fresh = Wallet.createRandom().address;
      await expect(f.registry.replaceMeter(meter.address, fresh, "WP-9"))
        .to.emit(f.registry, "MeterReplaced")
        .withArgs(1, meter.address, fresh, "WP-9", removedAt);
      const oldInfo = await f.registry.meterInfo(meter.address);
      expect(oldInfo.status).to.equal(MeterStatus.Replaced);
      expect(oldInfo.untilPeriod).to.equal(removedAt, "the retirement period stands");
      expect(oldInfo.replacedBy).to.equal(fresh);
      expect((await f.registry.meterInfo(fresh)).replaces).to.equal(meter.address);
      expect((await f.registry.meterInfo(fresh)).kind).to.equal(MeterKind.Prosumer);
      // The removed meter had left the list: the other meter stays, the new one joins, the count is 2.
      expect([...(await f.registry.metersOf(1))].sort()).to.deep.equal([other, fresh].sort());
      expect((await f.registry.clusterInfo(1)).meterCount).to.equal(2);
    });
  });
});
