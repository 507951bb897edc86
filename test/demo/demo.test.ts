/**
 * The demo run for one week of Buildings 1-12: every number of its report is checked against the data files
 * and the chain, and the report is opened in a real headless browser.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FIXED_ONE, PERIODS_PER_WEEK } from "../../lib/constants.js";
import { loadBuilding } from "../../lab/data/citylearn.js";
import { periodStart } from "../../lib/time.js";
import { readingFromEnergy } from "../../lib/batches/reading.js";
import { allowedExportWh } from "../../lib/billing/billing.js";
import { runDemo, type DemoOutcome } from "../../lab/demo/run.js";
import { Progress } from "../../lab/demo/progress.js";
import { overCapacityReading, planAttacks } from "../../lab/demo/attacks.js";
import { parseDemoArgs } from "../../lab/demo/options.js";
import { demoClusters } from "../../lab/fixtures/demo-grid.js";
import { checkReportInBrowser } from "../../lab/report/browser.js";
import { expectRendered } from "../helpers/report.js";
import { chromiumOrSkip } from "../helpers/chromium.js";
import type {
  BatchLedger,
  Billing,
  CapacityCertificates,
  ClusterRegistry,
  TariffSchedule,
} from "../../types/ethers-contracts/index.js";

const W = PERIODS_PER_WEEK;
const BUILDINGS = "1-12";
const SEED = "demo-test";
const DATA_WEEK = 38;

describe("npm run demo: one week of Buildings 1-12", function () {
  this.timeout(300_000);
  let outcome: DemoOutcome;
  let ledger: BatchLedger;
  let registry: ClusterRegistry;
  let certificates: CapacityCertificates;
  let tariffs: TariffSchedule;
  let billing: Billing;
  let epoch: bigint;
  const dataOffset = (DATA_WEEK - 1) * W;
  const layout = demoClusters([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], SEED);
  const attacks = planAttacks(
    SEED,
    layout.map((c, i) => ({ clusterId: i + 1, buildings: c.meters.map((m) => m.building) })),
  );

  before(async () => {
    const connection = await network.create();
    const opts = parseDemoArgs({
      weeks: "1",
      buildings: BUILDINGS,
      seed: SEED,
      dataWeek: String(DATA_WEEK),
      report: path.join(mkdtempSync(path.join(tmpdir(), "gridshare-demo-")), "demo.html"),
      quiet: true,
      json: false,
    });
    outcome = await runDemo(connection, opts, Progress.for(true));
    const { ethers } = connection;
    const c = outcome.report.contracts;
    ledger = (await ethers.getContractAt("BatchLedger", c.BatchLedger!)) as unknown as BatchLedger;
    certificates = (await ethers.getContractAt(
      "CapacityCertificates",
      c.CapacityCertificates!,
    )) as unknown as CapacityCertificates;
    tariffs = (await ethers.getContractAt("TariffSchedule", c.TariffSchedule!)) as unknown as TariffSchedule;
    billing = (await ethers.getContractAt("Billing", c.Billing!)) as unknown as Billing;
    registry = (await ethers.getContractAt(
      "ClusterRegistry",
      c.ClusterRegistry!,
    )) as unknown as ClusterRegistry;
    epoch = BigInt(await registry.epoch());
  });

  const proofsOnChain = () =>
    outcome.report.notes?.some((n) => n.includes("settled by the Billing contract"));

  /** What a cluster's meters measured in a grid period, per the data files (and the injected faults). */
  function dataTotals(clusterId: number, period: number): { load: bigint; gen: bigint; meters: number } {
    let load = 0n;
    let gen = 0n;
    let meters = 0;
    for (const m of layout[clusterId - 1]!.meters) {
      // The tamper victim's reading of the alarm period never counts.
      if (m.building === attacks.tamper.building && period === attacks.tamper.alarmPeriod) continue;
      const p = loadBuilding(m.building).periods[period + dataOffset]!;
      let g = p.generationWh;
      if (
        proofsOnChain() &&
        m.building === attacks.overCapacity.building &&
        period === attacks.overCapacity.period
      ) {
        g = overCapacityReading(
          readingFromEnergy(m.wallet.address, period, p),
          BigInt(m.capacityW),
        ).generationWh;
      }
      load += p.loadWh;
      gen += g;
      meters++;
    }
    return { load, gen, meters };
  }

  it("accepts every batch of the week with the data files' totals, as the chain holds them", async () => {
    const rows = outcome.report.periods;
    expect(rows).to.have.length(3 * W);
    for (const row of rows) {
      const data = dataTotals(row.clusterId, row.period);
      const b = await ledger.batchOf(row.clusterId, row.period);
      const where = `cluster ${row.clusterId} period ${row.period}`;
      expect(row.status, where).to.equal("accepted");
      expect(b.status, where).to.equal(2n);
      expect(BigInt(row.loadWh), where).to.equal(data.load);
      expect(BigInt(row.generationWh), where).to.equal(data.gen);
      expect(b.totalLoadWh, where).to.equal(data.load);
      expect(b.totalGenerationWh, where).to.equal(data.gen);
      expect(Number(b.leafCount), where).to.equal(data.meters);
      expect(row.psa, where).to.equal(Number(b.psa) / Number(FIXED_ONE));
      const overruled =
        row.clusterId === attacks.lyingParent.clusterId && row.period === attacks.lyingParent.period;
      expect(row.parentOverruled, where).to.equal(overruled);
    }
    // Spring week: the clusters have surplus periods, so curtailment shows.
    expect(rows.filter((r) => r.psa < 1).length).to.be.greaterThan(30);
  });

  it("publishes the week's tariff before it starts, from the forecast, with the data's actuals beside it", async () => {
    expect(outcome.report.forecasts).to.have.length(1);
    const f = outcome.report.forecasts[0]!;
    expect(f.week).to.equal(1);
    const [published, isPublished] = await tariffs.publishedTariff(1);
    expect(isPublished).to.equal(true);
    expect(BigInt(f.forecastLoadWh)).to.equal(published.forecastLoadWh);
    expect(BigInt(f.forecastGenerationWh)).to.equal(published.forecastGenerationWh);
    expect(BigInt(f.importRate)).to.equal(published.importRate);
    expect(BigInt(f.exportRate)).to.equal(published.exportRate);
    expect(f.fallback).to.equal(false);
    let load = 0n;
    let gen = 0n;
    for (let b = 1; b <= 12; b++) {
      for (let p = W; p < 2 * W; p++) {
        load += loadBuilding(b).periods[p + dataOffset]!.loadWh;
        gen += loadBuilding(b).periods[p + dataOffset]!.generationWh;
      }
    }
    expect(BigInt(f.actualLoadWh)).to.equal(load);
    expect(BigInt(f.actualGenerationWh)).to.equal(gen);
    // Published during week 0, before week 1's first period starts.
    const events = await tariffs.queryFilter(tariffs.filters.TariffPublished(1));
    expect(events).to.have.length(1);
    const block = await events[0]!.getBlock();
    expect(BigInt(block.timestamp)).to.be.lessThan(periodStart(W, epoch));
  });

  it("bills every meter-week with the data's energy, the on-chain tariff, PSA and certificates", async () => {
    const bills = outcome.report.bills;
    // 12 homes, plus the tamper victim's replacement meter.
    expect(bills).to.have.length(13);
    const f = outcome.report.forecasts[0]!;
    for (const bill of bills) {
      const where = `building ${bill.building} meter ${bill.meter}`;
      const slot = layout
        .flatMap((c, i) => c.meters.map((m) => ({ ...m, clusterId: i + 1 })))
        .find((m) => m.building === bill.building)!;
      let importWh = 0n;
      let exportWh = 0n;
      let curtailed = 0n;
      let readings = 0;
      for (let p = W; p < 2 * W; p++) {
        const b = await ledger.batchOf(slot.clusterId, p);
        const isVictim = bill.building === attacks.tamper.building;
        const original = bill.meter === slot.wallet.address;
        if (isVictim && (original ? p >= attacks.tamper.alarmPeriod : p <= attacks.tamper.alarmPeriod))
          continue;
        let d = loadBuilding(bill.building).periods[p + dataOffset]!;
        if (
          proofsOnChain() &&
          bill.building === attacks.overCapacity.building &&
          p === attacks.overCapacity.period
        ) {
          d = {
            ...d,
            ...overCapacityReading(readingFromEnergy(bill.meter, p, d), BigInt(slot.capacityW)),
          };
        }
        const cap = await certificates.authorizedCapacityAt(bill.meter, p);
        const allowed = d.exportWh === 0n ? 0n : allowedExportWh(b.psa, cap);
        importWh += d.importWh;
        exportWh += d.exportWh;
        curtailed += d.exportWh > allowed ? d.exportWh - allowed : 0n;
        readings++;
      }
      expect(bill.readings, where).to.equal(readings);
      expect(BigInt(bill.importWh!), where).to.equal(importWh);
      expect(BigInt(bill.exportWh!), where).to.equal(exportWh);
      expect(BigInt(bill.curtailedWh), where).to.equal(curtailed);
      // Amounts are exact nano-units on-chain; the report shows currency units.
      const charge = importWh * BigInt(f.importRate);
      const credit = (exportWh - curtailed) * BigInt(f.exportRate);
      const nano = (units: number) => BigInt(Math.round(units * 1e9));
      expect(nano(bill.charge), where).to.equal(charge);
      expect(nano(bill.credit), where).to.equal(credit);
      expect(nano(bill.net), where).to.equal(charge - credit);
      // Settled on-chain by Billing from the proven readings, with the same amounts.
      expect(bill.settled, where).to.equal(true);
      const settled = await billing.settlementOf(bill.meter, 1);
      expect(settled.settled, where).to.equal(true);
      expect(settled.charge, where).to.equal(charge);
      expect(settled.credit, where).to.equal(credit);
      expect(Number(settled.readings), where).to.equal(readings);
    }
    expect(bills.reduce((s, b) => s + b.curtailedWh, 0)).to.be.greaterThan(0);
  });

  it("shows how the system answered each injected attack, and every one that ran held", async () => {
    const attacksRun = outcome.report.attacks;
    expect(attacksRun).to.have.length(4);
    for (const a of attacksRun) {
      expect(a.skipped, a.scenario).to.equal(undefined);
      expect(a.held, `${a.scenario}: ${a.observed}`).to.equal(true);
    }
    // The over-capacity prosumer is deauthorized from the proven period on: no MES, no paid export.
    const over = layout[2]!.meters.find((m) => m.building === attacks.overCapacity.building)!;
    expect(
      await certificates.authorizedCapacityAt(over.wallet.address, attacks.overCapacity.period - 1),
    ).to.equal(BigInt(over.capacityW));
    expect(
      await certificates.authorizedCapacityAt(over.wallet.address, attacks.overCapacity.period),
    ).to.equal(0n);
    const liar = outcome.report.clusters[attacks.lyingParent.clusterId - 1]!.parent;
    expect(await ledger.faults(liar)).to.equal(1n);
    const kinds = outcome.report.events.map((e) => e.kind);
    expect(kinds).to.include.members([
      "fault",
      "tamper alarm",
      "meter replaced",
      "reading refused",
      "prosumer deauthorized",
    ]);
  });

  it("counts submissions, attestations and gas from the chain", async () => {
    const r = outcome.report;
    let onRecord = 0;
    for (const p of r.periods) {
      const v = await ledger.votesOf(p.clusterId, p.period);
      for (let slot = 0; slot < v.voters.length; slot++) if ((v.votedMask >> BigInt(slot)) & 1n) onRecord++;
    }
    expect(onRecord).to.be.greaterThan(0);
    expect(r.voters.reduce((s, v) => s + v.attestations, 0)).to.equal(onRecord);
    for (const v of r.voters) expect(BigInt(v.faults)).to.equal(await ledger.faults(v.node));
    // Each node is counted under its own key, beside the cluster it parents; its attestations on record (its
    // own, whoever carried them) cover every cluster-period it votes in.
    for (const v of r.voters) {
      expect(r.clusters[v.parentOf! - 1]!.parent, v.node).to.equal(v.node);
      let duties = 0;
      for (const c of r.clusters) if ((await registry.votersOf(c.clusterId)).includes(v.node)) duties += W;
      expect(v.attestations, `${v.node}, parent of ${v.parentOf}`).to.equal(duties);
    }
    const gas = Object.fromEntries(r.gas.map((g) => [g.operation, g]));
    // Every ledger submission a node's gateway sent (parents carrying their neighbours' attestations).
    expect(r.voters.reduce((s, v) => s + v.submissions, 0)).to.equal(gas["BatchLedger.submit"]?.count);
    expect(gas["BatchLedger.submit"]!.count).to.be.lessThan(onRecord);
    expect(gas["TariffSchedule.publish"]?.count).to.equal(1);
    expect(gas["CapacityCertificates.submitCertificate"]?.count).to.equal(12);
    expect(gas["deploy ClusterRegistry"]?.count).to.equal(1);
    expect(gas["Billing.settle"]?.count).to.equal(r.bills.length);
    expect(gas["CapacityCertificates.proveOverCapacity"]?.count).to.equal(1);
    for (const g of r.gas) expect(g.totalGas, g.operation).to.be.greaterThan(0);
    // Every meter posts to its cluster's 3 gateways: all readings accepted but the tampered one; the forged
    // and the tampered readings quarantined by each.
    const sum = (f: (v: (typeof r.voters)[number]) => number | undefined) =>
      r.voters.reduce((s, v) => s + (f(v) ?? 0), 0);
    expect(sum((v) => v.readingsAccepted)).to.equal((12 * W - 1) * 3);
    expect(sum((v) => v.readingsRefused)).to.equal(2 * 3);
  });

  it("writes a report that renders in a real browser with no console error", async function () {
    await chromiumOrSkip(this);
    const check = await checkReportInBrowser(outcome.reportPath);
    expectRendered(check, [
      "load-generation:1",
      "load-generation:2",
      "load-generation:3",
      "psa",
      "forecast",
      "bills",
    ]);
    expect(check.plots[0]!.points).to.equal(2 * W);
    expect(check.tables.batches).to.equal(outcome.report.periods.length);
    expect(check.tables.bills).to.equal(outcome.report.bills.length);
    expect(check.tables.attacks).to.equal(outcome.report.attacks.length);
    expect(check.tables.events).to.equal(outcome.report.events.length);
    expect(check.tables.voters).to.equal(3);
  });
});
