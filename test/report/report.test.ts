import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadBuilding } from "../../lab/data/citylearn.js";
import { renderReport } from "../../lab/report/html.js";
import { checkReportInBrowser } from "../../lab/report/browser.js";
import { expectRendered } from "../helpers/report.js";
import type { DemoReport } from "../../lab/report/model.js";
import { periodWhen, reportTime } from "../../lab/report/time.js";
import { chromiumOrSkip } from "../helpers/chromium.js";

/** A Monday 00:00 UTC as the sample's chain epoch (2026-11-23). */
const SAMPLE_EPOCH = Date.UTC(2026, 10, 23) / 1000;

/** A report built straight from one real week of Buildings 1-8 (no chain): the renderer's input contract. */
function sampleReport(): DemoReport {
  const clusters = [1, 2].map((clusterId) => ({
    clusterId,
    parent: `0x${String(clusterId).repeat(40)}`,
    neighbours: [],
    meters: [1, 2, 3, 4].map((i) => {
      const building = (clusterId - 1) * 4 + i;
      return {
        building,
        address: `0x${building.toString(16).padStart(40, "0")}`,
        kind: "prosumer",
        capacityW: loadBuilding(building).capacityW,
      };
    }),
  }));
  const periods = clusters.flatMap((c) =>
    Array.from({ length: 42 }, (_, period) => {
      let load = 0;
      let gen = 0;
      for (const m of c.meters) {
        const p = loadBuilding(m.building).periods[period];
        load += Number(p.loadWh);
        gen += Number(p.generationWh);
      }
      return {
        clusterId: c.clusterId,
        period,
        loadWh: load,
        generationWh: gen,
        psa: gen > load ? load / gen : 1,
        status: c.clusterId === 2 && period === 5 ? ("disputed" as const) : ("accepted" as const),
        parentOverruled: false,
      };
    }),
  );
  return {
    title: "GridShare report (sample)",
    generatedAt: "2026-11-24T00:00:00Z",
    seed: "sample",
    weeks: 1,
    buildings: [1, 2, 3, 4, 5, 6, 7, 8],
    time: reportTime(SAMPLE_EPOCH, 0),
    chainId: "31337",
    contracts: { ClusterRegistry: "0x0000000000000000000000000000000000000001" },
    clusters,
    periods,
    forecasts: [
      {
        week: 0,
        forecastLoadWh: 1,
        forecastGenerationWh: 2,
        actualLoadWh: 3,
        actualGenerationWh: 4,
        importRate: 250000,
        exportRate: 80000,
        fallback: false,
      },
    ],
    bills: clusters.flatMap((c) =>
      c.meters.map((m) => ({
        building: m.building,
        meter: m.address,
        week: 0,
        charge: 5,
        credit: 2,
        net: 3,
        settled: true,
        curtailedWh: 0,
      })),
    ),
    voters: [{ node: clusters[0].parent, parentOf: 1, submissions: 42, attestations: 126, faults: 0 }],
    events: [{ period: 3, kind: "tamper", subject: "0x1", detail: "<script>alert(1)</script>" }],
    gas: [{ operation: "submit", count: 84, totalGas: 84 * 60000 }],
    attacks: [
      { scenario: "lying parent", period: 20, expected: "overruled", observed: "overruled", held: true },
    ],
    summary: { "batches accepted": 84, "curtailed periods": periods.filter((p) => p.psa < 1).length },
  };
}

function writeReport(report: DemoReport): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gridshare-report-")), "report.html");
  writeFileSync(file, renderReport(report));
  return file;
}

const DAY_TICK = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/;

/** Ticks a person reads at a glance: evenly spaced by 1, 2 or 5 times a power of ten, on multiples of it. */
function expectRoundTicks(ticks: number[], what: string): void {
  expect(ticks.length, what).to.be.greaterThan(2);
  const step = ticks[1]! - ticks[0]!;
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  expect(
    [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9),
    `${what}: step ${step}`,
  ).to.equal(true);
  // Plain comparisons: Hardhat's chai matchers turn closeTo on whole numbers into bigint arithmetic.
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
  for (const [i, t] of ticks.entries()) {
    expect(near(t / step, Math.round(t / step)), `${what}: tick ${t} is not a multiple of ${step}`).to.equal(
      true,
    );
    if (i) expect(near(t - ticks[i - 1]!, step), `${what}: tick ${t} breaks the step ${step}`).to.equal(true);
  }
}

