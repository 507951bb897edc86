/**
 * Weather as the forecasters may see it. `WeatherAtOrigin` is the only weather a week-ahead forecast takes:
 * what was measured before the origin and what a feed predicted from the origin on (as far as its
 * predictions reach). `oracleWeatherGeneration` at the end is an ORACLE reference, not a forecaster.
 */
import { HORIZON, PERIODS_PER_DAY, checkSeries, type Series } from "./series.js";
import { HistoryTooShortError, InvalidWeatherError, SeriesLengthMismatchError } from "./errors.js";
import { PERIOD_HOURS as HOURS_PER_PERIOD } from "../../constants.js";

export interface WeatherHour {
  readonly temperatureC: number;
  readonly diffuseIrradianceWm2: number;
  readonly directIrradianceWm2: number;
}

/** Hours in the forecast week: no prediction may reach past it. */
export const WEEK_HOURS = HORIZON * HOURS_PER_PERIOD;

/**
 * The weather known when a week-ahead forecast is made (the origin, the start of the forecast week).
 * Nothing measured in the forecast week is in it: that is what makes it a forecast.
 */
export interface WeatherAtOrigin {
  /** Measured hours, oldest first; the last one ends at the origin. May start later than the history. */
  readonly observed: readonly WeatherHour[];
  /**
   * Predicted hours, the first one starting at the origin, as far as the feed's predictions reach when the
   * forecast is made (CityLearn's file: 24 h). At most `WEEK_HOURS`; may be empty.
   */
  readonly predicted: readonly WeatherHour[];
}

function checkHours(what: string, hours: readonly WeatherHour[]): void {
  hours.forEach((h, i) => {
    if (!Number.isFinite(h.temperatureC))
      throw new InvalidWeatherError(`${what}[${i}].temperatureC`, h.temperatureC);
    for (const k of ["diffuseIrradianceWm2", "directIrradianceWm2"] as const) {
      const v = h[k];
      if (!Number.isFinite(v) || v < 0) throw new InvalidWeatherError(`${what}[${i}].${k}`, v);
    }
  });
}

/** Refuse non-finite values, negative irradiance and predictions past the forecast week. */
export function checkWeatherAtOrigin(w: WeatherAtOrigin): void {
  checkHours("observed", w.observed);
  checkHours("predicted", w.predicted);
  if (w.predicted.length > WEEK_HOURS)
    throw new SeriesLengthMismatchError(
      `predicted weather reaches ${w.predicted.length} h, past the ${WEEK_HOURS}-hour forecast week`,
      WEEK_HOURS,
      w.predicted.length,
    );
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

/** Days of history the irradiance regression is fitted on (recent, so the sun's angle is similar). */
export const WEATHER_FIT_DAYS = 28;

/** Per period of the day (index mod 6 of the history), `[a, b]` of `g = a * direct + b * diffuse`. */
export type IrradianceResponse = readonly (readonly [number, number])[];

/**
 * Per period of the day, least squares `g = a * direct + b * diffuse` (no intercept: no sun, no PV) over
 * the last 28 days of `history` and its measured weather (`historyWeather[t]` is period t's).
 */
export function fitIrradianceResponse(
  method: string,
  history: Series,
  historyWeather: readonly PeriodWeather[],
): IrradianceResponse {
  checkSeries("history", history);
  if (historyWeather.length !== history.length)
    throw new SeriesLengthMismatchError("history weather vs history", history.length, historyWeather.length);
  const fitPeriods = WEATHER_FIT_DAYS * PERIODS_PER_DAY;
  if (history.length < fitPeriods) throw new HistoryTooShortError(method, fitPeriods, history.length);
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
  return coef;
}

/** Generation of the periods after a history of `n` periods, from their weather (clamped at 0). */
export function applyIrradianceResponse(
  coef: IrradianceResponse,
  n: number,
  weather: readonly PeriodWeather[],
): number[] {
  return weather.map((w, h) => {
    const [a, b] = coef[(n + h) % PERIODS_PER_DAY] as readonly [number, number];
    return Math.max(0, a * w.directWhm2 + b * w.diffuseWhm2);
  });
}

/**
 * ORACLE reference, not a forecaster: `fitIrradianceResponse` applied to the forecast week's MEASURED
 * weather, which nobody knows a week ahead (weather.csv's predicted columns reach only 6/12/24 h). It
 * bounds what a perfect weather forecast through this regression could add; it is never a default and
 * is not in FORECAST_METHODS.
 */
export function oracleWeatherGeneration(
  history: Series,
  historyWeather: readonly PeriodWeather[],
  weekWeather: readonly PeriodWeather[],
): number[] {
  if (weekWeather.length !== HORIZON)
    throw new SeriesLengthMismatchError("forecast-week weather", HORIZON, weekWeather.length);
  const coef = fitIrradianceResponse("oracle-weather", history, historyWeather);
  return applyIrradianceResponse(coef, history.length, weekWeather);
}
