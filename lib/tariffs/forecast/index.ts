/**
 * The DGMD's week-ahead forecast (SPEC 9): next week's load and generation of a home, a cluster or the
 * grid, from past 4-hour periods and, for the site-aware methods, the sun's geometry and the weather known
 * before the week starts. Results and method comparison: docs/forecast.md.
 */
import { UnknownForecastMethodError } from "./errors.js";
import type { ForecastInputs } from "./inputs.js";
import { temperatureLoad } from "./load.js";
import { ensemble, holtWinters, seasonalMean, seasonalNaive, weeklySmoothing } from "./methods.js";
import { dailyProfile } from "./profile.js";
import { pvClearSky, pvWeather } from "./pv.js";
import { checkSeries, type Series } from "./series.js";

export * from "./errors.js";
export * from "./series.js";
export * from "./methods.js";
export * from "./metrics.js";
export * from "./weather.js";
export * from "./solar.js";
export * from "./inputs.js";
export * from "./profile.js";
export * from "./pv.js";
export * from "./load.js";

/** Methods that need nothing but the history. */
export const HISTORY_ONLY_METHODS = [
  "seasonal-naive",
  "seasonal-mean",
  "holt-winters",
  "weekly-smoothing",
  "ensemble",
  "daily-profile",
] as const;
/** Methods that also need `ForecastInputs` (site and time; the weather ones the weather at the origin). */
export const SITE_METHODS = ["pv-clearsky", "pv-weather", "load-temperature"] as const;
export const FORECAST_METHODS = [...HISTORY_ONLY_METHODS, ...SITE_METHODS] as const;
export type HistoryOnlyMethod = (typeof HISTORY_ONLY_METHODS)[number];
export type ForecastMethod = (typeof FORECAST_METHODS)[number];

export type SiteMethod = (typeof SITE_METHODS)[number];
export type Quantity = "load" | "generation";

/** What each site method models (the history-only ones suit both) and whether it needs the weather. */
export const SITE_METHOD_NEEDS: Readonly<
  Record<SiteMethod, { readonly quantity: Quantity; readonly weather: boolean }>
> = {
  "pv-clearsky": { quantity: "generation", weather: false },
  "pv-weather": { quantity: "generation", weather: true },
  "load-temperature": { quantity: "load", weather: true },
};

/**
 * Defaults per quantity, chosen by the least mean MASE over the grid and the three clusters in the
 * rolling-origin evaluation of docs/forecast.md (`npm run forecast:accuracy` prints the ranking).
 */
export const DEFAULT_LOAD_METHOD: ForecastMethod = "load-temperature";
export const DEFAULT_GENERATION_METHOD: ForecastMethod = "pv-clearsky";
/** The same choice among the history-only methods: what a caller without `ForecastInputs` gets. */
export const HISTORY_ONLY_LOAD_METHOD: HistoryOnlyMethod = "daily-profile";
export const HISTORY_ONLY_GENERATION_METHOD: HistoryOnlyMethod = "daily-profile";
/** Default of `forecastNextWeek` given only a history (no quantity implied: the load default). */
export const DEFAULT_METHOD: HistoryOnlyMethod = HISTORY_ONLY_LOAD_METHOD;

export function isForecastMethod(name: string): name is ForecastMethod {
  return (FORECAST_METHODS as readonly string[]).includes(name);
}

export function isHistoryOnly(method: ForecastMethod): method is HistoryOnlyMethod {
  return (HISTORY_ONLY_METHODS as readonly string[]).includes(method);
}

/**
 * Each method's forecaster. The history-only ones take their own defaults (their optional parameters are not
 * the inputs); the site-aware ones read `inputs`.
 */
const METHODS: Record<ForecastMethod, (history: Series, inputs: ForecastInputs | undefined) => number[]> = {
  "seasonal-naive": (h) => seasonalNaive(h),
  "seasonal-mean": (h) => seasonalMean(h),
  "holt-winters": (h) => holtWinters(h),
  "weekly-smoothing": (h) => weeklySmoothing(h),
  ensemble: (h) => ensemble(h),
  "daily-profile": (h) => dailyProfile(h),
  "pv-clearsky": (h, inputs) => pvClearSky(h, inputs),
  "pv-weather": (h, inputs) => pvWeather(h, inputs),
  "load-temperature": (h, inputs) => temperatureLoad(h, inputs),
};

