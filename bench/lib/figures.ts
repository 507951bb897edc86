/**
 * What every benchmark module returns: figures measured beside their baseline in the same run, so that the
 * ratio holds on a noisy machine even when the absolute numbers drift.
 */
import { renderTable, type Cell } from "../../lib/format/table.js";
import { GridShareError } from "../../lib/errors.js";

/** A reference value a figure is compared with (measured in the same run unless `computed` says otherwise). */
export interface Reference {
  readonly label: string;
  readonly value: number;
  /** How the reference was obtained when it is arithmetic rather than a measurement (e.g. a gas floor). */
  readonly computed?: string;
}

export interface Figure {
  /** Figure group, e.g. "anchoring". */
  readonly group: string;
  /** Stable id for the JSON, e.g. "anchor.perReading.n64". */
  readonly id: string;
  readonly label: string;
  /** The measurement; null when `notMeasured` says why. */
  readonly value: number | null;
  readonly unit: string;
  readonly baseline?: Reference;
  /** `value / baseline.value` (for gas, < 1 is cheaper than the baseline; for rates, > 1 is faster). */
  readonly ratio?: number;
  /** The physical or protocol limit the figure is measured against (tx floor, storage slot, machine speed). */
  readonly limit?: Reference;
  readonly note?: string;
  readonly notMeasured?: string;
}

/** A benchmark was asked for something it cannot measure (bad size, missing contract). */
export class BenchInputError extends GridShareError {
  constructor(problem: string) {
    super("BENCH_INPUT", problem);
  }
}

export interface FigureInput {
  group: string;
  id: string;
  label: string;
  value: number;
  unit: string;
  baseline?: Reference;
  limit?: Reference;
  note?: string;
}

/** A measured figure; the ratio to its baseline is computed here, once. */
export function figure(f: FigureInput): Figure {
  const ratio = f.baseline && f.baseline.value !== 0 ? f.value / f.baseline.value : undefined;
  return { ...f, ratio };
}

/** A figure that could not be measured in this run, with the reason. */
export function notMeasured(group: string, id: string, label: string, unit: string, reason: string): Figure {
  return { group, id, label, value: null, unit, notMeasured: reason };
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return "-";
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString("en-US");
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Compact text table: one line per figure, baseline and ratio beside it. */
export function figureTable(figures: readonly Figure[]): string {
  const rows: Cell[][] = figures.map((f) => [
    f.group,
    f.label,
    f.notMeasured ? `not measured: ${f.notMeasured}` : `${fmt(f.value)} ${f.unit}`,
    f.baseline ? `${fmt(f.baseline.value)} (${f.baseline.label})` : "",
    f.ratio === undefined ? "" : `x${fmt(f.ratio)}`,
  ]);
  return renderTable(["group", "figure", "value", "baseline", "ratio"], rows);
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function figureMarkdown(figures: readonly Figure[]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const lines = ["| group | figure | value | baseline | ratio |", "| --- | --- | ---: | --- | ---: |"];
  for (const f of figures) {
    const value = f.notMeasured ? "not measured (below)" : `${fmt(f.value)} ${f.unit}`;
    const base = f.baseline ? `${fmt(f.baseline.value)} (${esc(f.baseline.label)})` : "";
    const ratio = f.ratio === undefined ? "" : `x${fmt(f.ratio)}`;
    lines.push(`| ${f.group} | ${esc(f.label)} | ${value} | ${base} | ${ratio} |`);
  }
  const missing = figures.filter((f) => f.notMeasured);
  if (missing.length > 0) {
    lines.push("", "Not measured in this run:", "");
    for (const f of missing) lines.push(`- ${f.label}: ${f.notMeasured}`);
  }
  return lines.join("\n");
}

export { fmt as formatNumber };
