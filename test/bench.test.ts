/**
 * The benchmark harness: the naive baseline contract behaves as its docs say, and the bench modules run on tiny
 * sizes and return well-formed figures. Behaviour only: no timing is asserted.
 */
import { expect } from "chai";
import { id, Wallet } from "ethers";
import { network } from "hardhat";
import type {
  EventReadingLog,
  NaiveReadingStore,
  OverwriteReadingStore,
} from "../types/ethers-contracts/index.js";
import { benchAnchoring } from "../bench/anchoring.js";
import { benchOffchain } from "../bench/offchain.js";
import {
  BenchInputError,
  figure,
  figureMarkdown,
  figureTable,
  notMeasured,
  type Figure,
} from "../bench/lib/figures.js";
import { calldataCost, spreadSample } from "../bench/lib/gas.js";
import { interleaved, median, opsPerSecond } from "../bench/lib/timing.js";
import { benchMeter, buildingFor, realReading } from "../lab/fixtures/readings.js";
import { NoDataError } from "../lab/data/citylearn.js";
import { READING_TYPES, type Reading } from "../lib/batches/reading.js";
import { DEFAULT_SCALE, scaleExample, scaleModel } from "../bench/scale.js";
import { baselineComparisons, baselineFigures, benchBaselines } from "../bench/baselines.js";
import { benchMerkle, merkleGasByDepth, ozTree } from "../bench/merkle.js";
import { benchBilling } from "../bench/billing.js";
import { cpuBudgetUs, gatewayRates } from "../bench/gateway.js";
import { processCpuUs, threadCpuUs } from "../bench/lib/cpu.js";
import { gatewayCeiling } from "../bench/gateway-ceiling.js";
import { FLOOR_VERDICT, httpFloorServer } from "../bench/lib/http-floor.js";
import { chainFigures, perBlock } from "../bench/chain.js";
import { benchNeighbours, burstStats, liveFigures } from "../bench/clique.js";
import {
  circleVoters,
  DEFAULT_SUSTAINED,
  sustainedFigures,
  sustainedRate,
  SUSTAINED_TARGET,
} from "../bench/clique-sustained.js";
import { DEFAULT_GAS_LIMIT } from "../lib/clique/genesis.js";
import type { MerkleProofBench } from "../types/ethers-contracts/index.js";

const ctx = await network.create();
const { ethers, networkHelpers } = ctx;

async function deployStore(): Promise<NaiveReadingStore> {
  return (await ethers.deployContract("NaiveReadingStore")) as unknown as NaiveReadingStore;
}

describe("NaiveReadingStore (baseline)", () => {
  it("stores every field of the sender's own reading, once", async () => {
    const store = await networkHelpers.loadFixture(deployStore);
    const meter = benchMeter(0).connect(ethers.provider);
    await networkHelpers.setBalance(meter.address, 10n ** 18n);
    const r = realReading(0, 4, 7);
    await expect(store.connect(meter).store(r))
      .to.emit(store, "ReadingStored")
      .withArgs(r.meter, r.period, r.loadWh, r.generationWh);
    const got = await store.readingOf(r.meter, r.period);
    expect([got.meter, got.period, got.importWh, got.exportWh, got.loadWh, got.generationWh]).to.deep.equal([
      r.meter,
      BigInt(r.period),
      r.importWh,
      r.exportWh,
      r.loadWh,
      r.generationWh,
    ]);
    expect([got.peakLoadW, got.peakGenerationW]).to.deep.equal([
      BigInt(r.peakLoadW),
      BigInt(r.peakGenerationW),
    ]);
    await expect(store.connect(meter).store(r))
      .to.be.revertedWithCustomError(store, "AlreadyStored")
      .withArgs(r.meter, r.period);
  });

  it("refuses a reading sent by another key, and an unbalanced one", async () => {
    const store = await networkHelpers.loadFixture(deployStore);
    const [other] = await ethers.getSigners();
    const r = realReading(1, 4, 7);
    await expect(store.connect(other).store(r))
      .to.be.revertedWithCustomError(store, "NotTheMeter")
      .withArgs(other.address, r.meter);
    const meter = benchMeter(1).connect(ethers.provider);
    await networkHelpers.setBalance(meter.address, 10n ** 18n);
    await expect(store.connect(meter).store({ ...r, importWh: r.importWh + 1n }))
      .to.be.revertedWithCustomError(store, "Unbalanced")
      .withArgs(r.meter, r.period);
  });
});

