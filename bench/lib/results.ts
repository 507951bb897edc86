/**
 * The results file of `npm run bench` (bench/results/latest.json, committed) and the parts of
 * docs/benchmarks.md generated from it: the results section, the worked scale example and every figure the
 * prose quotes inline. `npm run bench:docs` rewrites them; test/bench-docs.test.ts checks they match.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidFileError } from "../../lib/errors.js";
import prettier from "prettier";
import { figureMarkdown, formatNumber, type Figure } from "./figures.js";
import { scaleExample, scaleMarkdown, type ScaleModel } from "../scale.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where `npm run bench` writes its results; `latest.json` is committed with the docs that quote it. */
export const RESULTS_DIR = path.join(ROOT, "bench", "results");
export const LATEST_FILE = path.join(RESULTS_DIR, "latest.json");
export const DOCS_FILE = path.join(ROOT, "docs", "benchmarks.md");

export interface BenchMeta {
  readonly startedAt: string;
  readonly durationS: number;
  readonly node: string;
  readonly cpus: string;
  readonly cores: number;
  /** 1-minute load average at start and end: other processes share this machine. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly commit: string;
  readonly quick: boolean;
  /** Steps of a partial run (`GRIDSHARE_BENCH_ONLY`); absent when every step ran. */
  readonly steps?: readonly string[];
}

export interface BenchResults {
  readonly meta: BenchMeta;
  readonly figures: readonly Figure[];
  readonly scale: ScaleModel | null;
}

