import { expect } from "chai";
import { runTask as run } from "../helpers/tasks.js";
import hre from "hardhat";
import { Wallet } from "ethers";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { mondayOnOrBefore } from "../../lib/time.js";
import { deployClusterRegistry } from "../../lab/fixtures/grid.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import { formatTopology, readTopology } from "../../lib/registry/ops.js";

describe("grid:* operator tasks", () => {
  let registry: ClusterRegistry;
  let address: string;
  let nodes: string[];
  let blockNumber: () => Promise<number>;

  before(async () => {
    const { ethers, networkHelpers } = await hre.network.getOrCreate();
    const [utility, dgmd, , ...rest] = await ethers.getSigners();
    nodes = rest.slice(0, 4).map((s) => s.address);
    const epoch = mondayOnOrBefore(await networkHelpers.time.latest());
    registry = await deployClusterRegistry(ethers, utility, dgmd, epoch, 2);
    address = await registry.getAddress();
    blockNumber = () => ethers.provider.getBlockNumber();
  });

  it("refuses bad arguments with a one-line error and sends nothing", async () => {
    const before = await blockNumber();
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["grid:node:add", { node: "0x123", x: "0", y: "0" }, /--node: "0x123" is not an address/],
      ["grid:node:add", { node: nodes[0], x: "1.5", y: "0" }, /--x: "1.5" is not an integer coordinate/],
      ["grid:node:add", { node: nodes[0], x: "0", y: (2n ** 63n).toString() }, /--y: .* does not fit/],
      ["grid:cluster:create", { parent: nodes[0], x: "0", y: "0" }, /is not a registered node: add it first/],
      [
        "grid:meter:add",
        { cluster: "1", meter: Wallet.createRandom().address, kind: "prosumer" },
        /cluster 1 does not exist/,
      ],
      [
        "grid:meter:add",
        { cluster: "x", meter: nodes[0], kind: "prosumer" },
        /--cluster: "x" is not a cluster id/,
      ],
      [
        "grid:meter:add",
        { cluster: "1", meter: nodes[0], kind: "battery" },
        /--kind: "battery" is not a meter kind/,
      ],
      [
        "grid:meter:replace",
        { old: nodes[0], new: nodes[1], permit: " " },
        /--permit: a work-permit reference is required/,
      ],
    ];
    for (const [id, args, message] of cases) {
      const err = await run(id, { ...args, registry: address }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, id).to.be.instanceOf(InvalidArgumentError);
      expect((err as Error).message, id).to.match(message);
    }
    expect(await blockNumber()).to.equal(before, "no transaction may be sent on a bad argument");
  });

  it("builds a topology, refuses a full cluster, assigns neighbours and shows it", async () => {
    for (const [i, node] of nodes.entries()) {
      await run("grid:node:add", { node, x: String(i * 100), y: "0", registry: address });
      await run("grid:cluster:create", { parent: node, x: String(i * 100), y: "0", registry: address });
    }
    const meters = [Wallet.createRandom().address, Wallet.createRandom().address];
    for (const meter of meters)
      await run("grid:meter:add", { cluster: "2", meter, kind: "prosumer", registry: address });
    const before = await blockNumber();
    const full = await run("grid:meter:add", {
      cluster: "2",
      meter: Wallet.createRandom().address,
      kind: "consumer",
      registry: address,
    }).catch((e: Error) => e.message);
    expect(full).to.match(/cluster 2 is full \(2 meters\)/);
    const dup = await run("grid:node:add", { node: nodes[0], x: "0", y: "0", registry: address }).catch(
      (e: Error) => e.message,
    );
    expect(dup).to.match(/is already registered/);

    const plan = await run("grid:neighbours", { dryRun: true, registry: address });
    expect(plan).to.match(/dry run: 4 cluster\(s\) would change; nothing sent/);
    expect(await blockNumber()).to.equal(before);
    expect(await registry.neighboursOf(1)).to.deep.equal([]);

    await run("grid:neighbours", { dryRun: false, registry: address });
    // Cluster 1 at x=0: nearest are x=100 (cluster 2), x=200, x=300.
    expect(await registry.neighboursOf(1)).to.deep.equal([nodes[1], nodes[2], nodes[3]]);
    // Cluster 3 at x=200: clusters 2 and 4 are both 100 away; cluster 2 has more meters and wins the tie.
    expect((await registry.neighboursOf(3))[0]).to.equal(nodes[1]);
    const again = await run("grid:neighbours", { dryRun: true, registry: address });
    expect(again).to.match(/0 cluster\(s\) would change/);

    const json = JSON.parse(await run("grid:show", { json: true, registry: address })) as {
      clusters: { clusterId: number; meterCount: number; neighbours: string[] }[];
    };
    expect(json.clusters).to.have.length(4);
    expect(json.clusters[1].meterCount).to.equal(2);
    const table = await run("grid:show", { json: false, registry: address });
    expect(table).to.match(/clusters 4/);
    expect(table).to.include(meters[0]);
  });

  it("replaces only a tampered or removed meter, and grid:show keeps the history", async () => {
    const { ethers } = await hre.network.getOrCreate();
    const [meter, other] = await registry.metersOf(2);
    const fresh = Wallet.createRandom().address;
    const refused = async (args: Record<string, unknown>) =>
      run("grid:meter:replace", { permit: "WP-7", registry: address, ...args }).catch(
        (e: Error) => e.message,
      );
    const before = await blockNumber();
    expect(await refused({ old: meter, new: fresh })).to.match(
      /cannot be replaced: it is active; only a tampered meter, or one removed as faulty, is replaced/,
    );
    expect(await refused({ old: Wallet.createRandom().address, new: fresh })).to.match(
      /is not a meter of this registry/,
    );
    expect(await blockNumber()).to.equal(before, "a refusal sends nothing");

    // The parent of cluster 2 raises the alarm; then the utility replaces the meter.
    await (await registry.connect(await ethers.getSigner(nodes[1])).reportTamper(meter)).wait();
    const out = await run("grid:meter:replace", {
      old: meter,
      new: fresh,
      permit: "WP-7",
      registry: address,
    });
    expect(out).to.match(new RegExp(`meter ${meter} replaced by ${fresh} in cluster 2 from period \\d+`));
    expect(out).to.include(`dgmd:reconfirm --meter ${fresh}`);
    expect((await registry.meterInfo(fresh)).replaces).to.equal(meter);
    expect(await refused({ old: meter, new: Wallet.createRandom().address })).to.match(
      new RegExp(`cannot be replaced: it is replaced by ${fresh}`),
    );

    // A meter retired as faulty is replaced too, into its old place.
    await (await registry.removeMeter(other)).wait();
    const third = Wallet.createRandom().address;
    await run("grid:meter:replace", { old: other, new: third, permit: "WP-8", registry: address });

    const json = JSON.parse(await run("grid:show", { json: true, registry: address })) as {
      clusters: {
        meterCount: number;
        meters: {
          address: string;
          status: string;
          untilPeriod: number | null;
          replaces: string | null;
          replacedBy: string | null;
        }[];
      }[];
    };
    const period = Number(await registry.currentPeriod());
    const c2 = json.clusters[1];
    expect(c2.meterCount).to.equal(2);
    const byAddress = new Map(c2.meters.map((m) => [m.address, m]));
    expect(c2.meters).to.have.length(4, "the replaced and the removed meters stay in the history");
    expect(byAddress.get(meter)).to.deep.include({
      status: "replaced",
      untilPeriod: period,
      replacedBy: fresh,
    });
    expect(byAddress.get(fresh)).to.deep.include({ status: "active", untilPeriod: null, replaces: meter });
    expect(byAddress.get(other)).to.deep.include({
      status: "replaced",
      untilPeriod: period,
      replacedBy: third,
    });
    expect(byAddress.get(third)).to.deep.include({ status: "active", replaces: other });
    const table = await run("grid:show", { json: false, registry: address });
    const row = table.split("\n").find((l) => l.includes(meter));
    expect(row).to.match(new RegExp(`replaced\\s+\\d+\\s+${period}\\s+replaced by ${fresh.slice(0, 8)}`));
    expect(table.split("\n").find((l) => l.includes(fresh))).to.match(/active .* open\s+replaces 0x/);

    // A meter retired and never replaced is known from the registry's MeterAdded events only.
    await (await registry.removeMeter(third)).wait();
    const full = await readTopology(registry);
    expect(full.removedMetersShown).to.equal(true);
    expect(full.clusters[1].meters.find((m) => m.address === third)).to.deep.include({ status: "removed" });
    // A node that does not serve the events (a block-range limit): a replaced meter still shows through its
    // current replacement, and the output says what it cannot show.
    const noLogs = new Proxy(registry, {
      get: (target, key) =>
        key === "queryFilter"
          ? () => Promise.reject(new Error("block range limit is 2500 blocks"))
          : Reflect.get(target, key),
    });
    const partial = await readTopology(noLogs);
    expect(partial.removedMetersShown).to.equal(false);
    // The removed meter, and the one it had replaced, are known from the events alone.
    expect(partial.clusters[1].meters.map((m) => m.address).sort()).to.deep.equal([meter, fresh].sort());
    expect(formatTopology(partial)).to.match(/meters removed and never replaced are not shown/);
  });
});