describe("OverwriteReadingStore and EventReadingLog (baselines)", () => {
  async function deployBaselines() {
    const overwrite = (await ethers.deployContract(
      "OverwriteReadingStore",
    )) as unknown as OverwriteReadingStore;
    const log = (await ethers.deployContract("EventReadingLog")) as unknown as EventReadingLog;
    return { overwrite, log };
  }

  it("overwrite keeps only the meter's latest reading, periods moving forward", async () => {
    const { overwrite } = await networkHelpers.loadFixture(deployBaselines);
    const meter = benchMeter(2).connect(ethers.provider);
    await networkHelpers.setBalance(meter.address, 10n ** 18n);
    const first = realReading(2, 4, 7);
    const second = realReading(2, 4, 8, 2);
    await expect(overwrite.connect(meter).store(first))
      .to.emit(overwrite, "ReadingStored")
      .withArgs(first.meter, first.period, first.loadWh, first.generationWh);
    await overwrite.connect(meter).store(second);
    const got = await overwrite.latestOf(meter.address);
    expect([got.period, got.loadWh, got.generationWh, got.peakLoadW]).to.deep.equal([
      BigInt(second.period),
      second.loadWh,
      second.generationWh,
      BigInt(second.peakLoadW),
    ]);
    for (const stale of [first, second]) {
      await expect(overwrite.connect(meter).store(stale))
        .to.be.revertedWithCustomError(overwrite, "NotNewer")
        .withArgs(meter.address, stale.period, second.period);
    }
    const [other] = await ethers.getSigners();
    await expect(overwrite.connect(other).store(realReading(2, 4, 9)))
      .to.be.revertedWithCustomError(overwrite, "NotTheMeter")
      .withArgs(other.address, meter.address);
    await expect(overwrite.connect(meter).store({ ...realReading(2, 4, 9), exportWh: 1n }))
      .to.be.revertedWithCustomError(overwrite, "Unbalanced")
      .withArgs(meter.address, 9);
  });

  it("event only emits every field of the sender's balanced reading and stores nothing", async () => {
    const { log } = await networkHelpers.loadFixture(deployBaselines);
    const meter = benchMeter(3).connect(ethers.provider);
    await networkHelpers.setBalance(meter.address, 10n ** 18n);
    const r = realReading(3, 4, 7);
    const fields = READING_TYPES.Reading!.map((f) => r[f.name as keyof Reading]);
    await expect(log.connect(meter).log(r)).to.emit(log, "ReadingLogged").withArgs(r.meter, fields);
    expect(await ethers.provider.getStorage(await log.getAddress(), 0)).to.equal(ethers.ZeroHash);
    const [other] = await ethers.getSigners();
    await expect(log.connect(other).log(r))
      .to.be.revertedWithCustomError(log, "NotTheMeter")
      .withArgs(other.address, r.meter);
    await expect(log.connect(meter).log({ ...r, importWh: r.importWh + 1n }))
      .to.be.revertedWithCustomError(log, "Unbalanced")
      .withArgs(r.meter, r.period);
  });
});

