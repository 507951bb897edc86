/**
 * The accuracy study of docs/forecast.md (lab): every forecasting method, rolling origin over the CityLearn
 * year, per home (Buildings 1-12), per cluster (1-4, 5-8, 9-12) and for the grid; WAPE and MASE per period
 * and per weekly total; the defaults' selection by MASE and the targets. Pure apart from reading the data:
 * scripts/forecast-accuracy.ts prints what `renderMarkdown` makes of it.
 */
import {
  PREDICTION_LEADS_HOURS,
  CITYLEARN_SITE,
  CITYLEARN_START_UTC,
  loadBuilding,
  weatherAtOrigin,
  type WeatherRow,
} from "../data/citylearn.js";
import { PERIOD_HOURS } from "../../lib/constants.js";
import {
  FORECAST_METHODS,
  aggregateSeries,
  HISTORY_ONLY_METHODS,
  HORIZON,
  SITE_METHOD_NEEDS,
  forecastNextWeek,
  isHistoryOnly,
  oracleWeatherGeneration,
  periodWeather,
  type ForecastInputs,
  type ForecastMethod,
  type Quantity,
  type Series,
} from "../../lib/tariffs/forecast/index.js";
import { EMPTY_SCORE, addOrigin, summarise, type BacktestResult, type Score } from "./forecast-backtest.js";

export const QUANTITIES: readonly Quantity[] = ["load", "generation"];

/** First origin: 4 weeks of history (Holt-Winters needs 3, the 28-day fits 4). Last: the last whole week. */
export const FIRST_WEEK = 4;
/** The reference that sees the forecast week's measured irradiance: a bound, never a candidate. */
export const ORACLE = "oracle-weather";
/** Suffix of a cluster's or the grid's forecast made as the sum of its homes' forecasts. */
export const HOMES_SUFFIX = " (sum of homes)";

/** The issue's targets: grid MASE of the default over seasonal-naive's. */
export const TARGET_RATIO: Readonly<Record<Quantity, number>> = { load: 0.9, generation: 0.8 };

export interface Group {
  readonly name: string;
  readonly kind: "home" | "cluster" | "grid";
  readonly buildings: readonly number[];
}

export interface SeriesData {
  readonly group: Group;
  readonly load: Series;
  readonly generation: Series;
}

export interface Row extends BacktestResult {
  readonly group: string;
  readonly kind: Group["kind"];
  readonly quantity: Quantity;
  readonly method: string;
}

const HOMES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
/** The grid of Buildings 1-12, its three clusters of four, and each home. */
export const CITYLEARN_GROUPS: readonly Group[] = [
  { name: "grid 1-12", kind: "grid", buildings: HOMES },
  { name: "cluster 1-4", kind: "cluster", buildings: [1, 2, 3, 4] },
  { name: "cluster 5-8", kind: "cluster", buildings: [5, 6, 7, 8] },
  { name: "cluster 9-12", kind: "cluster", buildings: [9, 10, 11, 12] },
  ...HOMES.map((b): Group => ({ name: `home ${b}`, kind: "home", buildings: [b] })),
];

/** Load and generation series of each group (summed over its buildings). */
export function citylearnSeries(groups: readonly Group[] = CITYLEARN_GROUPS): SeriesData[] {
  return groups.map((group) => {
    const profiles = group.buildings.map((b) => loadBuilding(b));
    return {
      group,
      load: aggregateSeries(profiles, "loadWh"),
      generation: aggregateSeries(profiles, "generationWh"),
    };
  });
}

/** The methods run on a quantity: the history-only ones and the site methods made for it. */
export function methodsFor(quantity: Quantity): ForecastMethod[] {
  return FORECAST_METHODS.filter((m) => isHistoryOnly(m) || SITE_METHOD_NEEDS[m].quantity === quantity);
}

