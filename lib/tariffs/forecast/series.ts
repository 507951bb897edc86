/**
 * Series of per-period energies (Wh per 4-hour period, SPEC 3) as plain numbers: a cluster's weekly energy
 * is far below 2^53 Wh, so floating point is exact for the sums and fast for the smoothing methods.
 */
import type { PeriodEnergy } from "../../batches/reading.js";
import { PERIODS_PER_WEEK } from "../../constants.js";
import { InvalidSeriesValueError, SeriesLengthMismatchError } from "./errors.js";

/** Wh per period, oldest first; the next period after the last one is the first one forecast. */
export type Series = readonly number[];

/** The forecast horizon: one week of periods. */
export const HORIZON = PERIODS_PER_WEEK;
/** Periods of a day (the daily season). */
export const PERIODS_PER_DAY = 6;

/** Refuse NaN, infinities and negative energies (a meter cannot register them). */
export function checkSeries(what: string, series: Series): void {
  for (let i = 0; i < series.length; i++) {
    const v = series[i] as number;
    if (!Number.isFinite(v) || v < 0) throw new InvalidSeriesValueError(what, i, v);
  }
}

export function checkSameLength(what: string, a: Series, b: Series): void {
  if (a.length !== b.length) throw new SeriesLengthMismatchError(what, a.length, b.length);
}

export type EnergyField = "loadWh" | "generationWh";

/** A meter's (or building's) periods, oldest first: what a data loader hands the forecaster. */
export interface EnergyProfile {
  readonly periods: readonly PeriodEnergy[];
}

/**
 * Sum one field over several buildings, period by period (a cluster's or the grid's series). The result is
 * as long as the shortest building; `untilPeriod` (exclusive) cuts it to the history known at that time.
 */
export function aggregateSeries(
  profiles: readonly EnergyProfile[],
  field: EnergyField,
  untilPeriod = Number.POSITIVE_INFINITY,
): number[] {
  if (profiles.length === 0) return [];
  const n = Math.min(untilPeriod, ...profiles.map((p) => p.periods.length));
  const out = new Array<number>(n).fill(0);
  for (const p of profiles) {
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) + Number((p.periods[i] as PeriodEnergy)[field]);
  }
  return out;
}

/** Sum of a series (a week's forecast or actuals). */
export function total(series: Series): number {
  let s = 0;
  for (const v of series) s += v;
  return s;
}

/** Median of `values` (the mean of the middle two for an even count); `values` is not modified. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * The midpoint of the median and the mean: the level the profile methods use. The median minimises the
 * periods' absolute error but ignores how deep the bad days go (cloudy days for PV), which biases a week's
 * total; the mean keeps the total unbiased but follows outliers. Their midpoint keeps most of both
 * (docs/forecast.md has the numbers).
 */
export function midMedianMean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  return (median(values) + total(values) / values.length) / 2;
}
