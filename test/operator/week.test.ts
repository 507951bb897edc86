/**
 * An operator's week over HTTP on a `hardhat node` (issue 14). The operator deploys with Ignition, registers
 * the grid, certifies the prosumers and publishes week 1's tariff from a forecast, all with the project's
 * tasks on a `localhost` network pointed at the node. Then week 1 (42 periods) of Buildings 1-6's measured data
 * goes through three real gateways (lib/gateway behind its HTTP server, as the demo runs them): meters post
 * over HTTP, each gateway submits its node's attestations to the node. Three outages leave batches abandoned, and a meter
 * signs two readings for one period, so its parent's gateway reports it tampered. The operator replaces that
 * meter and re-confirms its certificate mid-week; after the week, settlement is refused until the abandoned
 * batches are finalized (one, a range, everything due), then bills settle from a gateway's proofs.
 */
import { expect } from "chai";
import hre from "hardhat";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet, getAddress, type Provider } from "ethers";
import type { FastifyInstance } from "fastify";
import GridShareModule from "../../ignition/modules/GridShare.js";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node.js";
import { runTask } from "../helpers/tasks.js";
import { loadBuilding } from "../../lab/data/citylearn.js";
import { embeddedAccountKey } from "../../lab/demo/gateways.js";
import { nextMonday } from "../../lab/demo/setup.js";
import { meterWallet } from "../../lab/fixtures/demo-grid.js";
import { MeterFleet, sendReading, type FleetMeter } from "../../lab/simulator/fleet.js";
import { Gateway } from "../../lib/gateway/gateway.js";
import { buildServer } from "../../lib/gateway/server.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { gridDomain } from "../../lib/batches/reading.js";
import { genesisDeployer } from "../../lib/registry/ranking.js";
import { MeterStatus, contractAt } from "../../lib/chain/schema.js";
import { PERIODS_PER_WEEK } from "../../lib/constants.js";
import { periodStart } from "../../lib/time.js";
import type { BatchList } from "../../lib/batches/ops.js";

const BUILDINGS = [1, 2, 3, 4, 5, 6];
const PER_CLUSTER = 2;
const SITES: [number, number][] = [
  [0, 0],
  [500, 0],
  [0, 500],
];
const WEEK = 1;
const FIRST = WEEK * PERIODS_PER_WEEK;
const LAST = FIRST + PERIODS_PER_WEEK - 1;
/** Seconds into a period at which meters post the previous period and the gateways act. */
const ACT_AT_S = 60n;
/** A storm cuts cluster 2 off in period 47 and cluster 1 in period 76: no gateway gets their readings. */
const BLACKOUTS = [
  { clusterId: 2, period: FIRST + 5 },
  { clusterId: 1, period: FIRST + 34 },
];
/** In periods 60-61 cluster 3's meters reach one neighbour only: it attests alone, nobody else can. */
const ONE_LINK = { clusterId: 3, periods: [FIRST + 18, FIRST + 19] };
/** Building 5's meter signs two different readings for period 70: its parent reports it tampered. */
const TAMPER = { building: 5, period: FIRST + 28 };
const WORK_PERMIT = "WP-2026-0142";
const RECORD_KEY = "5e".repeat(32);

interface Running {
  node: string;
  gw: Gateway;
  app: FastifyInstance;
  url: string;
}