describe("bench helpers", () => {
  it("figures carry value / baseline as their ratio; not-measured figures carry a reason", () => {
    const f = figure({
      group: "g",
      id: "a",
      label: "A",
      value: 50,
      unit: "gas",
      baseline: { label: "b", value: 200 },
    });
    expect(f.ratio).to.equal(0.25);
    const n = notMeasured("g", "b", "B", "gas", "no contract");
    expect(n.value).to.equal(null);
    expect(figureTable([f, n]))
      .to.match(/x0\.250/)
      .and.to.match(/not measured: no contract/);
    expect(figureMarkdown([f, n])).to.match(/- B: no contract/);
  });

  it("a rate on shared cores is a CPU budget per item; thread CPU is known on Linux and grows with work", () => {
    // 2 cores at 5,000 readings/s leave 400 µs of CPU per reading.
    expect(cpuBudgetUs(2, 5_000)).to.equal(400);
    const before = processCpuUs();
    const thread = threadCpuUs();
    let x = 0;
    for (let i = 0; i < 2_000_000; i++) x += Math.sqrt(i);
    expect(x).to.be.greaterThan(0);
    expect(processCpuUs()).to.be.greaterThan(before);
    if (process.platform === "linux") expect(threadCpuUs()).to.be.greaterThan(thread as number);
  });

  it("bounded loops stop at their count or their time budget; bad bounds are refused", () => {
    let calls = 0;
    opsPerSecond(() => calls++, { maxOps: 10, maxMs: 60_000, batch: 3 });
    expect(calls).to.equal(10);
    let slow = 0;
    opsPerSecond(
      () => {
        slow++;
        const until = Date.now() + 2;
        while (Date.now() < until);
      },
      { maxOps: 1_000_000, maxMs: 20, batch: 1 },
    );
    expect(slow).to.be.below(1_000_000);
    expect(() => opsPerSecond(() => 0, { maxOps: 0, maxMs: 1 })).to.throw(BenchInputError);
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 2, 3])).to.equal(2.5);
    expect(() => median([])).to.throw(BenchInputError);
    const order: string[] = [];
    interleaved(
      2,
      () => (order.push("s"), 1),
      () => (order.push("b"), 2),
    );
    expect(order).to.deep.equal(["b", "s", "b", "s"]);
  });

  it("calldata cost counts 16 per non-zero and 4 per zero byte; samples spread evenly", () => {
    expect(calldataCost("0x00ff0001")).to.deep.equal({ bytes: 4, gas: 4 + 16 + 4 + 16 });
    expect(spreadSample(3, 5)).to.deep.equal([0, 1, 2]);
    expect(spreadSample(10, 5)).to.deep.equal([0, 2, 4, 6, 8]);
  });

  it("small clusters replay Buildings 1-12; larger ones cycle all 17 with distinct meters", () => {
    expect([0, 3].map((i) => buildingFor(i, 4))).to.deep.equal([1, 4]);
    expect([0, 16, 17, 63].map((i) => buildingFor(i, 64))).to.deep.equal([1, 17, 1, 13]);
    expect(benchMeter(0).address).to.not.equal(benchMeter(17).address);
    const r = realReading(2, 4, 9);
    expect(r.loadWh + r.exportWh).to.equal(r.generationWh + r.importWh);
    expect(() => realReading(0, 4, 9, 1_000_000)).to.throw(NoDataError, /no data period 1000000/);
  });
});

