/**
 * SPEC 11 billing on one real week of Buildings 1-12 (clusters 1-4, 5-8, 9-12), contract vs TS twin.
 * The BatchLedger, CapacityCertificates and TariffSchedule are TEST-ONLY stand-ins (contracts/test/
 * BillingStandIns.sol) until the real ones land on main; the registry is the real ClusterRegistry.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type {
  Billing,
  ClusterRegistry,
  StandInBatchLedger,
  StandInCapacityCertificates,
  StandInTariffSchedule,
} from "../types/ethers-contracts/index.js";
import { PERIODS_PER_WEEK, FIXED_ONE } from "../lib/constants.js";
import { loadBuilding } from "../lib/data/citylearn.js";
import { meterWallet } from "../lib/topology/demo-grid.js";
import { mondayOnOrBefore } from "../lib/time.js";
import { psa } from "../lib/mes.js";
import { computeBill, checkComplete, BillRefusedError, type BillReading, type Bill } from "../lib/billing.js";
import { mes } from "../lib/mes.js";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  formatBill,
  parseBillArgs,
  quoteBill,
  settleBill,
  BillNotSettleableError,
} from "../lib/ops/billing.js";
import { formatMesView, readMesView, NoAcceptedBatchError } from "../lib/ops/mes.js";
import { toJson } from "../lib/format/table.js";
import { InvalidArgumentError, InvalidFileError } from "../lib/errors.js";

const PROSUMER = 2;
const ACCEPTED = 2;
const NONE = 0;
const PENDING = 1;
const DISPUTED = 3;
const IMPORT_RATE = 250_000n; // 0.25 per kWh
const EXPORT_RATE = 80_000n; // 0.08 per kWh
/** Data week 9: Monday 3 - Sunday 9 October 2016, one of the weeks with the most curtailment (see docs/mes.md). */
const DATA_WEEK = 9;
const BUILDINGS = Array.from({ length: 12 }, (_, i) => i + 1);
const PER_CLUSTER = 4;

interface Reading {
  meter: string;
  period: number;
  importWh: bigint;
  exportWh: bigint;
  loadWh: bigint;
  generationWh: bigint;
  peakLoadW: number;
  peakGenerationW: number;
}
/** A batch without totals in the given status (for undecided and disputed periods). */
const batchWith = (status: number) => ({
  status,
  root: "0x0000000000000000",
  leafCount: 0,
  totalLoadWh: 0,
  totalGenerationWh: 0,
  psa: 0,
  decidedAt: status === PENDING || status === NONE ? 0 : 1,
  parentOverruled: false,
});
const proofOf = (reading: Reading) => ({ reading, signature: "0x", index: 0, proof: [] as string[] });

type Connection = Awaited<ReturnType<typeof network.connect>>;
let connection: Connection;