/** The inputs a forecast made at period `origin` may use: the site, the clock, the weather known then. */
export function inputsAt(rows: readonly WeatherRow[], origin: number): ForecastInputs {
  return {
    historyStartUtc: CITYLEARN_START_UTC,
    site: CITYLEARN_SITE,
    weather: weatherAtOrigin(rows, origin * PERIOD_HOURS),
  };
}

/** Run every method on every series at every origin week from `firstWeek` to the last whole week. */
export function evaluate(
  data: readonly SeriesData[],
  weatherRows: readonly WeatherRow[],
  firstWeek = FIRST_WEEK,
): Row[] {
  const periods = Math.min(...data.flatMap((d) => [d.load.length, d.generation.length]));
  const lastWeek = Math.floor(periods / HORIZON) - 1;
  const measured = periodWeather(weatherRows.map((r) => r.measured));
  const scores = new Map<string, Score>();
  const key = (g: string, q: Quantity, m: string): string => `${g}|${q}|${m}`;
  const add = (g: string, q: Quantity, m: string, actual: Series, origin: number, fc: Series): void => {
    scores.set(key(g, q, m), addOrigin(scores.get(key(g, q, m)) ?? EMPTY_SCORE, actual, origin, fc));
  };
  for (let w = firstWeek; w <= lastWeek; w++) {
    const origin = w * HORIZON;
    const inputs = inputsAt(weatherRows, origin);
    for (const q of QUANTITIES) {
      const homeForecasts = new Map<string, number[]>();
      for (const d of data) {
        const actual = d[q];
        const history = actual.slice(0, origin);
        for (const m of methodsFor(q)) {
          const fc = forecastNextWeek(history, m, inputs);
          add(d.group.name, q, m, actual, origin, fc);
          if (d.group.kind === "home" && !isHistoryOnly(m)) homeForecasts.set(`${d.group.name}|${m}`, fc);
        }
        if (q === "generation") {
          const week = measured.slice(origin, origin + HORIZON);
          add(
            d.group.name,
            q,
            ORACLE,
            actual,
            origin,
            oracleWeatherGeneration(history, measured.slice(0, origin), week),
          );
        }
      }
      // The per-home site models summed into each cluster and the grid (bottom-up).
      for (const d of data) {
        if (d.group.kind === "home") continue;
        for (const m of methodsFor(q).filter((x) => !isHistoryOnly(x))) {
          const parts = d.group.buildings.map((b) => homeForecasts.get(`home ${b}|${m}`));
          if (parts.some((p) => p === undefined)) continue;
          const sum = Array.from({ length: HORIZON }, (_, h) =>
            parts.reduce((s, p) => s + (p as number[])[h]!, 0),
          );
          add(d.group.name, q, m + HOMES_SUFFIX, d[q], origin, sum);
        }
      }
    }
  }
  const rows: Row[] = [];
  for (const d of data)
    for (const q of QUANTITIES)
      for (const m of [...methodsFor(q), ...methodsFor(q).map((x) => x + HOMES_SUFFIX), ORACLE]) {
        const s = scores.get(key(d.group.name, q, m));
        if (s)
          rows.push({ group: d.group.name, kind: d.group.kind, quantity: q, method: m, ...summarise(s) });
      }
  return rows;
}

export interface Selection {
  readonly quantity: Quantity;
  /** Mean MASE over the grid and the clusters, best first (top-down forecasts; oracle excluded). */
  readonly ranking: readonly { readonly method: ForecastMethod; readonly meanMase: number }[];
  readonly best: ForecastMethod;
  readonly bestHistoryOnly: ForecastMethod;
  /** Grid MASE of `best` and of seasonal-naive, and their ratio (the target's measure). */
  readonly gridMase: number;
  readonly gridNaiveMase: number;
  readonly ratio: number;
  readonly target: number;
}

