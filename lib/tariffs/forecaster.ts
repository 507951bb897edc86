/**
 * The seam between dgmd:forecast and the forecasting model (lib/tariffs/forecast/). The history is the whole grid's
 * accepted period totals; the model forecasts the week after the last complete week of history, which is
 * published for the target week (the DGMD publishes during the week before, when that week is not complete).
 * With the site (and the weather) the model uses the site-aware defaults (`pv-clearsky` for generation,
 * `load-temperature` for load); without them, the history-only choice, and the forecast's notes say so.
 */
import { PERIOD_SECONDS, PERIODS_PER_WEEK } from "../constants.js";
import { GridShareError, InvalidFileError } from "../errors.js";
import {
  forecastGridWeek,
  HistoryTooShortError,
  LOAD_TEMPERATURE_FIT_DAYS,
  PROFILE_MIN_DAYS,
  type ForecastInputs,
  type ForecastSite,
} from "./forecast/index.js";
import { readJsonFile } from "../args.js";
import { weatherAtOriginOf, type WeatherFeed } from "./site.js";

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
  /** Why a default method gave way to another (printed with the result; empty when none did). */
  readonly notes: readonly string[];
}

/** What places the history in time and space for the site-aware methods; without a site they are not used. */
export interface ForecastContext {
  /** UTC second at which period 0 starts (the registry's epoch). */
  readonly epochUtc: number;
  readonly site?: ForecastSite;
  /** Measured (and predicted) weather; `load-temperature` needs 28 days of it before the origin. */
  readonly weather?: WeatherFeed;
}

export interface WeekForecaster {
  forecast(history: readonly PeriodTotals[], week: number, context?: ForecastContext): WeekForecast;
}

const HOURS_PER_DAY = 24;

/** The site-aware inputs of a forecast whose history starts at week `first` and ends before week `origin`. */
function inputsOf(
  context: ForecastContext | undefined,
  first: number,
  origin: number,
): { inputs?: ForecastInputs; notes: string[] } {
  if (context?.site === undefined) return { notes: [] };
  const weekSeconds = PERIODS_PER_WEEK * PERIOD_SECONDS;
  const historyStartUtc = context.epochUtc + first * weekSeconds;
  const base = { historyStartUtc, site: context.site };
  if (context.weather === undefined) return { inputs: base, notes: [] };
  const weather = weatherAtOriginOf(context.weather, context.epochUtc + origin * weekSeconds);
  const days = Math.floor(weather.observed.length / HOURS_PER_DAY);
  const needed = Math.max(PROFILE_MIN_DAYS, LOAD_TEMPERATURE_FIT_DAYS);
  // Too short a record is the same as none for the model that needs it: say so, and forecast without it.
  if (days < needed)
    return {
      inputs: base,
      notes: [
        `${context.weather.source} holds ${days} days of measured weather before the origin; ` +
          `load-temperature needs ${needed}: forecasting without the weather`,
      ],
    };
  return { inputs: { ...base, weather }, notes: [] };
}

/**
 * The project's default models (lib/tariffs/forecast: `load-temperature` and `pv-clearsky` given the site and
 * weather, else `daily-profile`), over the longest run of consecutive complete weeks that ends before `week`.
 * With too little history for them, it falls back to seasonal-naive and says so.
 */
export const modelForecaster: WeekForecaster = {
  forecast(history, week, context) {
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
    const { inputs, notes } = inputsOf(context, first, last + 1);
    try {
      const f = forecastGridWeek({ loadHistory, generationHistory, inputs });
      return {
        week,
        loadWh: f.loadWh,
        generationWh: f.generationWh,
        method: `${f.loadMethod}/${f.generationMethod} over ${span}`,
        notes: [...notes, ...f.notes],
      };
    } catch (e) {
      if (!(e instanceof HistoryTooShortError)) throw e;
      const f = forecastGridWeek({ loadHistory, generationHistory, method: "seasonal-naive" });
      return {
        week,
        loadWh: f.loadWh,
        generationWh: f.generationWh,
        method: `seasonal-naive over ${span} (too short for the default model)`,
        notes,
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
