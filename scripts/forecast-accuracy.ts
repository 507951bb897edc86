/**
 * Rolling-origin accuracy of the week-ahead forecasters on CityLearn Buildings 1-12 (lab/analysis/
 * forecast-accuracy.ts does the work). Prints the tables of docs/forecast.md and writes
 * bench/results/forecast.json; with --docs it also rewrites the generated block of docs/forecast.md.
 *   Run: npm run forecast:accuracy [-- --docs]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as prettier from "prettier";
import { loadWeatherRows } from "../lab/data/citylearn.js";
import { GridShareError, InvalidFileError } from "../lib/errors.js";
import {
  FIRST_WEEK,
  citylearnSeries,
  evaluate,
  renderMarkdown,
  select,
  weatherDiagnostics,
} from "../lab/analysis/forecast-accuracy.js";
import {
  DEFAULT_GENERATION_METHOD,
  DEFAULT_LOAD_METHOD,
  HISTORY_ONLY_GENERATION_METHOD,
  HISTORY_ONLY_LOAD_METHOD,
} from "../lib/tariffs/forecast/index.js";

const BEGIN = "<!-- forecast:accuracy begin -->";
const END = "<!-- forecast:accuracy end -->";

const started = performance.now();
const series = citylearnSeries();
const weatherRows = loadWeatherRows();
const rows = evaluate(series, weatherRows, FIRST_WEEK);
const selection = select(rows);
const seconds = (performance.now() - started) / 1000;
const defaults = { load: DEFAULT_LOAD_METHOD, generation: DEFAULT_GENERATION_METHOD };
const historyOnly = { load: HISTORY_ONLY_LOAD_METHOD, generation: HISTORY_ONLY_GENERATION_METHOD };
const grid = series.find((d) => d.group.kind === "grid");
if (grid === undefined) throw new GridShareError("NO_GRID", "the evaluation has no grid series");
const diagnostics = weatherDiagnostics(weatherRows, grid.generation);
const markdown = renderMarkdown(rows, selection, defaults, historyOnly, diagnostics);
console.log(markdown);
console.log(`\n(${seconds.toFixed(1)} s)`);

const out = path.join("bench", "results", "forecast.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    { firstWeek: FIRST_WEEK, defaults, historyOnly, selection, diagnostics, seconds, rows },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${out}`);

if (process.argv.includes("--docs")) {
  const doc = path.join("docs", "forecast.md");
  const text = readFileSync(doc, "utf8");
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a)
    throw new InvalidFileError(doc, `no ${BEGIN} ... ${END} block to rewrite: put one back`);
  const rewritten = `${text.slice(0, a + BEGIN.length)}\n\n${markdown}\n\n${text.slice(b)}`;
  // Formatted as the repository's prettier check expects, so a re-run leaves the file unchanged.
  const options = (await prettier.resolveConfig(doc)) ?? {};
  writeFileSync(doc, await prettier.format(rewritten, { ...options, filepath: doc }));
  console.log(`rewrote the results block of ${doc}`);
}