/** The selection rule of the defaults: least mean MASE over the grid and the three clusters. */
export function select(rows: readonly Row[]): Selection[] {
  return QUANTITIES.map((quantity) => {
    const pick = (m: string, kinds: readonly Group["kind"][]) =>
      rows.filter((r) => r.quantity === quantity && r.method === m && kinds.includes(r.kind));
    const ranking = methodsFor(quantity)
      .map((method) => {
        const rs = pick(method, ["grid", "cluster"]);
        return { method, meanMase: rs.reduce((s, r) => s + (r.mase ?? Infinity), 0) / rs.length };
      })
      .sort((a, b) => a.meanMase - b.meanMase);
    const best = ranking[0]!.method;
    const bestHistoryOnly = ranking.find((r) =>
      (HISTORY_ONLY_METHODS as readonly string[]).includes(r.method),
    )!.method;
    const gridMase = pick(best, ["grid"])[0]?.mase ?? NaN;
    const gridNaiveMase = pick("seasonal-naive", ["grid"])[0]?.mase ?? NaN;
    return {
      quantity,
      ranking,
      best,
      bestHistoryOnly,
      gridMase,
      gridNaiveMase,
      ratio: gridMase / gridNaiveMase,
      target: TARGET_RATIO[quantity],
    };
  });
}

/** What the weather file can and cannot tell a generation forecast. */
export interface WeatherDiagnostics {
  /** Per lead (6/12/24 h): share of hours whose prediction equals the measurement that many hours later. */
  readonly predictionEqualsMeasured: readonly { readonly leadHours: number; readonly share: number }[];
  /** Correlation of daily generation with daily irradiance (direct + diffuse) over the whole year ... */
  readonly dailyCorrelationYear: number;
  /** ... and within each 30-day block (the season taken out): min, median, max over the blocks. */
  readonly dailyCorrelationWithin30Days: readonly [number, number, number];
}