async function deployWeek() {
  const { ethers, networkHelpers } = connection;
  const [utility, dgmd, outsider, ...nodes] = await ethers.getSigners();
  const epoch = mondayOnOrBefore(BigInt(await networkHelpers.time.latest()));
  const registry = (await ethers.deployContract("ClusterRegistry", [
    utility.address,
    dgmd.address,
    epoch,
    PER_CLUSTER,
  ])) as unknown as ClusterRegistry;
  const ledger = (await ethers.deployContract("StandInBatchLedger", [
    await registry.getAddress(),
  ])) as unknown as StandInBatchLedger;
  const certificates = (await ethers.deployContract(
    "StandInCapacityCertificates",
  )) as unknown as StandInCapacityCertificates;
  const tariffs = (await ethers.deployContract("StandInTariffSchedule")) as unknown as StandInTariffSchedule;
  const billing = (await ethers.deployContract("Billing", [
    await registry.getAddress(),
    await ledger.getAddress(),
    await certificates.getAddress(),
    await tariffs.getAddress(),
  ])) as unknown as Billing;

  const week = Math.floor(Number(await registry.currentPeriod()) / PERIODS_PER_WEEK) + 1;
  const first = week * PERIODS_PER_WEEK;
  const meters: string[] = [];
  const readings = new Map<string, Reading[]>();
  const psaOf = new Map<string, bigint>(); // `${cluster}:${period}`
  const capacityOf = new Map<string, bigint>();
  for (let c = 0; c < BUILDINGS.length / PER_CLUSTER; c++) {
    const clusterId = c + 1;
    await registry.addNode(nodes[c]!.address, c * 500, 0);
    await registry.createCluster(nodes[c]!.address, c * 500, 0);
    const group = BUILDINGS.slice(c * PER_CLUSTER, (c + 1) * PER_CLUSTER);
    for (const b of group) {
      const meter = meterWallet("billing-test", b).address;
      await registry.addMeter(clusterId, meter, PROSUMER);
      const profile = loadBuilding(b);
      await certificates.setCapacity(meter, profile.capacityW, 0xffffffff);
      capacityOf.set(meter, BigInt(profile.capacityW));
      meters.push(meter);
      readings.set(
        meter,
        Array.from({ length: PERIODS_PER_WEEK }, (_, i) => {
          const p = profile.periods[DATA_WEEK * PERIODS_PER_WEEK + i]!;
          return {
            meter,
            period: first + i,
            importWh: p.importWh,
            exportWh: p.exportWh,
            loadWh: p.loadWh,
            generationWh: p.generationWh,
            peakLoadW: p.peakLoadW,
            peakGenerationW: p.peakGenerationW,
          };
        }),
      );
    }
    const periods: number[] = [];
    const batches = [];
    for (let i = 0; i < PERIODS_PER_WEEK; i++) {
      let load = 0n,
        gen = 0n;
      for (const b of group) {
        const p = loadBuilding(b).periods[DATA_WEEK * PERIODS_PER_WEEK + i]!;
        load += p.loadWh;
        gen += p.generationWh;
      }
      const share = psa(load, gen);
      psaOf.set(`${clusterId}:${first + i}`, share);
      periods.push(first + i);
      batches.push({
        status: ACCEPTED,
        root: "0x0000000000000000",
        leafCount: PER_CLUSTER,
        totalLoadWh: load,
        totalGenerationWh: gen,
        psa: share,
        decidedAt: 1,
        parentOverruled: false,
      });
    }
    await ledger.setBatches(clusterId, periods, batches);
  }
  for (const m of meters) await ledger.addProven(readings.get(m)!);
  await tariffs.publish(week, IMPORT_RATE, EXPORT_RATE);
  const clusterOfMeter = (m: string) => Math.floor(meters.indexOf(m) / PER_CLUSTER) + 1;
  /** The TS twin's view of a meter's readings. */
  const billReadings = (m: string, rs = readings.get(m)!): BillReading[] =>
    rs.map((r) => ({
      meter: r.meter,
      period: r.period,
      importWh: r.importWh,
      exportWh: r.exportWh,
      psa: psaOf.get(`${clusterOfMeter(m)}:${r.period}`)!,
      capacityW: capacityOf.get(m)!,
    }));
  const tariff = { importRate: IMPORT_RATE, exportRate: EXPORT_RATE, sourceWeek: week, isFallback: false };
  return {
    ethers,
    billing,
    registry,
    ledger,
    certificates,
    tariffs,
    outsider,
    week,
    first,
    meters,
    readings,
    billReadings,
    tariff,
    clusterOfMeter,
    psaOf,
  };
}

type Fixture = Awaited<ReturnType<typeof deployWeek>>;

/** The contract's Bill as the TS shape. */
function asBill(b: Billing.BillStructOutput): Bill {
  return {
    meter: b.meter,
    week: Number(b.week),
    charge: b.charge,
    credit: b.credit,
    net: b.net,
    importWh: b.importWh,
    exportWh: b.exportWh,
    creditedExportWh: b.creditedExportWh,
    curtailedExportWh: b.curtailedExportWh,
    readings: Number(b.readings),
    undecidedPeriods: Number(b.undecidedPeriods),
    importRate: b.importRate,
    exportRate: b.exportRate,
    tariffWeek: Number(b.tariffWeek),
    tariffFallback: b.tariffFallback,
  };
}

