/**
 * The seam between dgmd:forecast and the forecasting model (lib/tariffs/forecast/). The history is the whole grid's
 * accepted period totals; the model forecasts the week after the last complete week of history, which is
 * published for the target week (the DGMD publishes during the week before, when that week is not complete).
 */
import { PERIODS_PER_WEEK } from "../constants.js";
import { GridShareError, InvalidFileError } from "../errors.js";
import { forecastGridWeek, HistoryTooShortError } from "./forecast/index.js";
import { readJsonFile } from "../args.js";

/** Whole-grid totals of one 4-hour period. */
export interface PeriodTotals {
  readonly period: number;
  readonly loadWh: bigint;
  readonly generationWh: bigint;
}

/** A week's whole-grid forecast, what TariffSchedule.publish takes for the week. */
export interface WeekForecast {
  readonly week: number;
  readonly loadWh: bigint;
  readonly generationWh: bigint;
  /** How it was made (printed with the result). */
  readonly method: string;
}

export interface WeekForecaster {
  forecast(history: readonly PeriodTotals[], week: number): WeekForecast;
}

/**
 * The project's default model (lib/tariffs/forecast: ensemble for load, seasonal-naive for generation), over the
 * longest run of consecutive complete weeks that ends before `week`. With too little history for the
 * default model, it falls back to seasonal-naive and says so.
 */
export const modelForecaster: WeekForecaster = {
  forecast(history, week) {
    const byPeriod = new Map(
      history.filter((h) => h.period < week * PERIODS_PER_WEEK).map((h) => [h.period, h]),
    );
    const complete = (w: number) =>
      Array.from({ length: PERIODS_PER_WEEK }, (_, i) => w * PERIODS_PER_WEEK + i).every((p) =>
        byPeriod.has(p),
      );
    let last = week - 1;
    while (last >= 0 && !complete(last)) last--;
    if (last < 0) {
      throw new GridShareError(
        "NO_HISTORY",
        `no complete week (42 periods) of history before week ${week}: give --load and --generation instead`,
      );
    }
    let first = last;
    while (first > 0 && complete(first - 1)) first--;
    const periods = Array.from({ length: (last - first + 1) * PERIODS_PER_WEEK }, (_, i) => {
      return byPeriod.get(first * PERIODS_PER_WEEK + i) as PeriodTotals;
    });
    const loadHistory = periods.map((p) => Number(p.loadWh));
    const generationHistory = periods.map((p) => Number(p.generationWh));
    const span = `weeks ${first}-${last}`;
    try {
      const f = forecastGridWeek({ loadHistory, generationHistory });
      return {
        week,
        loadWh: f.loadWh,
        generationWh: f.generationWh,
        method: `${f.loadMethod}/${f.generationMethod} over ${span}`,
      };
    } catch (e) {
      if (!(e instanceof HistoryTooShortError)) throw e;
      const f = forecastGridWeek({ loadHistory, generationHistory, method: "seasonal-naive" });
      return {
        week,
        loadWh: f.loadWh,
        generationWh: f.generationWh,
        method: `seasonal-naive over ${span} (too short for the default model)`,
      };
    }
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
  const json = readJsonFile(file);
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
