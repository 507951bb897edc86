/** The results file of `npm run bench` and the table section of docs/benchmarks.md. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchInputError, figureMarkdown, type Figure } from "./figures.js";
import { scaleMarkdown, type ScaleModel } from "../scale.js";

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

/** Write `bench-<timestamp>.json` and `latest.json`; returns the timestamped path. */
export function writeResults(dir: string, results: BenchResults): string {
  mkdirSync(dir, { recursive: true });
  const stamp = results.meta.startedAt.replace(/[:.]/g, "-");
  const file = path.join(dir, `bench-${stamp}.json`);
  const text = JSON.stringify(results, null, 2) + "\n";
  writeFileSync(file, text);
  writeFileSync(path.join(dir, "latest.json"), text);
  return file;
}

export const DOCS_START = "<!-- bench:results:start -->";
export const DOCS_END = "<!-- bench:results:end -->";

/** Markdown of one run: its machine, the figures and the scale model. */
export function resultsMarkdown(r: BenchResults): string {
  const m = r.meta;
  return [
    `Run ${m.startedAt} at commit \`${m.commit}\`, ${m.durationS.toFixed(0)} s, Node ${m.node}, ` +
      `${m.cores} x ${m.cpus}, load average ${m.loadAverage.start.toFixed(1)} -> ${m.loadAverage.end.toFixed(1)}` +
      (m.quick ? " (quick sizes)" : "") +
      ".",
    "",
    figureMarkdown(r.figures),
    "",
    r.scale
      ? `Scale model (per-core rate ${Math.round(r.scale.perCoreRate.value)}/s from \`${r.scale.perCoreRate.source}\`):\n\n` +
        scaleMarkdown(r.scale)
      : "Scale model: not computed (no rate measured).",
  ].join("\n");
}

/** Replace the generated section of the docs page between the two markers. */
export function updateDocs(file: string, r: BenchResults): void {
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(DOCS_START);
  const b = text.indexOf(DOCS_END);
  if (a < 0 || b < a) throw new BenchInputError(`${file} lacks the ${DOCS_START} ... ${DOCS_END} markers`);
  writeFileSync(
    file,
    text.slice(0, a + DOCS_START.length) + "\n\n" + resultsMarkdown(r) + "\n\n" + text.slice(b),
  );
}