describe("Billing (SPEC 11) on a real week of Buildings 1-12", function () {
  let f: Fixture;

  before(async () => {
    connection = await network.connect();
  });

  beforeEach(async () => {
    f = await connection.networkHelpers.loadFixture(deployWeek);
  });

  it("quotes every meter exactly as the TS twin, with real curtailment", async () => {
    let curtailed = 0n;
    for (const m of f.meters) {
      const quoted = asBill(await f.billing.quote(m, f.week, f.readings.get(m)!.map(proofOf)));
      const expected = computeBill(m, f.week, f.billReadings(m), f.tariff);
      expect(quoted).to.deep.equal(expected);
      expect(quoted.credit).to.be.greaterThan(0n);
      curtailed += quoted.curtailedExportWh;
    }
    // The real summer week curtails export: otherwise this test would not exercise the share at all.
    expect(curtailed).to.be.greaterThan(0n);
  });

  it("settles once, emits the bill, and refuses a second settlement with the recorded values", async () => {
    const m = f.meters[0]!;
    const proofs = f.readings.get(m)!.map(proofOf);
    const b = computeBill(m, f.week, f.billReadings(m), f.tariff);
    await expect(f.billing.connect(f.outsider).settle(m, f.week, proofs))
      .to.emit(f.billing, "BillSettled")
      .withArgs(
        m,
        f.week,
        f.outsider.address,
        b.charge,
        b.credit,
        b.net,
        b.creditedExportWh,
        b.curtailedExportWh,
        f.week,
        false,
      );
    const s = await f.billing.settlementOf(m, f.week);
    expect([s.charge, s.credit, s.readings, s.settled]).to.deep.equal([b.charge, b.credit, 42n, true]);
    await expect(f.billing.settle(m, f.week, proofs))
      .to.be.revertedWithCustomError(f.billing, "AlreadySettled")
      .withArgs(m, f.week, b.charge, b.credit, b.net);
  });

  it("gas: settling a meter-week with 42 proofs, and the cost per reading", async () => {
    const full = f.meters[1]!;
    const g42 = (await (await f.billing.settle(full, f.week, f.readings.get(full)!.map(proofOf))).wait())!
      .gasUsed;
    // Another meter of the same cluster with half its periods omitted (their batch not decided by the
    // quorum: Disputed): the difference is what 21 proven readings cost over 21 batch look-ups.
    const half = f.meters[2]!;
    for (let i = 21; i < PERIODS_PER_WEEK; i++) await f.ledger.setBatch(1, f.first + i, batchWith(DISPUTED));
    const proofs = f.readings.get(half)!.slice(0, 21).map(proofOf);
    const g21 = (await (await f.billing.settle(half, f.week, proofs)).wait())!.gasUsed;
    console.log(
      `      gas (stand-in ledger: no ECDSA/Merkle check): settle 42 proofs = ${g42}, per reading ~${(g42 - g21) / 21n}`,
    );
    expect(g42).to.be.greaterThan(g21);
  });

  it("pays no export to a deauthorized prosumer from the period it lost its authorization", async () => {
    const m = f.meters[4]!;
    const cut = f.first + 20;
    await f.certificates.setCapacity(m, 4_000, cut);
    const tsReadings = f.billReadings(m).map((r) => (r.period >= cut ? { ...r, capacityW: 0n } : r));
    const quoted = asBill(await f.billing.quote(m, f.week, f.readings.get(m)!.map(proofOf)));
    expect(quoted).to.deep.equal(computeBill(m, f.week, tsReadings, f.tariff));
    const full = computeBill(m, f.week, f.billReadings(m), f.tariff);
    expect(quoted.credit).to.be.lessThan(full.credit);
    expect(await f.billing.mesOf(m, cut)).to.equal(0n);
  });

  it("mesOf is PSA x capacity of the batch, rounded down", async () => {
    for (const m of f.meters.slice(0, 4)) {
      for (let i = 0; i < PERIODS_PER_WEEK; i += 7) {
        const p = f.first + i;
        const share = f.psaOf.get(`${f.clusterOfMeter(m)}:${p}`)!;
        expect(await f.billing.mesOf(m, p)).to.equal(
          mes(share, BigInt(loadBuilding(f.meters.indexOf(m) + 1).capacityW)),
        );
      }
    }
    await expect(f.billing.mesOf(f.meters[0]!, f.first + 100))
      .to.be.revertedWithCustomError(f.billing, "BatchNotAccepted")
      .withArgs(1, f.first + 100, 0);
    await expect(f.billing.mesOf(f.outsider.address, f.first))
      .to.be.revertedWithCustomError(f.billing, "UnknownMeter")
      .withArgs(f.outsider.address);
  });

  describe("refusals", () => {
    it("a reading of another meter", async () => {
      const [a, b] = f.meters as [string, string];
      const proofs = f.readings.get(a)!.map(proofOf);
      proofs[3] = proofOf(f.readings.get(b)![3]!);
      await expect(f.billing.quote(a, f.week, proofs))
        .to.be.revertedWithCustomError(f.billing, "ReadingOfOtherMeter")
        .withArgs(a, b, 3);
      expect(() =>
        computeBill(a, f.week, [...f.billReadings(a).slice(0, 3), ...f.billReadings(b).slice(3)], f.tariff),
      )
        .to.throw(BillRefusedError)
        .with.property("code", "ReadingOfOtherMeter");
    });

    it("a reading outside the week", async () => {
      const m = f.meters[0]!;
      const outside = { ...f.readings.get(m)![41]!, period: f.first + 42 };
      const proofs = [...f.readings.get(m)!.map(proofOf), proofOf(outside)];
      await expect(f.billing.quote(m, f.week, proofs))
        .to.be.revertedWithCustomError(f.billing, "ReadingOutsideWeek")
        .withArgs(f.week, f.first + 42, 42);
    });

    it("a duplicate or out-of-order period", async () => {
      const m = f.meters[0]!;
      const rs = f.readings.get(m)!;
      const dup = [...rs.slice(0, 6), rs[5]!, ...rs.slice(6)].map(proofOf);
      await expect(f.billing.quote(m, f.week, dup))
        .to.be.revertedWithCustomError(f.billing, "PeriodsNotIncreasing")
        .withArgs(f.first + 5, f.first + 5, 6);
      const swapped = [rs[1]!, rs[0]!, ...rs.slice(2)].map(proofOf);
      await expect(f.billing.quote(m, f.week, swapped))
        .to.be.revertedWithCustomError(f.billing, "PeriodsNotIncreasing")
        .withArgs(f.first + 1, f.first, 1);
      const ts = f.billReadings(m);
      expect(() => computeBill(m, f.week, [ts[1]!, ts[0]!], f.tariff))
        .to.throw(BillRefusedError)
        .with.property("code", "PeriodsNotIncreasing");
    });

    it("an omitted period whose batch is accepted (IncompleteBill), but not one whose batch is disputed", async () => {
      const m = f.meters[0]!;
      const rs = f.readings.get(m)!;
      const omitted = [...rs.slice(0, 17), ...rs.slice(18)].map(proofOf);
      await expect(f.billing.quote(m, f.week, omitted))
        .to.be.revertedWithCustomError(f.billing, "IncompleteBill")
        .withArgs(m, f.week, f.first + 17);
      expect(() =>
        checkComplete(
          m,
          f.week,
          f.billReadings(m).filter((r) => r.period !== f.first + 17),
          [f.first + 17],
        ),
      )
        .to.throw(BillRefusedError)
        .with.property("code", "IncompleteBill");
      await f.ledger.setBatch(1, f.first + 17, batchWith(DISPUTED));
      const quoted = asBill(await f.billing.quote(m, f.week, omitted));
      const tsReadings = f.billReadings(m).filter((r) => r.period !== f.first + 17);
      expect(quoted).to.deep.equal(computeBill(m, f.week, tsReadings, f.tariff));
      // A reading of a disputed batch does not count: the ledger refuses its proof.
      await expect(f.billing.quote(m, f.week, rs.map(proofOf))).to.be.revertedWithCustomError(
        f.ledger,
        "BatchNotAccepted",
      );
    });

    it("a reading the ledger cannot prove (altered values)", async () => {
      const m = f.meters[0]!;
      const proofs = f.readings.get(m)!.map(proofOf);
      const r = proofs[10]!.reading;
      proofs[10] = proofOf({ ...r, exportWh: r.exportWh + 1000n, loadWh: r.loadWh + 1000n });
      await expect(f.billing.quote(m, f.week, proofs))
        .to.be.revertedWithCustomError(f.ledger, "UnprovenReading")
        .withArgs(m, f.first + 10);
    });

    it("settling while a batch of the week is undecided (the quote says so)", async () => {
      const m = f.meters[0]!;
      const rs = f.readings.get(m)!;
      await f.ledger.setBatch(1, f.first + 40, batchWith(PENDING));
      await f.ledger.setBatch(1, f.first + 41, batchWith(NONE));
      const proofs = rs.slice(0, 40).map(proofOf);
      expect((await f.billing.quote(m, f.week, proofs)).undecidedPeriods).to.equal(2n);
      await expect(f.billing.settle(m, f.week, proofs))
        .to.be.revertedWithCustomError(f.billing, "WeekNotDecided")
        .withArgs(m, f.week, f.first + 40, PENDING);
    });

    it("an unknown meter and a week beyond the period range", async () => {
      await expect(f.billing.quote(f.outsider.address, f.week, []))
        .to.be.revertedWithCustomError(f.billing, "UnknownMeter")
        .withArgs(f.outsider.address);
      const lastWeek = Math.floor(0xffffffff / PERIODS_PER_WEEK);
      await expect(f.billing.quote(f.meters[0]!, lastWeek, []))
        .to.be.revertedWithCustomError(f.billing, "WeekOutOfRange")
        .withArgs(lastWeek);
    });

    it("zero addresses at deployment", async () => {
      const factory = await f.ethers.getContractFactory("Billing");
      const zero = "0x0000000000000000000000000000000000000000";
      await expect(
        factory.deploy(
          await f.registry.getAddress(),
          zero,
          await f.certificates.getAddress(),
          await f.tariffs.getAddress(),
        ),
      ).to.be.revertedWithCustomError(f.billing, "ZeroAddress");
    });
  });

  it("records the tariff fallback when the week has no published tariff", async () => {
    const m = f.meters[0]!;
    const q = await f.billing.quote(m, f.week + 1, []);
    expect([q.tariffWeek, q.tariffFallback, q.undecidedPeriods, q.net]).to.deep.equal([
      BigInt(f.week),
      true,
      42n,
      0n,
    ]);
  });

  it("credits are negative nets: a pure exporter is owed money", () => {
    const b = computeBill(
      "0x0000000000000000000000000000000000000001",
      0,
      [
        {
          meter: "0x0000000000000000000000000000000000000001",
          period: 0,
          importWh: 0n,
          exportWh: 1_000n,
          psa: FIXED_ONE,
          capacityW: 4_000n,
        },
      ],
      { importRate: IMPORT_RATE, exportRate: EXPORT_RATE, sourceWeek: 0, isFallback: false },
    );
    expect([b.charge, b.credit, b.net]).to.deep.equal([0n, 80_000_000n, -80_000_000n]);
  });

  describe("operator tasks' logic (lib/ops)", () => {
    const proofsFile = (content: unknown) => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), "gridshare-bill-")), "proofs.json");
      writeFileSync(file, typeof content === "string" ? content : toJson(content));
      return file;
    };

    it("bill:quote reads a proofs file, quotes, and agrees with the TS twin; bill:settle settles once", async () => {
      const m = f.meters[5]!;
      const file = proofsFile(f.readings.get(m)!.map(proofOf));
      const args = parseBillArgs({ meter: m, week: String(f.week), proofs: file });
      const q = await quoteBill(f.billing, args);
      expect(q.agrees).to.equal(true);
      expect(q.bill).to.deep.equal(computeBill(m, f.week, f.billReadings(m), f.tariff));
      expect(formatBill(q)).to.contain("TS twin agrees").and.contain("not settled");
      const s = await settleBill(f.billing, args);
      expect(s.gasUsed).to.be.greaterThan(0n);
      await expect(settleBill(f.billing, args)).to.be.rejectedWith(BillNotSettleableError, "already settled");
    });

    it("bill:settle refuses before sending while batches are undecided", async () => {
      const m = f.meters[0]!;
      await f.ledger.setBatch(1, f.first + 41, batchWith(PENDING));
      const file = proofsFile(f.readings.get(m)!.slice(0, 41).map(proofOf));
      const args = parseBillArgs({ meter: m, week: String(f.week), proofs: file });
      await expect(settleBill(f.billing, args)).to.be.rejectedWith(BillNotSettleableError, "undecided");
    });

    it("refuses bad arguments before any call", () => {
      const m = f.meters[0]!;
      const good = proofsFile([]);
      expect(() => parseBillArgs({ meter: "0x12", week: "1", proofs: good })).to.throw(
        InvalidArgumentError,
        "--meter",
      );
      expect(() => parseBillArgs({ meter: m, week: "-1", proofs: good })).to.throw(
        InvalidArgumentError,
        "--week",
      );
      expect(() => parseBillArgs({ meter: m, week: "1.5", proofs: good })).to.throw(
        InvalidArgumentError,
        "--week",
      );
      expect(() => parseBillArgs({ meter: m, week: "1", proofs: "" })).to.throw(
        InvalidArgumentError,
        "--proofs",
      );
      expect(() => parseBillArgs({ meter: m, week: "1", proofs: "/nonexistent.json" })).to.throw(
        InvalidArgumentError,
      );
      expect(() => parseBillArgs({ meter: m, week: "1", proofs: proofsFile("{") })).to.throw(
        InvalidFileError,
        "not JSON",
      );
      const bad = { ...proofOf(f.readings.get(m)![0]!), proof: ["0x12"] };
      expect(() => parseBillArgs({ meter: m, week: "1", proofs: proofsFile([bad]) })).to.throw(
        InvalidFileError,
        "8-byte",
      );
      const big = proofOf({ ...f.readings.get(m)![0]!, importWh: 2n ** 64n });
      expect(() => parseBillArgs({ meter: m, week: "1", proofs: proofsFile([big]) })).to.throw(
        InvalidFileError,
        "uint64",
      );
    });

    it("mes:show shows the cluster-period and agrees with the chain", async () => {
      // Find a curtailing period of cluster 1 in the real week.
      const i = Array.from({ length: PERIODS_PER_WEEK }, (_, k) => k).find(
        (k) => f.psaOf.get(`1:${f.first + k}`)! < FIXED_ONE,
      )!;
      const v = await readMesView(f.billing, 1, f.first + i);
      expect(v.curtailing).to.equal(true);
      expect(v.agrees).to.equal(true);
      expect(v.psa + v.decrementalFactor).to.equal(FIXED_ONE);
      expect(v.meters.map((x) => x.mesW)).to.deep.equal(
        f.meters.slice(0, 4).map((m) => mes(v.psa, BigInt(loadBuilding(f.meters.indexOf(m) + 1).capacityW))),
      );
      expect(formatMesView(v)).to.contain("agree");
      await expect(readMesView(f.billing, 1, f.first + 100)).to.be.rejectedWith(NoAcceptedBatchError);
      await expect(readMesView(f.billing, 9, f.first)).to.be.rejectedWith(InvalidArgumentError, "--cluster");
    });
  });
});
