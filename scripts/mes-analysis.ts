/**
 * SPEC 10 on the real CityLearn homes: Buildings 1-12 in clusters of 4 (1-4, 5-8, 9-12), the whole year of
 * 4-hour periods. Prints a table (default) or JSON (--json). Numbers go into docs/mes.md.
 *   npx tsx scripts/mes-analysis.ts [--json]
 */
import { loadBuilding } from "../lab/data/citylearn.js";
import { analyseCluster, percent } from "../lab/analysis/mes-analysis.js";
import { formatFixed } from "../lib/mes/mes.js";
import { renderTable, toJson } from "../lib/format/table.js";

const CLUSTERS = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
];

const results = CLUSTERS.map((bs) => analyseCluster(bs.map((b) => loadBuilding(b))));
if (process.argv.includes("--json")) {
  console.log(toJson(results));
} else {
  console.log(
    renderTable(
      [
        "cluster",
        "periods",
        "G > L",
        "%",
        "export kWh",
        "curtailed kWh",
        "% of export",
        "periods curtailed",
        "min PSA",
        "allowed/L (G>L)",
        "allowed > L",
      ],
      results.map((r, i) => [
        `${i + 1} (${r.buildings[0]}-${r.buildings.at(-1)})`,
        r.periods,
        r.curtailingPeriods,
        percent(r.curtailingPeriods, r.periods),
        Number(r.exportWh) / 1000,
        Number(r.curtailedExportWh) / 1000,
        percent(r.curtailedExportWh, r.exportWh),
        r.periodsWithCurtailedExport,
        formatFixed(r.minPsa, 3),
        (Number(r.curtailingAllowedWh) / Number(r.curtailingLoadWh)).toFixed(2),
        `${r.allowedAboveLoadPeriods} (${percent(r.allowedAboveLoadPeriods, r.curtailingPeriods)}%)`,
      ]),
    ),
  );
}