describe("HTML report", () => {
  it("is one self-contained file: the charting library and the page script are inlined", () => {
    const html = renderReport(sampleReport());
    expect(html).to.not.match(/<script[^>]+src=|<link[^>]+href=|@import|url\(http/i);
    expect(html).to.include("uPlot"); // the library itself, with its licence notice
    expect(html).to.match(/<!-- uPlot \d+\.\d+\.\d+, MIT licence, Copyright/);
    expect(html).to.include("batch-text"); // the batches filter
    // The injected detail is escaped in the table and in the embedded data.
    expect(html).to.not.include("<script>alert(1)</script>");
  });

  it("shows each batch and event with the data's date (grid period 0 = Monday 2016-08-01 in the sample)", () => {
    const r = sampleReport();
    expect(periodWhen(r.time, 0)).to.equal("Mon 1 Aug 2016 00:00-04:00");
    expect(periodWhen(r.time, 9)).to.equal("Tue 2 Aug 2016 12:00-16:00");
    const html = renderReport(r);
    expect(html).to.include(`<td class="when">Tue 2 Aug 2016 12:00-16:00</td>`);
  });
});

describe("HTML report in a real browser", function () {
  this.timeout(60_000);

  before(async function () {
    await chromiumOrSkip(this);
  });

  it("renders every plot and table with no console error", async () => {
    const report = sampleReport();
    const check = await checkReportInBrowser(writeReport(report));
    expectRendered(check, ["load-generation:1", "load-generation:2", "psa", "forecast", "bills"]);
    expect(check.title).to.equal(report.title);
    const series = [2, 2, 2, 4, 1]; // load + generation, one line per cluster, 4 bars per week, 1 per home
    for (const [i, p] of check.plots.entries()) {
      expect(p.seriesDrawn, p.plot).to.equal(series[i]);
      expect(p.inkPixels, p.plot).to.be.greaterThan(1000);
    }
    expect(check.plots[0].points).to.equal(84); // 42 periods x (load, generation)
    expect(check.tables.bills).to.equal(8);
    expect(check.tables.events).to.equal(1); // the script-like detail is shown as text, not run
    expect(check.tables.batches).to.equal(report.periods.length);
  });

  it("puts dates on the time axis, round ticks on the value axis, tooltips and attack/alarm markers", async () => {
    const report = sampleReport();
    const check = await checkReportInBrowser(writeReport(report));
    expect(check.consoleErrors).to.deep.equal([]);
    const byName = Object.fromEntries(check.plots.map((p) => [p.plot, p]));
    for (const name of ["load-generation:1", "load-generation:2", "psa"]) {
      const p = byName[name]!;
      // Daily ticks at midnight UTC from Monday 1 August 2016, the data's first period.
      expect(p.xTicks, name).to.include.members(["Mon 1 Aug", "Tue 2 Aug", "Wed 3 Aug"]);
      for (const t of p.xTicks) expect(t, name).to.match(DAY_TICK);
      expectRoundTicks(p.yTicks, name);
      // One attack (period 20) and one alarm (period 3) shaded in time.
      expect(p.marks, name).to.equal(2);
    }
    for (const name of ["forecast", "bills"]) expectRoundTicks(byName[name]!.yTicks, name);
    const psa = byName.psa!.yTicks;
    expect(Math.min(...psa)).to.equal(0);
    expect(Math.abs(Math.max(...psa) - 1) < 1e-9, `PSA axis tops at ${Math.max(...psa)}`).to.equal(true); // 100%
    // Hovering a plot shows its values with units, and when they were measured.
    expect(byName["load-generation:1"]!.tooltip).to.match(
      /^cluster 1: \w{3} \d+ Aug 2016 \d\d:00-\d\d:00 UTC/,
    );
    expect(byName["load-generation:1"]!.tooltip).to.match(/load [\d.,]+ kWh/);
    expect(byName["load-generation:1"]!.tooltip).to.match(/generation [\d.,]+ kWh/);
    expect(byName["load-generation:1"]!.tooltip).to.match(/grid period \d+; on chain \w{3} \d+ \w{3} 2026/);
    expect(byName.psa!.tooltip).to.match(/cluster 2: [\d.]+%/);
    expect(byName.forecast!.tooltip).to.match(/actual load [\d.,]+ kWh/);
    expect(byName.bills!.tooltip).to.match(/^home B\d/);
  });

  it("filters the batches table by text, status and cluster", async () => {
    const report = sampleReport();
    const file = writeReport(report);
    const notable = report.periods.filter((p) => p.status !== "accepted" || p.psa < 1).length;
    const all = await checkReportInBrowser(file);
    expect(all.shownRows.batches, "notable only by default").to.equal(notable);
    expect(all.batchCount).to.equal(`${notable} of 84 batches shown`);
    const disputed = await checkReportInBrowser(file, {
      batchFilter: { status: "disputed", notableOnly: false },
    });
    expect(disputed.shownRows.batches).to.equal(1);
    // Words match anywhere in the row, all of them: Tuesday 2 August of cluster 1 is 6 periods.
    const tuesday = await checkReportInBrowser(file, {
      batchFilter: { text: "tue 2 aug", cluster: "1", notableOnly: false },
    });
    expect(tuesday.shownRows.batches).to.equal(6);
    expect(tuesday.batchCount).to.equal("6 of 84 batches shown");
    expect(tuesday.consoleErrors).to.deep.equal([]);
  });

  it("catches a plot that did not render (no data -> page error)", async () => {
    const broken = { ...sampleReport(), bills: [] };
    const check = await checkReportInBrowser(writeReport(broken));
    expect(check.consoleErrors.join("\n")).to.match(/no bills/);
    const bills = check.plots.find((p) => p.plot === "bills");
    expect(bills?.rendered).to.equal(false);
    expect(bills?.error).to.equal("no bills");
  });
});