/**
 * Forecast the 42 periods after `history` (Wh per period, not rounded, each >= 0). The site-aware methods
 * need `inputs` (MissingForecastInputError otherwise); the history-only ones ignore it.
 */
export function forecastNextWeek(
  history: Series,
  method: ForecastMethod = DEFAULT_METHOD,
  inputs?: ForecastInputs,
): number[] {
  // A name from outside the type (a config file, a CLI argument) is refused by name.
  if (!isForecastMethod(method)) throw new UnknownForecastMethodError(String(method), FORECAST_METHODS);
  return METHODS[method](history, inputs);
}

/**
 * The default method for a quantity given what the caller has: the default if `inputs` carry what it
 * needs, else the history-only choice, with a note saying so.
 */
export function defaultMethod(
  quantity: Quantity,
  inputs: ForecastInputs | undefined,
): { readonly method: ForecastMethod; readonly note?: string } {
  const best = quantity === "load" ? DEFAULT_LOAD_METHOD : DEFAULT_GENERATION_METHOD;
  const fallback = quantity === "load" ? HISTORY_ONLY_LOAD_METHOD : HISTORY_ONLY_GENERATION_METHOD;
  if (isHistoryOnly(best)) return { method: best };
  const needsWeather = SITE_METHOD_NEEDS[best].weather;
  if (inputs !== undefined && (!needsWeather || inputs.weather !== undefined)) return { method: best };
  const missing = !needsWeather
    ? "site and start time"
    : inputs === undefined
      ? "site, start time and weather"
      : "weather known at the origin";
  return {
    method: fallback,
    note: `${quantity}: ${best} needs the ${missing}; used ${fallback} (history only)`,
  };
}

/** Round each period to whole Wh and sum: the integer a week total is published as. */
export function weeklyTotal(perPeriod: Series): bigint {
  checkSeries("forecast", perPeriod);
  let s = 0n;
  for (const v of perPeriod) s += BigInt(Math.round(v));
  return s;
}

export interface GridWeekForecast {
  readonly loadMethod: ForecastMethod;
  readonly generationMethod: ForecastMethod;
  /** Whole Wh per period; the totals are exactly their sums. */
  readonly loadPerPeriodWh: readonly bigint[];
  readonly generationPerPeriodWh: readonly bigint[];
  /** `forecastLoadWh` and `forecastGenerationWh` for TariffSchedule.publish. */
  readonly loadWh: bigint;
  readonly generationWh: bigint;
  /** Why a default was replaced by its history-only choice (empty when neither was). */
  readonly notes: readonly string[];
}

/**
 * Next week's forecast of a cluster or the grid, ready to publish (integers, Wh). `method` overrides both
 * per-quantity defaults. Without `inputs` (site, start time, weather at the origin) a default that needs
 * them gives way to the history-only choice, and `notes` says so.
 */
export function forecastGridWeek(input: {
  readonly loadHistory: Series;
  readonly generationHistory: Series;
  readonly method?: ForecastMethod;
  readonly inputs?: ForecastInputs;
}): GridWeekForecast {
  const l = input.method === undefined ? defaultMethod("load", input.inputs) : { method: input.method };
  const g = input.method === undefined ? defaultMethod("generation", input.inputs) : { method: input.method };
  const load = forecastNextWeek(input.loadHistory, l.method, input.inputs).map((v) => BigInt(Math.round(v)));
  const gen = forecastNextWeek(input.generationHistory, g.method, input.inputs).map((v) =>
    BigInt(Math.round(v)),
  );
  const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);
  return {
    loadMethod: l.method,
    generationMethod: g.method,
    loadPerPeriodWh: load,
    generationPerPeriodWh: gen,
    loadWh: sum(load),
    generationWh: sum(gen),
    notes: [l.note, g.note].filter((n): n is string => n !== undefined),
  };
}
