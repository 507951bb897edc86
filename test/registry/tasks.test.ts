import { expect } from "chai";
import { runTask as run } from "../helpers/tasks.js";
import hre from "hardhat";
import { Wallet } from "ethers";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { mondayOnOrBefore } from "../../lib/time.js";
import { deployClusterRegistry } from "../../lab/fixtures/grid.js";
import { InvalidArgumentError } from "../../lib/errors.js";

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

  it("replaces a meter and reports what cannot be replaced", async () => {
    const [meter] = await registry.metersOf(2);
    const fresh = Wallet.createRandom().address;
    await run("grid:meter:replace", { old: meter, new: fresh, permit: "WP-7", registry: address });
    expect((await registry.meterInfo(fresh)).replaces).to.equal(meter);
    const again = await run("grid:meter:replace", {
      old: meter,
      new: Wallet.createRandom().address,
      permit: "WP-8",
      registry: address,
    }).catch((e: Error) => e.message);
    expect(again).to.match(/cannot be replaced: it is replaced/);
  });
});