describe("bench modules on tiny sizes", () => {
  let anchoring: Figure[] = [];

  it("anchoring: per-reading gas falls with cluster size and sits beside the naive baseline", async () => {
    anchoring = await benchAnchoring(ctx, { sizes: [2, 8], naiveSampleMax: 2, perSubmission: [1, 2] });
    const small = anchoring.find((f) => f.id === "anchor.perReading.n2");
    const large = anchoring.find((f) => f.id === "anchor.perReading.n8");
    expect(small?.baseline?.value).to.be.greaterThan(0);
    expect(large?.value).to.be.lessThan(small?.value ?? 0);
    for (const id of [
      "anchor.perReading.n4.k1",
      "anchor.perReading.n4.k2",
      "anchor.perReading.n4.k2.majority",
    ])
      expect(anchoring.some((f) => f.id === id)).to.equal(true, id);
    const perReading = (k: number) =>
      anchoring.find((f) => f.id === `anchor.perReading.n4.k${k}`)?.value ?? 0;
    expect(perReading(2)).to.be.lessThan(perReading(1), "two cluster-periods share a transaction floor");
    const firstRing = (k: number) =>
      anchoring.find((f) => f.id === `anchor.perReading.n4.k${k}.firstRing`)?.value ?? 0;
    // One ring later the accepted word is rewritten (5,000) instead of created (22,100): 17,100 per
    // cluster-period of 4 readings, give or take the signatures' call data.
    const saved = (firstRing(2) - perReading(2)) * 4;
    expect(saved).to.be.within(17_100 - 200, 17_100 + 200);
    const mes = anchoring.filter((f) => f.group === "mes");
    expect(mes.map((f) => f.id)).to.deep.equal(["mes.decision.n2", "mes.decision.n8"]);
    for (const f of anchoring) expect(f.value).to.be.a("number").and.greaterThan(0);
  });

  it("scale model: gas grows with meters, per-node cores do not; the signer set is bounded", () => {
    const rate = figure({ group: "g", id: "verify.eip712.core1", label: "v", value: 100, unit: "/s" });
    const m = scaleModel([...anchoring, rate], {
      meterCounts: [1_000, 10_000],
      clusterSizes: [8],
      maxSigners: 21,
      txsPerClusterPeriod: 4,
      blockGasLimit: 30_000_000,
      blockPeriodS: 5,
      arrivalWindowS: 600,
      copiesPerReading: 4,
    });
    expect(m.rows).to.have.length(2);
    const [a, b] = m.rows;
    expect(Math.round((b!.gasPerDay / a!.gasPerDay) * 1e6)).to.equal(10_000_000);
    expect(b!.coresPerNode).to.equal(a!.coresPerNode);
    expect(a!.nodes).to.equal(125);
    // SPEC 6: 21 nodes seal whatever the grid's size; the rest send.
    expect([a!.signers, a!.permissioned, b!.signers, b!.permissioned]).to.deep.equal([21, 104, 21, 1_229]);
    expect(a!.txPerDay).to.equal(125 * 6 * 4);
    // No live devnet or baseline figure in this run: their columns stay empty, not guessed.
    expect(a!.devnetLoad).to.equal(null);
    expect(a!.baselines).to.deep.equal({});
    // Without a measured rate the chain side is still computed; gateway cores are left empty.
    const noRate = scaleModel(anchoring, { ...DEFAULT_SCALE, clusterSizes: [2, 8] });
    expect(noRate.perCoreRate).to.equal(null);
    expect(noRate.rows.every((r) => r.gridCores === null && r.coresPerNode === null)).to.equal(true);
    expect(() => scaleModel([rate])).to.throw(BenchInputError, /gas per reading anchored/);
  });

  it("baselines: three designs measured on one chain, cheapest last, each above its floor", async () => {
    const f = await benchBaselines(ctx, anchoring, { readings: 2 });
    const own = f.filter((x) => x.id.startsWith("baseline."));
    expect(own.map((x) => x.id)).to.deep.equal([
      "baseline.fullStore.perReading",
      "baseline.overwrite.perReading",
      "baseline.eventOnly.perReading",
    ]);
    const [full, overwrite, eventOnly] = own.map((x) => x.value!);
    expect(full).to.be.greaterThan(overwrite!);
    expect(overwrite).to.be.greaterThan(eventOnly!);
    for (const x of own) expect(x.value).to.be.at.least(x.limit!.value);
    expect(own[1]!.ratio).to.equal(overwrite! / full!);
    // Every anchoring size beside each baseline.
    const vs = f.filter((x) => x.id.includes(".vs."));
    expect(vs.map((x) => x.id)).to.include.members([
      "anchor.perReading.n2.vs.fullStore",
      "anchor.perReading.n8.vs.eventOnly",
    ]);
    const anchored = anchoring.filter((x) => x.id.startsWith("anchor.perReading."));
    expect(anchored.length).to.be.greaterThan(2);
    expect(vs).to.have.length(anchored.length * 3);
    const n8 = anchoring.find((x) => x.id === "anchor.perReading.n8")!;
    expect(vs.find((x) => x.id === "anchor.perReading.n8.vs.overwrite")!.ratio).to.equal(
      n8.value! / overwrite!,
    );
    expect(baselineComparisons(anchoring)).to.deep.equal([]);
    await expect(benchBaselines(ctx, [], { readings: 0 })).to.be.rejectedWith(BenchInputError, /readings/);
  });

  it("scale model: the baselines' gas, the live devnet load and a worked example", () => {
    const base = baselineFigures({ fullStore: 70_000, overwrite: 35_000, eventOnly: 25_000 }, 4);
    const live = figure({
      group: "chain",
      id: "clique.live.batch.txPerSecond",
      label: "l",
      value: 10,
      unit: "tx/s",
    });
    const m = scaleModel([...anchoring, ...base, live], { ...DEFAULT_SCALE, clusterSizes: [2] });
    const row = m.rows.find((r) => r.meters === 1_000_000)!;
    expect([row.nodes, row.signers, row.permissioned]).to.deep.equal([500_000, 21, 499_979]);
    // 500,000 clusters x 6 periods a day x 1 submission, over the devnet's 10 tx/s.
    expect(row.devnetLoad).to.equal((500_000 * 6 * 1) / 86_400 / 10);
    expect(row.baselines.overwrite!.gasPerDay).to.equal(6_000_000 * 35_000);
    expect(row.perReadingTxPerS).to.equal(6_000_000 / 86_400);
    const text = scaleExample(m, 1_000_000, 2);
    expect(text).to.match(/500,000 nodes, of which 21 seal and 499,979 are permissioned senders/);
    expect(text).to.match(/overwrite 210 G gas\/day/);
    expect(text).to.match(/no per-core rate/);
    expect(() => scaleExample(m, 7, 2)).to.throw(BenchInputError, /no row for 7 meters/);
  });

  it("off-chain: every figure is a positive rate beside a positive baseline", async () => {
    const f = await benchOffchain({ treeLeaves: 16, rounds: 1, roundMs: 20, readings: 2 });
    expect(f.map((x) => x.id)).to.include.members(["merkle.build.leavesPerSecond", "verify.eip712.core2"]);
    for (const x of f) {
      expect(x.value).to.be.greaterThan(0);
      expect(x.baseline?.value).to.be.greaterThan(0);
    }
    await expect(benchOffchain({ treeLeaves: 1, rounds: 1, roundMs: 1, readings: 1 })).to.be.rejectedWith(
      BenchInputError,
    );
  });

  it("merkle: both verifiers accept their proofs, refuse a wrong leaf, and cost more with depth", async () => {
    const bench = (await ethers.deployContract("MerkleProofBench")) as unknown as MerkleProofBench;
    const rows = await merkleGasByDepth(bench, [2, 3]);
    expect(rows.map((r) => r.depth)).to.deep.equal([2, 3]);
    expect(rows[1]!.merkle64Gas).to.be.greaterThan(rows[0]!.merkle64Gas);
    expect(rows[1]!.ozGas).to.be.greaterThan(rows[0]!.ozGas);
    const leaves = ["0x01", "0x02", "0x03", "0x04"].map((x) => ethers.zeroPadValue(x, 32));
    const oz = ozTree(leaves, 1);
    expect((await bench.openZeppelin(oz.proof, oz.root, leaves[1]!))[0]).to.equal(true);
    expect((await bench.openZeppelin(oz.proof, oz.root, leaves[2]!))[0]).to.equal(false);
    expect(() => ozTree(leaves.slice(0, 3), 0)).to.throw(BenchInputError, /power of 2/);
    await expect(merkleGasByDepth(bench, [0])).to.be.rejectedWith(BenchInputError, /depth/);
    // Packed at 8 bytes per sibling: 2 siblings fill one 32-byte word of `bytes` instead of two ABI words.
    expect(rows[0]!.unpackedCalldata.bytes - rows[0]!.merkle64Calldata.bytes).to.equal(32);
    expect(rows[1]!.unpackedCalldata.bytes - rows[1]!.merkle64Calldata.bytes).to.equal(2 * 32);
    // Issue 15: the 64-bit verifier is the cheaper one (gas is exact, not timed).
    for (const r of rows) expect(r.merkle64Gas).to.be.lessThan(r.ozGas);
    const f = await benchMerkle(ctx, { depths: [2] });
    const packed = f.find((x) => x.id === "merkle64.calldata.unpacked.depth2")!;
    expect(packed.value).to.equal(rows[0]!.merkle64Calldata.gas);
    expect(packed.baseline!.value).to.be.greaterThan(packed.value!);
    const bytes = f.find((x) => x.id === "merkle64.calldata.bytes.depth2")!;
    expect(bytes.value).to.equal(rows[0]!.merkle64Calldata.bytes);
  });

  it("billing: proving readings on the real ledger costs more than the stand-in without the check", async () => {
    const f = await benchBilling(await network.create(), { periods: 2 });
    const week = f.find((x) => x.id === "billing.perMeterWeek")!;
    expect(week.value).to.be.greaterThan(week.baseline!.value);
    expect(f.find((x) => x.id === "billing.proofPerReading")!.value).to.be.greaterThan(0);
    await expect(benchBilling(ctx, { periods: 0 })).to.be.rejectedWith(BenchInputError, /periods/);
  });

  it("gateway: every reading posted is verified and stored once; bad sizes are refused", async () => {
    // The native recovery round runs for half a round's time: a short round keeps the test short.
    const o = {
      meters: 3,
      periodsPerRound: 1,
      rounds: 1,
      warmUpRounds: 1,
      roundMs: 6_000,
      concurrency: 2,
      bulkSize: 2,
    };
    const r = await gatewayRates(o);
    // A warm-up and a measured round, each of single posts and of bulk posts on its own period.
    expect(r.stored).to.equal(2 * (o.warmUpRounds + o.rounds) * o.meters);
    expect(r.single).to.be.greaterThan(0);
    expect(r.bulk).to.be.greaterThan(0);
    expect(r.floor).to.be.greaterThan(0);
    // One gateway per core: together they stored each round's single posts once.
    expect(r.perCore).to.be.greaterThan(0);
    expect(r.perCoreStored).to.equal((o.warmUpRounds + o.rounds) * o.meters);
    expect(r.cpu.perCore.processUs).to.be.greaterThan(0);
    expect(r.cpu.perCore.eventLoopUs).to.equal(null);
    // CPU per reading: the whole process's includes the event loop's and the load generator's, which Linux reports.
    for (const c of [r.cpu.single, r.cpu.bulk, r.cpu.floor]) {
      expect(c.processUs).to.be.greaterThan(0);
      if (process.platform === "linux") {
        for (const part of [c.eventLoopUs, c.loadGeneratorUs]) {
          expect(part).to.be.a("number").greaterThan(0);
          expect(part).to.be.lessThan(c.processUs);
        }
      }
    }
    await expect(gatewayRates({ ...o, meters: 0 })).to.be.rejectedWith(BenchInputError);
    await expect(gatewayRates({ ...o, warmUpRounds: -1 })).to.be.rejectedWith(BenchInputError, /warm-up/);
  });

  it("HTTP floor: the gateway's set-up answers every JSON POST /readings with the fixed verdict, unparsed", async () => {
    const app = httpFloorServer();
    const post = (type: string, payload: string) =>
      app.inject({ method: "POST", url: "/readings", payload, headers: { "content-type": type } });
    try {
      // Not a reading at all: the floor does not look at the body.
      const ok = await post("application/json", "not json");
      expect(ok.statusCode).to.equal(200);
      expect(ok.json()).to.deep.equal(FLOOR_VERDICT);
      // The gateway's content types: only JSON is a reading.
      const text = await post("text/plain", "x");
      expect(text.statusCode).to.equal(415);
    } finally {
      await app.close();
    }
  });

  it("gateway ceiling: every reading admitted through the group commit is accepted, the sync is timed, bad sizes are refused", async () => {
    const r = await gatewayCeiling({ concurrency: 2, readings: 20 });
    expect(r.requestsPerSecond).to.be.greaterThan(0);
    expect(r.fdatasyncMs).to.be.greaterThan(0);
    await expect(gatewayCeiling({ concurrency: 0, readings: 20 })).to.be.rejectedWith(BenchInputError);
  });

  it("chain: transactions per block are the genesis gas limit over the measured gas", () => {
    const limit = Number(DEFAULT_GAS_LIMIT);
    const first = figure({
      group: "votes",
      id: "attest.direct.first",
      label: "p",
      value: limit / 800,
      unit: "gas",
    });
    const items = [4, 16].map((k) =>
      figure({
        group: "votes",
        id: `attest.perItem.k${k}`,
        label: "i",
        value: limit / (100 * k),
        unit: "gas",
      }),
    );
    const f = chainFigures([first, ...items]);
    expect(f.find((x) => x.id === "clique.fit.attest.direct.first")?.value).to.equal(800);
    expect(f.some((x) => x.id === "clique.fit.decision.batch")).to.equal(false);
    expect(f.find((x) => x.id === "clique.fit.decidedBatches")?.value).to.equal(
      1600,
      "the largest submission",
    );
    expect(perBlock(1000, 300)).to.equal(3);
  });

  it("live chain: burst stats count txs per block and rate from block timestamps; refuse empty or early", () => {
    // Parent block 10 at t=100; txs in blocks 11 (x3), 12 (x1), 14 (x2); last inclusion at t=108.
    const s = burstStats([
      { txBlocks: [11, 11, 12, 11, 14, 14], parent: { number: 10, timestamp: 100 }, lastTimestamp: 108 },
    ]);
    expect(s).to.deep.equal({
      txs: 6,
      blocksWithTxs: 3,
      maxPerBlock: 3,
      meanPerBlock: 2,
      blockTimeS: 2,
      txPerSecond: 0.75,
    });
    // A sub-second span counts as 1 s (timestamps are whole seconds).
    const seg = (txBlocks: number[], parent: number, t0: number, t1: number) => ({
      txBlocks,
      parent: { number: parent, timestamp: t0 },
      lastTimestamp: t1,
    });
    expect(burstStats([seg([11], 10, 100, 100)]).txPerSecond).to.equal(1);
    // Two segments: the wait between them (t=108..200) is not counted; 8 txs over 8 s + 4 s, in 4 + 2 blocks.
    const two = burstStats([seg([11, 11, 12, 11, 14, 14], 10, 100, 108), seg([21, 22], 20, 200, 204)]);
    expect(two.txPerSecond).to.equal(8 / 12);
    expect(two.blockTimeS).to.equal(2);
    expect(two.blocksWithTxs).to.equal(5);
    expect(two.maxPerBlock).to.equal(3);
    expect(() => burstStats([])).to.throw(BenchInputError);
    expect(() => burstStats([seg([], 10, 100, 100)])).to.throw(BenchInputError);
    expect(() => burstStats([seg([10], 10, 100, 100)])).to.throw(BenchInputError);
  });

  it("sustained live run: 4 voters per cluster on the circle, rate over the inclusion span, figures", () => {
    const nodes = Array.from({ length: 17 }, (_, i) => new Wallet(id(`bench-test-node-${i}`)));
    const voters = circleVoters(nodes);
    expect(voters).to.have.length(17);
    for (const [i, v] of voters.entries()) {
      expect(v.length, `cluster ${i + 1}`).to.equal(4);
      expect(v[0]).to.equal(nodes[i], "the parent first");
      expect(new Set(v.map((w) => w.address)).size).to.equal(4);
    }
    expect(() => circleVoters(nodes.slice(0, 3))).to.throw(BenchInputError, /ranks 2 neighbours/);
    // 2,500 accepted between the parent block at t=1,000 and the last inclusion at t=1,125.
    expect(sustainedRate(2_500, 1_000, 1_125)).to.deep.equal({ spanS: 125, perSecond: 20 });
    expect(sustainedRate(3, 1_000, 1_000).spanS).to.equal(1, "a sub-second span counts as 1 s");
    const f = sustainedFigures(
      {
        accepted: 2_500,
        clusterPeriods: 2_560,
        submissions: 160,
        spanS: 125,
        perSecond: 20,
        blocks: 63,
        maxTxPerBlock: 4,
        transferTxPerSecond: 80,
        grids: 40,
      },
      DEFAULT_SUSTAINED,
    );
    const rate = f.find((x) => x.id === "clique.sustained.clusterPeriodsPerSecond");
    expect([rate?.value, rate?.ratio, rate?.limit?.value]).to.deep.equal([20, 0.25, SUSTAINED_TARGET]);
    expect(rate?.note).to.match(/^2500 of 2560 cluster-periods accepted \(40 deployments x 64 clusters/);
  });

  it("live chain: SPEC 2 neighbours (two votes each) and the figures from a run", () => {
    const parents = Array.from({ length: 8 }, (_, i) => "0x" + String(i + 1).padStart(40, "0"));
    const neighbours = benchNeighbours(parents);
    expect(neighbours[0]).to.have.members([2, 8, 3]); // on the circle: both adjacent clusters, then the nearer next
    for (const [i, ns] of neighbours.entries()) {
      expect(ns.length, `cluster ${i + 1}`).to.be.at.least(2);
      expect(ns).to.not.include(i + 1);
    }
    for (let c = 1; c <= parents.length; c++) {
      expect(
        neighbours.filter((ns) => ns.includes(c)).length,
        `roles of cluster ${c}'s parent`,
      ).to.be.at.most(3);
    }
    expect(() => benchNeighbours(parents.slice(0, 2))).to.throw(BenchInputError);
    expect(() => benchNeighbours(parents.slice(0, 6))).to.throw(BenchInputError, /cluster 6 of 6/);
    const stats = (txPerSecond: number) => ({
      txs: 6,
      blocksWithTxs: 2,
      maxPerBlock: 4,
      meanPerBlock: 3,
      blockTimeS: 2,
      txPerSecond,
    });
    const f = liveFigures(
      {
        batch: stats(6),
        transfer: stats(12),
        gasPerBatchTx: 100_000,
        gasPerBatch: 300_000,
        reverted: 0,
        clusters: 2,
      },
      2,
      3_000_000,
    );
    const byId = (id: string) => f.find((x) => x.id === id);
    expect(byId("clique.live.batch.txPerSecond")?.ratio).to.equal(0.5);
    expect(byId("clique.live.batchesPerBlock")?.value).to.equal(10);
    expect(byId("clique.live.batchesPerBlock")?.baseline?.value).to.equal(333);
    expect(byId("clique.live.batchTxsPerBlock")?.value).to.equal(30);
  });

  it("scale model sizes gateways by the per-core ingest rate when it is measured", () => {
    const n8 = anchoring.filter((f) => f.id === "anchor.perReading.n8");
    const verify = figure({ group: "g", id: "verify.eip712.core1", label: "v", value: 100, unit: "/s" });
    // Ingest on all cores is not a per-core rate: only gateway.ingest.perCore sizes the gateways.
    const allCores = figure({
      group: "g",
      id: "gateway.ingest.readingsPerSecond",
      label: "i",
      value: 100,
      unit: "/s",
    });
    const perCore = figure({ group: "g", id: "gateway.ingest.perCore", label: "c", value: 50, unit: "/s" });
    const m = scaleModel([...n8, verify, allCores, perCore], { ...DEFAULT_SCALE, clusterSizes: [8] });
    expect(m.perCoreRate).to.deep.equal({ value: 50, source: "gateway.ingest.perCore" });
    expect(
      scaleModel([...n8, verify, allCores], { ...DEFAULT_SCALE, clusterSizes: [8] }).perCoreRate?.source,
    ).to.equal("verify.eip712.core1");
  });
});
