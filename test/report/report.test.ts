import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadBuilding } from "../../lab/data/citylearn.js";
import { renderReport } from "../../lab/report/html.js";
import { checkReportInBrowser } from "../../lab/report/browser.js";
import type { DemoReport } from "../../lab/report/model.js";

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
        status: "accepted" as const,
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
    voters: [{ node: clusters[0].parent, submissions: 42, attestations: 126, faults: 0 }],
    events: [{ period: 3, kind: "tamper", subject: "0x1", detail: "<script>alert(1)</script>" }],
    gas: [{ operation: "submit", count: 84, totalGas: 84 * 60000 }],
    attacks: [{ scenario: "lying parent", expected: "overruled", observed: "overruled", held: true }],
    summary: { "batches accepted": 84, "curtailed periods": periods.filter((p) => p.psa < 1).length },
  };
}

function writeReport(report: DemoReport): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gridshare-report-")), "report.html");
  writeFileSync(file, renderReport(report));
  return file;
}

describe("HTML report in a real browser", function () {
  this.timeout(60_000);

  it("renders every plot and table with no console error", async () => {
    const report = sampleReport();
    const check = await checkReportInBrowser(writeReport(report));
    expect(check.consoleErrors).to.deep.equal([]);
    expect(check.title).to.equal(report.title);
    expect(check.plots.map((p) => p.plot)).to.deep.equal([
      "load-generation:1",
      "load-generation:2",
      "psa",
      "forecast",
      "bills",
    ]);
    for (const p of check.plots) {
      expect(p.rendered, p.plot).to.equal(true);
      expect(p.svgShapes, p.plot).to.be.greaterThan(0);
    }
    expect(check.plots[0].points).to.equal(84); // 42 periods x (load, generation)
    expect(check.tables.bills).to.equal(8);
    expect(check.tables.events).to.equal(1); // the script-like detail is shown as text, not run
  });

  it("catches a plot that did not render (no data -> page error)", async () => {
    const broken = { ...sampleReport(), bills: [] };
    const check = await checkReportInBrowser(writeReport(broken));
    expect(check.consoleErrors.join("\n")).to.match(/no bills/);
    expect(check.plots.find((p) => p.plot === "bills")?.rendered).to.equal(false);
  });
});