describe("an operator's week over HTTP on a hardhat node", function () {
  this.timeout(900_000);
  let chain: HardhatNode | undefined;
  let operator: HardhatRuntimeEnvironment;
  let conn: NetworkConnection<"generic"> | undefined;
  const gateways: Running[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "gridshare-operator-week-"));
  let epoch: bigint;
  let accounts: { utility: string; dgmd: string; nodes: string[] };
  let addresses: { registry: string; ledger: string; certificates: string; tariffs: string; billing: string };
  /** The meter in each home, by building (the tampered one is replaced mid-week). */
  const slots = new Map<number, FleetMeter>();
  let fleet: MeterFleet;
  let replacement: Wallet;

  const run = (id: string, args: Record<string, unknown>) => runTask(id, args, operator);
  const refusal = (id: string, args: Record<string, unknown>) =>
    run(id, args).then(
      () => "",
      (e: Error) => e.message,
    );
  const registry = () => contractAt("ClusterRegistry", addresses.registry, conn!.ethers.provider);
  const ledger = () => contractAt("BatchLedger", addresses.ledger, conn!.ethers.provider);
  const billing = () => contractAt("Billing", addresses.billing, conn!.ethers.provider);
  const send = (method: string, params: unknown[]) => conn!.ethers.provider.send(method, params);

  /** Move the node's clock to `seconds` into `period` and mine a block there. */
  async function warp(period: number, seconds = 0n): Promise<void> {
    await send("evm_setNextBlockTimestamp", [Number(periodStart(period, epoch) + seconds)]);
    await send("evm_mine", []);
  }

  const buildingsOf = (clusterId: number) =>
    BUILDINGS.slice((clusterId - 1) * PER_CLUSTER, clusterId * PER_CLUSTER);
  const gatewayOf = (node: string) => gateways.find((g) => g.node === getAddress(node))!;
  /** Each cluster's voters' gateways, parent first (the neighbours do not change during the week). */
  const voterUrls = new Map<number, string[]>();

  /** A home's meter posts its reading of `period` to the gateways it can reach (a second one when tampered). */
  async function postHome(building: number, meter: FleetMeter, period: number): Promise<void> {
    const clusterId = meter.clusterId;
    if (BLACKOUTS.some((b) => b.clusterId === clusterId && b.period === period)) return;
    let urls = voterUrls.get(clusterId)!;
    if (clusterId === ONE_LINK.clusterId && ONE_LINK.periods.includes(period)) urls = urls.slice(1, 2);
    const reading = fleet.reading(meter, period);
    for (const a of await sendReading(urls, await fleet.sign(meter, reading)))
      expect(a.status, `${building}@${period}: ${JSON.stringify(a.body)}`).to.equal(200);
    if (building !== TAMPER.building || period !== TAMPER.period) return;
    const other = {
      ...reading,
      loadWh: reading.loadWh + 1n,
      importWh: reading.importWh + 1n,
      peakLoadW: reading.peakLoadW + 1,
    };
    for (const a of await sendReading(urls, await fleet.sign(meter, other))) {
      expect(a.status).to.equal(409);
      expect(JSON.stringify(a.body)).to.match(/signed a different reading .* a tamper alarm is raised/);
    }
  }

  /** Every home posts its reading of `period`, all at once as real meters do; then the gateways act. */
  async function playPeriod(period: number): Promise<void> {
    await warp(period + 1, ACT_AT_S);
    await Promise.all([...slots].map(([building, meter]) => postHome(building, meter, period)));
    // One gateway after the other: a submission's gas is estimated on the ledger as the previous one left it.
    for (const g of gateways) {
      const { tick, outbox } = await g.gw.tick();
      expect(tick, `${g.node} at ${period}: ${g.gw.health().lastError}`).to.not.equal(null);
      expect(outbox?.open, `${g.node} outbox at ${period}`).to.equal(0);
    }
  }

  async function startGateways(): Promise<void> {
    const { chainId } = await conn!.ethers.provider.getNetwork();
    for (const node of accounts.nodes) {
      // The gateways talk to the node on their own connection, as a node's service would.
      const provider: Provider = new JsonRpcProvider(chain!.url, Network.from(chainId), {
        staticNetwork: true,
        cacheTimeout: -1,
        // One request at a time, sent at once: batching would wait 10 ms before each call.
        batchMaxCount: 1,
      });
      const gw = await Gateway.open({
        dbFile: path.join(dir, `gateway-${node}.db`),
        provider,
        nodeKey: embeddedAccountKey(node),
        registry: addresses.registry,
        ledger: addresses.ledger,
        build: buildClusterBatch,
        startPeriod: FIRST,
        // No peer exchange here: each node submits its own attestations as soon as it closed a period.
        timing: { aggregateWaitSeconds: 0, selfSubmitDelaySeconds: 0 },
        outbox: { baseBackoffMs: 1, receiptPollMs: 5, receiptPolls: 40 },
      });
      const app = buildServer(gw, { logger: false });
      gateways.push({
        node: getAddress(node),
        gw,
        app,
        url: await app.listen({ host: "127.0.0.1", port: 0 }),
      });
    }
    for (let c = 1; c <= SITES.length; c++)
      voterUrls.set(
        c,
        (await registry().votersOf(c)).map((n) => gatewayOf(n).url),
      );
  }

  before(async () => {
    chain = await startHardhatNode();
    // The project's own configuration, with `localhost` pointed at the node and Ignition's journal kept out of
    // the checkout.
    operator = await createHardhatRuntimeEnvironment(
      {
        ...hre.userConfig,
        networks: { ...hre.userConfig.networks, localhost: { type: "http", url: chain.url } },
        paths: { ...hre.userConfig.paths, ignition: path.join(dir, "ignition") },
      },
      { network: "localhost" },
      hre.config.paths.root,
    );
    conn = await operator.network.getOrCreate();
    // The node logs every request it serves; the week makes thousands.
    await conn.ethers.provider.send("hardhat_setLoggingEnabled", [false]);
    const signers = await conn.ethers.getSigners();
    accounts = {
      utility: signers[0].address,
      dgmd: signers[1].address,
      nodes: signers.slice(2, 2 + SITES.length).map((s) => s.address),
    };
  });

  after(async () => {
    for (const g of gateways) {
      await g.app.close();
      g.gw.close();
    }
    await conn?.close();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("deploys with Ignition and registers the grid with the grid:* tasks", async () => {
    const latest = await conn!.ethers.provider.getBlock("latest");
    epoch = nextMonday(BigInt(latest!.timestamp));
    await warp(0, 5n);
    const sites = SITES.map(([x, y], i) => ({
      clusterId: i + 1,
      parent: accounts.nodes[i],
      x: BigInt(x),
      y: BigInt(y),
      meterCount: PER_CLUSTER,
    }));
    const deployed = await conn!.ignition.deploy(GridShareModule, {
      defaultSender: genesisDeployer(sites),
      config: { requiredConfirmations: 1 },
      parameters: {
        GridShare: { utility: accounts.utility, dgmd: accounts.dgmd, epoch, maxMetersPerCluster: 4 },
      },
    });
    addresses = {
      registry: await deployed.registry.getAddress(),
      ledger: await deployed.ledger.getAddress(),
      certificates: await deployed.certificates.getAddress(),
      tariffs: await deployed.tariffs.getAddress(),
      billing: await deployed.billing.getAddress(),
    };
    const onRegistry = { registry: addresses.registry };
    for (const [i, [x, y]] of SITES.entries()) {
      const node = accounts.nodes[i];
      await run("grid:node:add", { node, x: String(x), y: String(y), ...onRegistry });
      await run("grid:cluster:create", { parent: node, x: String(x), y: String(y), ...onRegistry });
      for (const building of buildingsOf(i + 1)) {
        const wallet = meterWallet("operator-week", building);
        await run("grid:meter:add", {
          cluster: String(i + 1),
          meter: wallet.address,
          kind: "prosumer",
          ...onRegistry,
        });
        slots.set(building, { building, wallet, clusterId: i + 1, kind: "prosumer" });
      }
    }
    expect(await run("grid:neighbours", { dryRun: false, ...onRegistry })).to.match(/3 cluster\(s\) updated/);
    const { chainId } = await conn!.ethers.provider.getNetwork();
    fleet = new MeterFleet([...slots.values()], gridDomain(chainId, addresses.registry));
    for (let c = 1; c <= SITES.length; c++) expect(await registry().votersOf(c)).to.have.length(3);
    const shown = JSON.parse(await run("grid:show", { json: true, ...onRegistry })) as {
      clusters: unknown[];
    };
    expect(shown.clusters).to.have.length(3);
  });

  it("certifies every prosumer and publishes week 1's tariff from a forecast, before the week", async () => {
    const keyFile = path.join(dir, "record.key");
    writeFileSync(keyFile, RECORD_KEY);
    const asDgmd = { certificates: addresses.certificates, from: accounts.dgmd };
    for (const [building, meter] of slots) {
      const application = path.join(dir, `home-${building}.json`);
      writeFileSync(
        application,
        JSON.stringify({
          meter: meter.wallet.address,
          installedCapacityW: loadBuilding(building).capacityW,
          personalData: {
            name: `Home ${building}`,
            address: `${building} Solar Way`,
            siteVisitNotes: "PV inspected",
          },
          validFrom: Number(epoch),
          validUntil: Number(epoch) + 365 * 86_400,
        }),
      );
      const out = await run("dgmd:certify", {
        application,
        keyFile,
        out: path.join(dir, "records"),
        ...asDgmd,
      });
      expect(out).to.include(`for ${meter.wallet.address}: ${loadBuilding(building).capacityW} W`);
    }
    // The forecast's history: the six homes' week 0, whole-grid totals per period.
    const history = Array.from({ length: PERIODS_PER_WEEK }, (_, p) => ({
      period: p,
      loadWh: BUILDINGS.reduce((s, b) => s + loadBuilding(b).periods[p].loadWh, 0n).toString(),
      generationWh: BUILDINGS.reduce((s, b) => s + loadBuilding(b).periods[p].generationWh, 0n).toString(),
    }));
    const historyFile = path.join(dir, "history.json");
    writeFileSync(historyFile, JSON.stringify(history));
    const published = await run("dgmd:forecast", {
      week: String(WEEK),
      history: historyFile,
      publish: true,
      tariffs: addresses.tariffs,
      from: accounts.dgmd,
    });
    expect(published).to.match(new RegExp(`published week ${WEEK}`));
    const tariffs = contractAt("TariffSchedule", addresses.tariffs, conn!.ethers.provider);
    expect((await tariffs.publishedTariff(WEEK))[1]).to.equal(true);
  });

  it("plays week 1 up to the tamper alarm through three gateways", async () => {
    await startGateways();
    for (let p = FIRST; p <= TAMPER.period; p++) await playPeriod(p);
    const old = slots.get(TAMPER.building)!.wallet.address;
    const info = await registry().meterInfo(old);
    expect(info.status).to.equal(MeterStatus.Tampered);
    expect(info.untilPeriod).to.equal(BigInt(TAMPER.period + 1));
    // The double-signed reading was quarantined everywhere: the batch holds the other meter only.
    const b = await ledger().batchOf(3, TAMPER.period);
    expect(b.leafCount).to.equal(1n);
  });

  it("replaces the tampered meter (not a healthy one) and re-confirms its certificate", async () => {
    const old = slots.get(TAMPER.building)!;
    const healthy = slots.get(1)!.wallet.address;
    replacement = meterWallet("operator-week-replacement", TAMPER.building);
    const onRegistry = { registry: addresses.registry };
    expect(
      await refusal("grid:meter:replace", {
        old: healthy,
        new: replacement.address,
        permit: WORK_PERMIT,
        ...onRegistry,
      }),
    ).to.match(/cannot be replaced: it is active/);
    const replaced = await run("grid:meter:replace", {
      old: old.wallet.address,
      new: replacement.address,
      permit: WORK_PERMIT,
      ...onRegistry,
    });
    expect(replaced).to.include(`from period ${TAMPER.period + 1}`);
    expect(replaced).to.include(`dgmd:reconfirm --meter ${replacement.address}`);
    slots.set(TAMPER.building, { ...old, wallet: replacement });

    const asDgmd = { certificates: addresses.certificates, from: accounts.dgmd };
    expect(await refusal("dgmd:reconfirm", { meter: healthy, ...asDgmd })).to.match(/it replaced no meter/);
    const out = await run("dgmd:reconfirm", { meter: replacement.address, ...asDgmd });
    const capacity = loadBuilding(TAMPER.building).capacityW;
    expect(out).to.match(
      new RegExp(
        `re-confirmed for its replacement ${replacement.address}: ${capacity} W, periods ${TAMPER.period + 1}\\.\\.`,
      ),
    );
    const listed = JSON.parse(
      await run("dgmd:certificates", {
        meter: replacement.address,
        json: true,
        certificates: addresses.certificates,
      }),
    ) as { capacityNowW: string; certificates: { origin: string; reconfirmedFrom: string }[] };
    expect(listed.capacityNowW).to.equal(String(capacity));
    expect(listed.certificates).to.deep.equal([
      { ...listed.certificates[0], origin: "reconfirmed", reconfirmedFrom: old.wallet.address },
    ]);
  });

  it("plays the rest of the week: every batch is decided but the abandoned ones", async () => {
    for (let p = TAMPER.period + 1; p <= LAST; p++) await playPeriod(p);
    const abandoned = new Map<string, string>([
      ...BLACKOUTS.map((b) => [`${b.clusterId}:${b.period}`, "none"] as [string, string]),
      ...ONE_LINK.periods.map((p) => [`${ONE_LINK.clusterId}:${p}`, "pending"] as [string, string]),
    ]);
    const list = JSON.parse(
      await run("batches:list", {
        fromPeriod: String(FIRST),
        toPeriod: String(LAST),
        ledger: addresses.ledger,
        json: true,
      }),
    ) as BatchList;
    expect(list.batches).to.have.length(3 * PERIODS_PER_WEEK);
    for (const b of list.batches) {
      const key = `${b.clusterId}:${b.period}`;
      expect(b.status, key).to.equal(abandoned.get(key) ?? "accepted");
      expect(b.due, key).to.equal(abandoned.has(key));
      if (b.status !== "accepted") continue;
      expect(b.faults, key).to.equal(0);
      const homes = buildingsOf(b.clusterId).filter(
        (h) => !(b.clusterId === 3 && h === TAMPER.building && b.period === TAMPER.period),
      );
      expect(b.leafCount, key).to.equal(homes.length);
      expect(BigInt(b.totalLoadWh), key).to.equal(
        homes.reduce((s, h) => s + loadBuilding(h).periods[b.period].loadWh, 0n),
      );
    }
    expect(list.batches.find((b) => b.clusterId === 3 && b.period === ONE_LINK.periods[0])).to.deep.include({
      votes: 1,
      voters: 3,
    });
    expect(list.nodeFaults.every((n) => n.faults === 0)).to.equal(true);
  });

  it("refuses to settle before the abandoned batches are finalized, then finalizes one, a range and the rest", async () => {
    const meter = slots.get(1)!.wallet.address;
    const gateway = gatewayOf(accounts.nodes[0]).url;
    const settle = { meter, week: String(WEEK), gateway, billing: addresses.billing, json: true };
    expect(await refusal("bill:settle", settle)).to.match(
      /week 1 still has 1 undecided batch\(es\) in the meter's cluster: wait for the votes or finalize them/,
    );
    const onLedger = { ledger: addresses.ledger };
    const [storm, late] = BLACKOUTS;
    expect(
      await run("batches:finalize", {
        cluster: String(storm.clusterId),
        period: String(storm.period),
        ...onLedger,
      }),
    ).to.match(/1 batch\(es\) finalized as disputed/);
    expect(
      await run("batches:finalize", {
        cluster: String(ONE_LINK.clusterId),
        fromPeriod: String(ONE_LINK.periods[0]),
        toPeriod: String(ONE_LINK.periods[1]),
        ...onLedger,
      }),
    ).to.match(/2 batch\(es\) finalized as disputed/);
    const due = await run("batches:finalize", { due: true, ...onLedger });
    expect(due).to.match(new RegExp(`^\\s*${late.clusterId}\\s+${late.period}\\s+no vote`, "m"));
    expect(due).to.match(/1 batch\(es\) finalized as disputed/);
    const table = await run("batches:list", { ledger: addresses.ledger });
    expect(table).to.match(new RegExp(`periods ${FIRST}\\.\\.${LAST} \\(current period ${LAST + 1}\\)`));
    expect(table).to.match(
      /126 batch\(es\): 122 accepted, 4 disputed, 0 pending, 0 with no vote; 0 abandoned/,
    );
  });

  it("settles bills from a gateway's proofs, the replacement meter's with its re-confirmed capacity", async () => {
    const homes = [
      // Building 1's cluster lost period 76 in the storm: no reading, no bill line.
      { building: 1, gateway: accounts.nodes[0], readings: PERIODS_PER_WEEK - 1 },
      { building: TAMPER.building, gateway: accounts.nodes[2], readings: LAST - TAMPER.period },
    ];
    for (const h of homes) {
      const meter = slots.get(h.building)!.wallet.address;
      const out = JSON.parse(
        await run("bill:settle", {
          meter,
          week: String(WEEK),
          gateway: gatewayOf(h.gateway).url,
          billing: addresses.billing,
          json: true,
        }),
      ) as {
        bill: { readings: number; creditedExportWh: string; undecidedPeriods: number };
        agrees: boolean;
      };
      expect(out.bill.readings, `building ${h.building}`).to.equal(h.readings);
      expect(out.bill.undecidedPeriods).to.equal(0);
      expect(out.agrees).to.equal(true);
      // Export is credited only up to a certified capacity: the replacement's comes from the re-confirmation.
      expect(BigInt(out.bill.creditedExportWh), `building ${h.building}`).to.be.greaterThan(0n);
      expect((await billing().settlementOf(meter, WEEK)).settled).to.equal(true);
    }
    const shown = JSON.parse(await run("grid:show", { json: true, registry: addresses.registry })) as {
      clusters: {
        meters: { address: string; status: string; untilPeriod: number | null; replacedBy: string | null }[];
      }[];
    };
    const meters = shown.clusters[2].meters;
    expect(meters).to.have.length(3, "the replaced meter stays in the history");
    expect(meters.find((m) => m.replacedBy === replacement.address)).to.deep.include({
      status: "replaced",
      untilPeriod: TAMPER.period + 1,
    });
  });
});
