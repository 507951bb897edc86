/**
 * Generation models that know the sun: a home's (or cluster's) PV response per period of the day, fitted on
 * its own recent history against clear-sky irradiation (profile.ts), carried forward by the sun's geometry.
 */
import { PERIOD_HOURS, PERIOD_SECONDS } from "../../constants.js";
import { HistoryTooShortError, MissingForecastInputError } from "./errors.js";
import { periodStartUtc, requireInputs, requireWeather, type ForecastInputs } from "./inputs.js";
import { PROFILE_WINDOWS_DAYS, profileForecast } from "./profile.js";
import { PERIODS_PER_DAY, type Series } from "./series.js";
import { clearSkyDayWhm2, solarDay, type ForecastSite } from "./solar.js";
import {
  WEATHER_FIT_DAYS,
  applyIrradianceResponse,
  fitIrradianceResponse,
  periodWeather,
  type WeatherHour,
} from "./weather.js";

/** Clear-sky irradiation (Wh/m^2) of the solar day of period `t`, memoised per day. */
function clearSkyOfPeriod(inputs: ForecastInputs): (t: number) => number {
  const site: ForecastSite = inputs.site;
  const byDay = new Map<number, number>();
  return (t) => {
    const day = solarDay(site, periodStartUtc(inputs, t) + PERIOD_SECONDS / 2);
    let c = byDay.get(day);
    if (c === undefined) {
      c = clearSkyDayWhm2(site, day);
      byDay.set(day, c);
    }
    return c;
  };
}

/**
 * The PV model (`pv-clearsky`): per period of the day, the home's energy per Wh/m^2 of its day's clear-sky
 * irradiation on the panel plane (its level over the last 7, 14 and 28 days: the home's performance
 * ratio, with its typical cloudiness, shading and clock), times the clear-sky irradiation of each
 * forecast day. The sun's geometry carries the season into the week; no weather is needed. Needs 28 days,
 * the site and the history's start time.
 */
export function pvClearSky(
  history: Series,
  inputs: ForecastInputs | undefined,
  windowsDays: readonly number[] = PROFILE_WINDOWS_DAYS,
): number[] {
  const i = requireInputs("pv-clearsky", inputs);
  return profileForecast("pv-clearsky", history, windowsDays, clearSkyOfPeriod(i));
}

/**
 * `pv-clearsky`, except that the forecast periods the weather feed's predictions cover in full (the first
 * 24 h with CityLearn's file) come from the home's irradiance response (`fitIrradianceResponse`, fitted on
 * the last 28 days of history against their measured irradiance) applied to the predicted irradiance.
 * Needs 28 days of history with measured weather.
 */
export function pvWeather(history: Series, inputs: ForecastInputs | undefined): number[] {
  const i = requireWeather("pv-weather", inputs);
  const base = pvClearSky(history, i);
  const fitPeriods = WEATHER_FIT_DAYS * PERIODS_PER_DAY;
  const fitHours = fitPeriods * PERIOD_HOURS;
  if (i.weather.observed.length < fitHours)
    throw new MissingForecastInputError(
      "pv-weather",
      `${WEATHER_FIT_DAYS} days of measured weather before the origin`,
    );
  if (history.length < fitPeriods) throw new HistoryTooShortError("pv-weather", fitPeriods, history.length);
  // Both slices end at the origin and are whole days long, so period-of-day phases agree with `history`.
  const observed: readonly WeatherHour[] = i.weather.observed.slice(i.weather.observed.length - fitHours);
  const coef = fitIrradianceResponse(
    "pv-weather",
    history.slice(history.length - fitPeriods),
    periodWeather(observed),
  );
  const predicted = applyIrradianceResponse(coef, fitPeriods, periodWeather(i.weather.predicted));
  return base.map((v, h) => (h < predicted.length ? (predicted[h] as number) : v));
}
