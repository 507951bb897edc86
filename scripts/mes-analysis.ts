/**
 * SPEC 10's capacity rule and the binding generation rule on the real CityLearn homes: Buildings 1-12 in
 * clusters of 4 (1-4, 5-8, 9-12), the whole year of 4-hour periods. Prints the clusters per rule, each home's
 * paid export under both, and the binding rule's target (default), or JSON (--json). Numbers go into docs/mes.md.
 *   npx tsx scripts/mes-analysis.ts [--json]
 */
import { loadBuilding } from "../lab/data/citylearn.js";
import { allowedToLoad, analyseCluster, percent } from "../lab/analysis/mes-analysis.js";
import { formatFixed } from "../lib/mes/mes.js";
import { CurtailmentRule } from "../lib/chain/schema.js";
import { DEFAULT_TARIFF_PARAMS, formatRate } from "../lib/tariffs/tariff.js";
import { renderTable, toJson } from "../lib/format/table.js";

const CLUSTERS = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
];

const kWh = (wh: bigint) => Math.round(Number(wh) / 1000);
/** A bill amount (nano-currency units: Wh x micro-units/kWh) in currency units, 2 decimals. */
const currency = (nano: bigint) => (Number(nano) / 1e9).toFixed(2);
const results = CLUSTERS.map((bs) => analyseCluster(bs.map((b) => loadBuilding(b))));
if (process.argv.includes("--json")) {
  console.log(toJson(results));
} else {
  const name = (i: number) => `${i + 1} (${results[i]!.buildings[0]}-${results[i]!.buildings.at(-1)})`;
  console.log(
    renderTable(
      ["cluster", "periods", "G > L", "%", "min PSA", "export kWh"],
      results.map((r, i) => [
        name(i),
        r.periods,
        r.curtailingPeriods,
        percent(r.curtailingPeriods, r.periods),
        formatFixed(r.minPsa, 3),
        kWh(r.exportWh),
      ]),
    ),
  );
  console.log();
  console.log(
    renderTable(
      [
        "cluster",
        "rule",
        "curtailed kWh",
        "% of export",
        "periods curtailed",
        "allowed/L (G>L)",
        "per period",
        "allowed > L",
        "max L - allowed (Wh)",
      ],
      results.flatMap((r, i) =>
        CurtailmentRule.names.map((rule) => {
          const o = r.rules[rule];
          return [
            name(i),
            rule,
            kWh(o.curtailedExportWh),
            percent(o.curtailedExportWh, r.exportWh),
            o.periodsWithCurtailedExport,
            allowedToLoad(r, rule).toFixed(2),
            `${o.minAllowedToLoad.toFixed(3)}..${o.maxAllowedToLoad.toFixed(3)}`,
            `${o.allowedAboveLoadPeriods} (${percent(o.allowedAboveLoadPeriods, r.curtailingPeriods)}%)`,
            o.maxShortfallWh,
          ];
        }),
      ),
    ),
  );
  // Each home's credit at one flat rate, so the rules compare on energy alone (real bills use each week's rate).
  const rate = DEFAULT_TARIFF_PARAMS.baseExportRate;
  console.log(`\nEach prosumer's year, credit at the base export rate ${formatRate(rate)}/kWh:`);
  console.log(
    renderTable(
      [
        "home",
        "kWp",
        "export kWh",
        "paid kWh capacity",
        "paid kWh generation",
        "credit capacity",
        "credit generation",
      ],
      results.flatMap((r) =>
        r.buildings.map((b, h) => {
          const cap = r.rules.capacity.creditedExportWh[h]!;
          const gen = r.rules.generation.creditedExportWh[h]!;
          return [
            b,
            loadBuilding(b).capacityW / 1000,
            kWh(r.exportByHomeWh[h]!),
            kWh(cap),
            kWh(gen),
            currency(cap * rate),
            currency(gen * rate),
          ];
        }),
      ),
    ),
  );
  const worst = Math.min(...results.map((r) => r.rules.generation.minAllowedToLoad));
  const above = results.reduce((s, r) => s + r.rules.generation.allowedAboveLoadPeriods, 0);
  const ratio = Math.min(...results.map((r) => allowedToLoad(r, "generation")));
  const rounding = results.every((r) => r.rules.generation.maxShortfallWh <= BigInt(r.buildings.length));
  const met = above === 0 && rounding && ratio.toFixed(2) === "1.00";
  console.log(
    `\nTarget: binding rule, allowed supply / cluster load in curtailing periods = 1.00 (rounding down only): ` +
      `${ratio.toFixed(2)} (lowest period ${worst.toFixed(4)}, ${above} period(s) above the load, ` +
      `short by at most 1 Wh per prosumer: ${rounding ? "yes" : "no"}): ${met ? "met" : "NOT met"}.`,
  );
}
