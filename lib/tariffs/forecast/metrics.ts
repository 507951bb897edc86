/**
 * Accuracy measures. Generation is 0 every night, and a home's week can be 0 (a PV outage, a home with no
 * PV yet), so relative errors of single values are often undefined:
 * - `mape` is for series without zero actuals and refuses a zero actual (kept for callers that have none);
 * - `wape` (sum |error| / sum actual) is defined whenever any actual is > 0;
 * - `mase` scales the mean absolute error by seasonal-naive's in-sample error on the history, floored at
 *   `MASE_SCALE_FLOOR_WH`, so it is always defined (see there);
 * - `ErrorTally` pools either over the origins of a rolling-origin evaluation, so that a zero week or a
 *   zero-scale origin is one term of a sum, never a division.
 */
import { HistoryTooShortError, ZeroActualError } from "./errors.js";
import { HORIZON, checkSameLength, checkSeries, type Series } from "./series.js";

/** Mean absolute percentage error, as a fraction (0.1 = 10%). Refuses zero actuals. */
export function mape(actual: Series, forecast: Series): number {
  checkSameLength("mape: forecast vs actual", actual, forecast);
  checkSeries("actual", actual);
  checkSeries("forecast", forecast);
  if (actual.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    if (a === 0) throw new ZeroActualError(i);
    s += Math.abs(a - (forecast[i] as number)) / a;
  }
  return s / actual.length;
}

/** Sum of |actual - forecast| (after the usual checks). */
function absError(what: string, actual: Series, forecast: Series): number {
  checkSameLength(`${what}: forecast vs actual`, actual, forecast);
  checkSeries("actual", actual);
  checkSeries("forecast", forecast);
  let err = 0;
  for (let i = 0; i < actual.length; i++) err += Math.abs((actual[i] as number) - (forecast[i] as number));
  return err;
}

/** Weighted absolute percentage error, as a fraction: sum |a - f| / sum a. Refuses an all-zero actual. */
export function wape(actual: Series, forecast: Series): number {
  const err = absError("wape", actual, forecast);
  let sum = 0;
  for (const a of actual) sum += a;
  if (sum === 0) throw new ZeroActualError(-1);
  return err / sum;
}

/**
 * MASE's scale never drops below 1 Wh per period, the meters' resolution. A history that repeats exactly
 * week after week (a home whose PV has been off all along) has an in-sample seasonal-naive error of 0; its
 * MASE is then the forecast's mean absolute error in Wh per period, not a division by zero (and 0 when the
 * forecast is exact too).
 */
export const MASE_SCALE_FLOOR_WH = 1;

/**
 * MASE's scale: the mean |y[t] - y[t - season]| over `history` (seasonal-naive's in-sample error, lag one
 * week by default), floored at `MASE_SCALE_FLOOR_WH`. Needs more than one season of history.
 */
export function seasonalNaiveScale(history: Series, season = HORIZON): number {
  checkSeries("history", history);
  if (history.length <= season) throw new HistoryTooShortError("MASE scale", season + 1, history.length);
  let s = 0;
  for (let t = season; t < history.length; t++)
    s += Math.abs((history[t] as number) - (history[t - season] as number));
  return Math.max(MASE_SCALE_FLOOR_WH, s / (history.length - season));
}

/** Mean absolute scaled error of one forecast: its mean absolute error / `seasonalNaiveScale(history)`. */
export function mase(actual: Series, forecast: Series, history: Series, season = HORIZON): number {
  const err = absError("mase", actual, forecast);
  return actual.length === 0 ? 0 : err / actual.length / seasonalNaiveScale(history, season);
}

/** Sums over the origins of a rolling-origin evaluation, from which WAPE and MASE are pooled. */
export interface ErrorTally {
  /** Sum of |actual - forecast| over every forecast value. */
  readonly absErrorWh: number;
  /** Sum of the actuals. */
  readonly actualWh: number;
  /** Sum over every forecast value of its origin's MASE scale. */
  readonly scaleWh: number;
  readonly values: number;
}

export const EMPTY_TALLY: ErrorTally = { absErrorWh: 0, actualWh: 0, scaleWh: 0, values: 0 };

/** Add one origin's forecast; `scale` is its origin's `seasonalNaiveScale` (>= the floor). */
export function tally(t: ErrorTally, actual: Series, forecast: Series, scale: number): ErrorTally {
  let sum = 0;
  for (const a of actual) sum += a;
  return {
    absErrorWh: t.absErrorWh + absError("tally", actual, forecast),
    actualWh: t.actualWh + sum,
    scaleWh: t.scaleWh + scale * actual.length,
    values: t.values + actual.length,
  };
}

/** Pooled WAPE: all errors over all actuals; `null` when every actual was 0 (no relative error exists). */
export function pooledWape(t: ErrorTally): number | null {
  return t.actualWh > 0 ? t.absErrorWh / t.actualWh : null;
}

/**
 * Pooled MASE: all errors over the sum of their origins' scales, i.e. the mean absolute error in units of
 * the mean in-sample seasonal-naive error. Each scale is >= 1 Wh, so this is defined for any non-empty tally;
 * for two methods on the same origins the ratio of their MASEs is the ratio of their absolute errors.
 */
export function pooledMase(t: ErrorTally): number | null {
  return t.values > 0 ? t.absErrorWh / t.scaleWh : null;
}
