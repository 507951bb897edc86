/**
 * Rolling-origin accuracy of the week-ahead forecasters on CityLearn Buildings 1-12: the whole grid and the
 * clusters 1-4, 5-8, 9-12. For every week from FIRST_WEEK to the last whole week, each method is trained on
 * all periods before the week and forecasts its 42 periods. Prints a table and writes
 * bench/results/forecast.json.   Run: npm run forecast:accuracy
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadBuilding, loadWeather } from "../lab/data/citylearn.js";
import {
  DEFAULT_GENERATION_METHOD,
  DEFAULT_LOAD_METHOD,
  FORECAST_METHODS,
  HORIZON,
  aggregateSeries,
  backtest,
  forecastNextWeek,
  oracleWeatherGeneration,
  periodWeather,
  type BacktestResult,
  type EnergyField,
  type OriginForecaster,
} from "../lib/tariffs/forecast/index.js";

/** First origin week: Holt-Winters needs 3 weeks; a few more give every method a fair start. */
const FIRST_WEEK = 4;
const GROUPS: readonly { name: string; buildings: readonly number[] }[] = [
  { name: "grid 1-12", buildings: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
  { name: "cluster 1-4", buildings: [1, 2, 3, 4] },
  { name: "cluster 5-8", buildings: [5, 6, 7, 8] },
  { name: "cluster 9-12", buildings: [9, 10, 11, 12] },
];
const ORACLE = "oracle-weather";

interface Row {
  readonly group: string;
  readonly quantity: EnergyField;
  readonly method: string;
  readonly weeklyMape: number;
  readonly periodWape: number;
  readonly origins: number;
}

const started = performance.now();
const weather = periodWeather(loadWeather());
const rows: Row[] = [];
for (const g of GROUPS) {
  const profiles = g.buildings.map((b) => loadBuilding(b));
  for (const quantity of ["loadWh", "generationWh"] as const) {
    const series = aggregateSeries(profiles, quantity);
    const methods: [string, OriginForecaster][] = FORECAST_METHODS.map((m) => [
      m,
      (h) => forecastNextWeek(h, m),
    ]);
    if (quantity === "generationWh") {
      methods.push([
        ORACLE,
        (h, origin) =>
          oracleWeatherGeneration(h, weather.slice(0, origin), weather.slice(origin, origin + HORIZON)),
      ]);
    }
    for (const [method, f] of methods) {
      const r: BacktestResult = backtest(series, f, FIRST_WEEK);
      rows.push({
        group: g.name,
        quantity,
        method,
        weeklyMape: r.weeklyMape,
        periodWape: r.periodWape,
        origins: r.weeks.length,
      });
    }
  }
}
const seconds = (performance.now() - started) / 1000;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(7);
console.log(
  `week-ahead forecast, origins = weeks ${FIRST_WEEK}..51 (${rows[0]?.origins ?? 0} weeks), defaults: load ${DEFAULT_LOAD_METHOD}, generation ${DEFAULT_GENERATION_METHOD}`,
);
console.log(`${"group".padEnd(13)}${"quantity".padEnd(13)}${"method".padEnd(16)}weekly MAPE  period WAPE`);
for (const r of rows) {
  console.log(
    `${r.group.padEnd(13)}${r.quantity.padEnd(13)}${r.method.padEnd(16)}${pct(r.weeklyMape)}      ${pct(r.periodWape)}`,
  );
}
console.log(
  `(${ORACLE} sees the forecast week's measured irradiance: a bound, not a forecaster)  ${seconds.toFixed(1)} s`,
);

// The selection rule of the defaults: least mean weekly MAPE over the 4 series (grid + 3 clusters).
const best: Record<string, { method: string; meanWeeklyMape: number }> = {};
for (const quantity of ["loadWh", "generationWh"] as const) {
  const means = FORECAST_METHODS.map((method) => {
    const rs = rows.filter((r) => r.quantity === quantity && r.method === method);
    return { method, meanWeeklyMape: rs.reduce((a, r) => a + r.weeklyMape, 0) / rs.length };
  });
  means.sort((a, b) => a.meanWeeklyMape - b.meanWeeklyMape);
  best[quantity] = means[0]!;
  console.log(
    `mean weekly MAPE, ${quantity}: ${means.map((m) => `${m.method} ${pct(m.meanWeeklyMape).trim()}`).join(", ")}`,
  );
}

const out = path.join("bench", "results", "forecast.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      firstWeek: FIRST_WEEK,
      defaults: { loadWh: DEFAULT_LOAD_METHOD, generationWh: DEFAULT_GENERATION_METHOD },
      bestByMeanWeeklyMape: best,
      oracle: ORACLE,
      seconds,
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${out}`);
