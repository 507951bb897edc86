/**
 * ORACLE reference, not a forecaster: regresses generation on the weather file's MEASURED irradiance of
 * the forecast week itself, which nobody knows a week ahead (weather.csv's "predicted" columns reach only
 * 6/12/24 h ahead). It bounds what a perfect weather forecast could add; it is never the default.
 */
import { HORIZON, PERIODS_PER_DAY, checkSeries, type Series } from "./series.js";
import { HistoryTooShortError, SeriesLengthMismatchError } from "./errors.js";
import { PERIOD_HOURS as HOURS_PER_PERIOD } from "../../constants.js";

export interface WeatherHour {
  readonly temperatureC: number;
  readonly diffuseIrradianceWm2: number;
  readonly directIrradianceWm2: number;
}

/** Weather of one 4-hour period: irradiance summed over its hours (Wh/m^2). */
export interface PeriodWeather {
  readonly directWhm2: number;
  readonly diffuseWhm2: number;
}

/** Aggregate hourly weather into periods (same alignment as the building data; a partial tail is dropped). */
export function periodWeather(hours: readonly WeatherHour[]): PeriodWeather[] {
  const out: PeriodWeather[] = [];
  for (let p = 0; (p + 1) * HOURS_PER_PERIOD <= hours.length; p++) {
    let dir = 0,
      diff = 0;
    for (let h = p * HOURS_PER_PERIOD; h < (p + 1) * HOURS_PER_PERIOD; h++) {
      dir += (hours[h] as WeatherHour).directIrradianceWm2;
      diff += (hours[h] as WeatherHour).diffuseIrradianceWm2;
    }
    out.push({ directWhm2: dir, diffuseWhm2: diff });
  }
  return out;
}

/** Days of history the regression is fitted on (recent, so the sun's angle is similar). */
export const WEATHER_FIT_DAYS = 28;

/**
 * Per period of the day, least squares `g = a * direct + b * diffuse` (no intercept: no sun, no PV) over
 * the last 28 days, applied to the forecast week's measured weather.
 */
export function oracleWeatherGeneration(
  history: Series,
  historyWeather: readonly PeriodWeather[],
  weekWeather: readonly PeriodWeather[],
): number[] {
  checkSeries("history", history);
  if (historyWeather.length !== history.length)
    throw new SeriesLengthMismatchError("history weather vs history", history.length, historyWeather.length);
  if (weekWeather.length !== HORIZON)
    throw new SeriesLengthMismatchError("forecast-week weather", HORIZON, weekWeather.length);
  const fitPeriods = WEATHER_FIT_DAYS * PERIODS_PER_DAY;
  if (history.length < fitPeriods)
    throw new HistoryTooShortError("oracle-weather", fitPeriods, history.length);
  const n = history.length;
  const coef: [number, number][] = [];
  for (let s = 0; s < PERIODS_PER_DAY; s++) {
    // Normal equations of the 2-variable regression for slot s (period index mod 6 == s).
    let sxx = 0,
      sxy = 0,
      syy = 0,
      sxg = 0,
      syg = 0;
    for (let t = n - fitPeriods; t < n; t++) {
      if (t % PERIODS_PER_DAY !== s) continue;
      const w = historyWeather[t] as PeriodWeather;
      const g = history[t] as number;
      sxx += w.directWhm2 * w.directWhm2;
      sxy += w.directWhm2 * w.diffuseWhm2;
      syy += w.diffuseWhm2 * w.diffuseWhm2;
      sxg += w.directWhm2 * g;
      syg += w.diffuseWhm2 * g;
    }
    const det = sxx * syy - sxy * sxy;
    if (det > 1e-9 * (sxx * syy + 1))
      coef.push([(sxg * syy - syg * sxy) / det, (syg * sxx - sxg * sxy) / det]);
    else if (sxx + syy > 0) {
      // Collinear (or one input always 0): one coefficient on the summed irradiance.
      const k = (sxg + syg) / (sxx + 2 * sxy + syy);
      coef.push([k, k]);
    } else coef.push([0, 0]);
  }
  return weekWeather.map((w, h) => {
    const [a, b] = coef[(n + h) % PERIODS_PER_DAY] as [number, number];
    return Math.max(0, a * w.directWhm2 + b * w.diffuseWhm2);
  });
}