export function gitCommit(cwd: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function machine(): { node: string; cpus: string; cores: number } {
  const cpus = os.cpus();
  return { node: process.version, cpus: cpus[0]?.model ?? "unknown", cores: cpus.length };
}

/** Write `bench-<timestamp>.json` and, unless told not to, `latest.json`; returns the timestamped path. */
export function writeResults(dir: string, results: BenchResults, options = { latest: true }): string {
  mkdirSync(dir, { recursive: true });
  const stamp = results.meta.startedAt.replace(/[:.]/g, "-");
  const file = path.join(dir, `bench-${stamp}.json`);
  const text = JSON.stringify(results, null, 2) + "\n";
  writeFileSync(file, text);
  if (options.latest) writeFileSync(path.join(dir, "latest.json"), text);
  return file;
}

export const DOCS_START = "<!-- bench:results:start -->";
export const DOCS_END = "<!-- bench:results:end -->";
export const SCALE_START = "<!-- bench:scale:start -->";
export const SCALE_END = "<!-- bench:scale:end -->";
/** Worked examples of the scale model in the docs: [meters, cluster size]. */
export const SCALE_EXAMPLES: readonly (readonly [number, number])[] = [
  [1_000_000, 4],
  [1_000_000, 64],
];

/** Markdown of one run: its machine, the figures and the scale model. */
export function resultsMarkdown(r: BenchResults): string {
  const m = r.meta;
  const partial =
    m.steps === undefined
      ? ""
      : ` Partial run: only ${m.steps.join(", ")}; the other figures are not in this file.`;
  return [
    `Run ${m.startedAt} at commit \`${m.commit}\`, ${m.durationS.toFixed(0)} s, Node ${m.node}, ` +
      `${m.cores} x ${m.cpus}, load average ${m.loadAverage.start.toFixed(1)} -> ${m.loadAverage.end.toFixed(1)}` +
      (m.quick ? " (quick sizes)" : "") +
      "." +
      partial,
    "",
    figureMarkdown(r.figures),
    "",
    r.scale
      ? `Scale model (${scaleRateNote(r.scale)}; ${r.scale.assumptions.maxSigners} signers at most):\n\n` +
        scaleMarkdown(r.scale)
      : "Scale model: not computed (no gas per reading anchored in this run).",
  ].join("\n");
}

function scaleRateNote(m: ScaleModel): string {
  return m.perCoreRate === null
    ? "no per-core rate measured: gateway cores left empty"
    : `per-core rate ${Math.round(m.perCoreRate.value)}/s from \`${m.perCoreRate.source}\``;
}

/** The worked examples of the scale model, one paragraph each. */
export function scaleExamplesMarkdown(r: BenchResults): string {
  if (!r.scale) return "Scale model: not computed in this run.";
  const scale = r.scale;
  return SCALE_EXAMPLES.map(([meters, size]) => wrapProse(scaleExample(scale, meters, size))).join("\n\n");
}

/** Breaks a paragraph into lines of at most `width` characters (the docs keep prose as written). */
function wrapProse(text: string, width = PROSE_WIDTH): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

/** The docs' print width (.prettierrc.json). */
const PROSE_WIDTH = 110;

/** Replaces what lies between `start` and `end` with `body`. */
function replaceBlock(text: string, start: string, end: string, body: string, where: string): string {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new InvalidFileError(where, `lacks the ${start} ... ${end} markers`);
  return text.slice(0, a + start.length) + "\n\n" + body + "\n\n" + text.slice(b);
}

/**
 * An inline quote of a figure: `<!--fig:ID-->text<!--/fig-->` (its value) or `<!--fig:ID:FIELD-->` with FIELD
 * `value`, `baseline`, `ratio`, `limit` or `note` (the run's own description of what it measured). The text is
 * the number as the results table prints it; the unit stays outside the marker.
 */
const INLINE = /<!--fig:([A-Za-z0-9_.-]+?)(?::(value|baseline|ratio|limit|note))?-->(.*?)<!--\/fig-->/g;

/** What an inline quote shows for one figure of the run. */
function quote(r: BenchResults, id: string, field: string, where: string): string {
  const f = r.figures.find((x) => x.id === id);
  if (f === undefined || f.value === null) {
    // A partial run may lack it; a full run that lacks it means the docs quote a figure that is gone.
    if (r.meta.steps !== undefined || f?.notMeasured !== undefined) return "(not measured in this run)";
    throw new InvalidFileError(where, `quotes figure ${id}, which the results do not hold: fix the quote`);
  }
  if (field === "note") {
    if (f.note === undefined)
      throw new InvalidFileError(where, `quotes the note of ${id}, which it does not have`);
    return f.note;
  }
  const v =
    field === "baseline"
      ? f.baseline?.value
      : field === "ratio"
        ? f.ratio
        : field === "limit"
          ? f.limit?.value
          : f.value;
  if (v === undefined)
    throw new InvalidFileError(where, `quotes the ${field} of ${id}, which it does not have`);
  return field === "ratio" ? `x${formatNumber(v)}` : formatNumber(v);
}

/** The ids every inline quote of `text` refers to. */
export function quotedFigures(text: string): string[] {
  return [...text.matchAll(INLINE)].map((m) => m[1] as string);
}

/** The docs page with every generated part rewritten from `r` (pure: the test compares it with the page). */
export function renderDocs(text: string, r: BenchResults, where = "docs/benchmarks.md"): string {
  let out = replaceBlock(text, DOCS_START, DOCS_END, resultsMarkdown(r), where);
  out = replaceBlock(out, SCALE_START, SCALE_END, scaleExamplesMarkdown(r), where);
  return out.replace(
    INLINE,
    (_all, id: string, field: string | undefined) =>
      `<!--fig:${id}${field === undefined ? "" : `:${field}`}-->${quote(r, id, field ?? "value", where)}<!--/fig-->`,
  );
}

/** Reads a results file (latest.json), refusing one without figures. */
export function readResults(file: string): BenchResults {
  let parsed: Partial<BenchResults>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<BenchResults>;
  } catch (cause) {
    throw new InvalidFileError(file, `not a results file (${String(cause)}): run \`npm run bench\``);
  }
  if (!Array.isArray(parsed.figures) || parsed.meta === undefined)
    throw new InvalidFileError(file, "holds no meta or figures: run `npm run bench`");
  return parsed as BenchResults;
}

/** The docs page as `npm run bench:docs` writes it: generated from `r`, then formatted as the repository's. */
export async function generatedDocs(file: string, r: BenchResults): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(renderDocs(readFileSync(file, "utf8"), r, file), { ...options, filepath: file });
}

/** Rewrite the generated parts of the docs page from a run. */
export async function updateDocs(file: string, r: BenchResults): Promise<void> {
  writeFileSync(file, await generatedDocs(file, r));
}
