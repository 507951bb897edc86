/**
 * Accuracy measures. Generation is 0 every night, so per-period percentage errors are undefined there:
 * - `mape` is for series without zero actuals (weekly totals) and refuses a zero actual;
 * - `wape` (sum |error| / sum actual) is for per-period series and is defined whenever any actual is > 0.
 */
import { ZeroActualError } from "./errors.js";
import { checkSameLength, checkSeries, type Series } from "./series.js";

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

/** Weighted absolute percentage error, as a fraction: sum |a - f| / sum a. Refuses an all-zero actual. */
export function wape(actual: Series, forecast: Series): number {
  checkSameLength("wape: forecast vs actual", actual, forecast);
  checkSeries("actual", actual);
  checkSeries("forecast", forecast);
  let err = 0,
    sum = 0;
  for (let i = 0; i < actual.length; i++) {
    err += Math.abs((actual[i] as number) - (forecast[i] as number));
    sum += actual[i] as number;
  }
  if (sum === 0) throw new ZeroActualError(-1);
  return err / sum;
}