function correlation(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** `generation` is per period from data period 0, aligned with `rows` (hour 0 = period 0's first hour). */
export function weatherDiagnostics(rows: readonly WeatherRow[], generation: Series): WeatherDiagnostics {
  const same = (a: WeatherRow["measured"], b: WeatherRow["measured"]): boolean =>
    a.temperatureC === b.temperatureC &&
    a.directIrradianceWm2 === b.directIrradianceWm2 &&
    a.diffuseIrradianceWm2 === b.diffuseIrradianceWm2;
  const predictionEqualsMeasured = PREDICTION_LEADS_HOURS.map((leadHours, k) => {
    let hits = 0;
    for (let i = 0; i + leadHours < rows.length; i++)
      if (same(rows[i]!.predicted[k]!, rows[i + leadHours]!.measured)) hits++;
    return { leadHours, share: hits / (rows.length - leadHours) };
  });
  const perDay = 6;
  const days = Math.floor(generation.length / perDay);
  const gen: number[] = [];
  const sun: number[] = [];
  for (let d = 0; d < days; d++) {
    gen.push(generation.slice(d * perDay, (d + 1) * perDay).reduce((a, b) => a + b, 0));
    let s = 0;
    for (const r of rows.slice(d * 24, (d + 1) * 24))
      s += r.measured.directIrradianceWm2 + r.measured.diffuseIrradianceWm2;
    sun.push(s);
  }
  const blocks: number[] = [];
  for (let d = 0; d + 30 <= days; d += 30)
    blocks.push(correlation(gen.slice(d, d + 30), sun.slice(d, d + 30)));
  blocks.sort((a, b) => a - b);
  return {
    predictionEqualsMeasured,
    dailyCorrelationYear: correlation(gen, sun),
    dailyCorrelationWithin30Days: [blocks[0]!, blocks[blocks.length >> 1]!, blocks[blocks.length - 1]!],
  };
}

const f2 = (x: number | null): string => (x === null ? "n/a" : x.toFixed(2));
const pct = (x: number | null): string => (x === null ? "n/a" : `${(x * 100).toFixed(1)}%`);

function table(header: readonly string[], body: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
}

/** The results as markdown: what the script prints and docs/forecast.md embeds. */
export function renderMarkdown(
  rows: readonly Row[],
  selection: readonly Selection[],
  defaults: Readonly<Record<Quantity, string>>,
  historyOnlyDefaults: Readonly<Record<Quantity, string>>,
  diagnostics: WeatherDiagnostics,
): string {
  const groups = [...new Set(rows.map((r) => r.group))];
  const find = (g: string, q: Quantity, m: string) =>
    rows.find((r) => r.group === g && r.quantity === q && r.method === m);
  const weeks = rows[0]?.weeks ?? [];
  const out: string[] = [];
  out.push(
    `Origins: weeks ${weeks[0]?.week ?? "?"}..${weeks[weeks.length - 1]?.week ?? "?"} (${weeks.length} weeks).`,
    "",
    `Weather file: the predictions equal the measurement ${diagnostics.predictionEqualsMeasured
      .map((p) => `${p.leadHours} h later in ${pct(p.share)}`)
      .join(", ")} of hours. Daily grid generation vs daily irradiance: correlation ` +
      `${f2(diagnostics.dailyCorrelationYear)} over the year (the season), ` +
      `${diagnostics.dailyCorrelationWithin30Days.map(f2).join(" / ")} (min / median / max) within 30-day blocks.`,
  );
  for (const s of selection) {
    const met = s.ratio <= s.target ? "met" : `missed by ${(s.ratio - s.target).toFixed(3)}`;
    const agree = defaults[s.quantity] === s.best && historyOnlyDefaults[s.quantity] === s.bestHistoryOnly;
    out.push(
      "",
      `**${s.quantity}**: best by mean MASE (grid + clusters) \`${s.best}\`, best history-only ` +
        `\`${s.bestHistoryOnly}\`; defaults in the code: \`${defaults[s.quantity]}\` / ` +
        `\`${historyOnlyDefaults[s.quantity]}\`${agree ? " (agree)" : " (DISAGREE: update lib/tariffs/forecast/index.ts)"}. ` +
        `Grid MASE ${f2(s.gridMase)} vs seasonal-naive ${f2(s.gridNaiveMase)}: ratio ${s.ratio.toFixed(3)}, ` +
        `target <= ${s.target}: ${met}.`,
      "",
      `Ranking: ${s.ranking.map((r) => `${r.method} ${r.meanMase.toFixed(3)}`).join(", ")}.`,
    );
  }
  for (const q of QUANTITIES) {
    const methods = [
      ...methodsFor(q),
      ...methodsFor(q)
        .filter((m) => !isHistoryOnly(m))
        .map((m) => m + HOMES_SUFFIX),
    ];
    if (q === "generation") methods.push(ORACLE);
    const aggregates = groups.filter((g) => !g.startsWith("home"));
    const cells = (cell: (r: Row) => string): string =>
      table(
        ["method", ...aggregates],
        methods.map((m) => [
          `\`${m}\``,
          ...aggregates.map((g) => {
            const r = find(g, q, m);
            return r ? cell(r) : "";
          }),
        ]),
      );
    out.push("", `### ${q}: grid and clusters, per period (MASE / WAPE)`, "");
    out.push(cells((r) => `${f2(r.mase)} / ${pct(r.periodWape)}`));
    out.push("", `### ${q}: grid and clusters, weekly totals (MASE / WAPE)`, "");
    out.push(cells((r) => `${f2(r.weeklyMase)} / ${pct(r.weeklyWape)}`));
    const homes = groups.filter((g) => g.startsWith("home"));
    const homeMethods = methodsFor(q);
    out.push("", `### ${q}: per home, per period MASE (WAPE of the default in brackets)`, "");
    out.push(
      table(
        ["home", ...homeMethods.map((m) => `\`${m}\``)],
        homes.map((g) => [
          g,
          ...homeMethods.map((m) => {
            const r = find(g, q, m);
            if (!r) return "";
            return m === defaults[q] ? `${f2(r.mase)} (${pct(r.periodWape)})` : f2(r.mase);
          }),
        ]),
      ),
    );
  }
  return out.join("\n");
}
