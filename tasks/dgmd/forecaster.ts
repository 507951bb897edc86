/**
 * The seam between dgmd:forecast and a forecasting model. The project's model (lib/forecast/, branch
 * feat/forecast) is not on main yet; until it is, dgmd:forecast uses the seasonal-naive forecaster below
 * ("next week looks like the last complete week"), which is what the real model must beat.
 */
import { PERIODS_PER_WEEK } from "../../lib/constants.js";
import { GridShareError, InvalidFileError } from "../../lib/errors.js";
import { existsSync, readFileSync } from "node:fs";

/** Whole-grid totals of one 4-hour period. */
export interface PeriodTotals {
  readonly period: number;
  readonly loadWh: bigint;
  readonly generationWh: bigint;
}

export interface WeekForecast {
  readonly loadWh: bigint;
  readonly generationWh: bigint;
  /** How it was made (printed with the result). */
  readonly method: string;
}

export interface WeekForecaster {
  forecast(history: readonly PeriodTotals[], week: number): WeekForecast;
}

/** Seasonal naive: the totals of the latest complete week before `week` in the history. */
export const seasonalNaive: WeekForecaster = {
  forecast(history, week) {
    const byWeek = new Map<number, { load: bigint; gen: bigint; count: number }>();
    for (const h of history) {
      const w = Math.floor(h.period / PERIODS_PER_WEEK);
      if (w >= week) continue;
      const acc = byWeek.get(w) ?? { load: 0n, gen: 0n, count: 0 };
      acc.load += h.loadWh;
      acc.gen += h.generationWh;
      acc.count += 1;
      byWeek.set(w, acc);
    }
    const complete = [...byWeek.entries()].filter(([, v]) => v.count === PERIODS_PER_WEEK).map(([w]) => w);
    if (complete.length === 0) {
      throw new GridShareError(
        "NO_HISTORY",
        `no complete week (42 periods) of history before week ${week}: give --load and --generation instead`,
      );
    }
    const source = Math.max(...complete);
    const v = byWeek.get(source)!;
    return { loadWh: v.load, generationWh: v.gen, method: `seasonal naive (week ${source} repeated)` };
  },
};

function wholeNumber(file: string, i: number, field: string, v: unknown): bigint {
  if (
    (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ||
    (typeof v === "string" && /^\d+$/.test(v))
  ) {
    return BigInt(v);
  }
  throw new InvalidFileError(file, `entry ${i}: "${field}" must be a whole number, got ${JSON.stringify(v)}`);
}

/** A history file: JSON array of `{ period, loadWh, generationWh }` whole-grid period totals. */
export function readHistoryFile(file: string): PeriodTotals[] {
  if (!existsSync(file)) throw new InvalidFileError(file, "file not found");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidFileError(file, `malformed JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(json))
    throw new InvalidFileError(file, "must hold a JSON array of {period, loadWh, generationWh}");
  return json.map((e: unknown, i) => {
    if (typeof e !== "object" || e === null) throw new InvalidFileError(file, `entry ${i} is not an object`);
    const r = e as Record<string, unknown>;
    return {
      period: Number(wholeNumber(file, i, "period", r.period)),
      loadWh: wholeNumber(file, i, "loadWh", r.loadWh),
      generationWh: wholeNumber(file, i, "generationWh", r.generationWh),
    };
  });
}
