/**
 * Load from temperature and day type (`load-temperature`): per period of the day, the recent load level,
 * moved by heating and cooling degree days (fitted on the history's measured temperatures) and scaled for
 * weekends. The forecast week's temperatures are the feed's predictions as far as they reach, then the
 * last week's mean (persistence): nothing measured in the forecast week is used.
 */
import { PERIOD_SECONDS } from "../../constants.js";
import { HistoryTooShortError, MissingForecastInputError } from "./errors.js";
import { periodStartUtc, requireWeather, type ForecastInputs } from "./inputs.js";
import { PROFILE_MIN_DAYS, PROFILE_WINDOWS_DAYS, profileLevels } from "./profile.js";
import { HORIZON, PERIODS_PER_DAY, checkSeries, type Series } from "./series.js";
import { WEEK_HOURS, type WeatherAtOrigin } from "./weather.js";

/** Days the degree-day response is fitted over: 4 weeks give it a range of temperatures to learn from. */
export const LOAD_TEMPERATURE_FIT_DAYS = 28;
/** Base of the degree days, deg C (about 65 deg F, the usual base for homes). */
export const DEGREE_DAY_BASE_C = 18;
/** Days of measured temperature whose mean stands in for the forecast week's unpredicted hours. */
export const TEMPERATURE_PERSISTENCE_DAYS = 7;

const DAY_SECONDS = 86_400;
const HOUR_SECONDS = 3_600;
/** 1970-01-01 (day 0) was a Thursday: (day + 3) % 7 counts from Monday = 0. */
const MONDAY_OFFSET = 3;
const SATURDAY = 5;

/** Solve the normal equations `A x = b` (Gauss-Jordan); a variable without support gets 0. */
function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const k = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  const tiny = 1e-9 * (Math.abs(a[0]?.[0] ?? 0) + 1);
  const pivotOf = new Array<number>(k).fill(-1);
  const used = new Set<number>();
  for (let c = 0; c < k; c++) {
    let p = -1;
    for (let r = 0; r < k; r++) {
      if (!used.has(r) && (p < 0 || Math.abs(m[r][c]) > Math.abs(m[p][c]))) p = r;
    }
    // A degree-day column that is all 0 in the window (no heating days in summer) has nothing to fit.
    if (p < 0 || Math.abs(m[p][c]) <= tiny) continue;
    used.add(p);
    pivotOf[c] = p;
    for (let r = 0; r < k; r++) {
      if (r === p) continue;
      const f = m[r][c] / m[p][c];
      for (let j = c; j <= k; j++) m[r][j] -= f * m[p][j];
    }
  }
  return pivotOf.map((p, c) => (p < 0 ? 0 : m[p][k] / m[p][c]));
}

/** Mean temperature per local day, from the measured hours and the forecast week's expected hours. */
function dailyTemperatures(
  inputs: ForecastInputs,
  weather: WeatherAtOrigin,
  originUtc: number,
): Map<number, number> {
  const offset = inputs.site.utcOffsetHours * HOUR_SECONDS;
  const sums = new Map<number, [number, number]>();
  const add = (hourStart: number, t: number): void => {
    const day = Math.floor((hourStart + HOUR_SECONDS / 2 + offset) / DAY_SECONDS);
    const s = sums.get(day) ?? [0, 0];
    sums.set(day, [s[0] + t, s[1] + 1]);
  };
  const obs = weather.observed;
  obs.forEach((h, i) => add(originUtc - (obs.length - i) * HOUR_SECONDS, h.temperatureC));
  const recent = obs.slice(Math.max(0, obs.length - TEMPERATURE_PERSISTENCE_DAYS * 24));
  const persistence = recent.reduce((s, h) => s + h.temperatureC, 0) / recent.length;
  for (let i = 0; i < WEEK_HOURS; i++) {
    const p = weather.predicted[i];
    add(originUtc + i * HOUR_SECONDS, p === undefined ? persistence : p.temperatureC);
  }
  const out = new Map<number, number>();
  for (const [day, [s, c]] of sums) out.set(day, s / c);
  return out;
}

/**
 * Per period of the day: mean weekend load over mean weekday load, over the whole history. The effect is
 * small in these homes (about 8%) and a few weekends estimate it badly, so it takes every one there is.
 */
function weekendFactors(history: Series, weekend: (t: number) => boolean): number[] {
  const n = history.length;
  const sums = Array.from({ length: PERIODS_PER_DAY }, () => ({ we: 0, weN: 0, wd: 0, wdN: 0 }));
  for (let t = 0; t < n; t++) {
    const s = sums[t % PERIODS_PER_DAY];
    if (weekend(t)) {
      s.we += history[t] as number;
      s.weN++;
    } else {
      s.wd += history[t] as number;
      s.wdN++;
    }
  }
  // Without both kinds of day (or with no load) there is nothing to compare: no weekend effect.
  return sums.map((s) =>
    s.weN > 0 && s.wdN > 0 && s.we > 0 && s.wd > 0 ? s.we / s.weN / (s.wd / s.wdN) : 1,
  );
}

/** Per period of the day, least squares of `y` on `[1, x1, x2]` over the last `days` days: [b1, b2]. */
function degreeDayResponse(
  y: (t: number) => number,
  x: (t: number) => readonly [number, number],
  n: number,
  days: number,
): (readonly [number, number])[] {
  return Array.from({ length: PERIODS_PER_DAY }, (_, s) => {
    const a = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const b = [0, 0, 0];
    for (let t = Math.max(0, n - days * PERIODS_PER_DAY); t < n; t++) {
      if (t % PERIODS_PER_DAY !== s) continue;
      const [x1, x2] = x(t);
      const row = [1, x1, x2];
      for (let r = 0; r < 3; r++) {
        for (let q = 0; q < 3; q++) a[r][q] += row[r] * row[q];
        b[r] += row[r] * y(t);
      }
    }
    const [, b1, b2] = solve(a, b);
    return [b1, b2] as const;
  });
}

/**
 * The `load-temperature` forecast: per period of the day, load = (level + b1 * HDD + b2 * CDD) x day type.
 * The day-type factor is `weekendFactors`; b1, b2 are fitted over the last 28 days; the level is the
 * profile (profile.ts: last 7/14/28 days) of the load with day type and degree days taken out. Needs 28
 * days of history and of measured temperature, the site (its UTC offset places local days and weekends)
 * and the history's start time.
 */
export function temperatureLoad(history: Series, inputs: ForecastInputs | undefined): number[] {
  const i = requireWeather("load-temperature", inputs);
  checkSeries("history", history);
  const n = history.length;
  const needed = Math.max(PROFILE_MIN_DAYS, LOAD_TEMPERATURE_FIT_DAYS);
  if (n < needed * PERIODS_PER_DAY)
    throw new HistoryTooShortError("load-temperature", needed * PERIODS_PER_DAY, n);
  if (i.weather.observed.length < needed * 24)
    throw new MissingForecastInputError("load-temperature", `${needed} days of measured temperature`);
  const offset = i.site.utcOffsetHours * HOUR_SECONDS;
  const localDay = (t: number): number =>
    Math.floor((periodStartUtc(i, t) + PERIOD_SECONDS / 2 + offset) / DAY_SECONDS);
  const weekend = (t: number): boolean => (localDay(t) + MONDAY_OFFSET) % 7 >= SATURDAY;
  const temps = dailyTemperatures(i, i.weather, periodStartUtc(i, n));
  // Every day of the fit windows and of the forecast week has a temperature (checked above).
  const degreeDays = (t: number): readonly [number, number] => {
    const c = temps.get(localDay(t)) ?? DEGREE_DAY_BASE_C;
    return [Math.max(0, DEGREE_DAY_BASE_C - c), Math.max(0, c - DEGREE_DAY_BASE_C)];
  };
  const factors = weekendFactors(history, weekend);
  const dayType = (t: number): number => (weekend(t) ? factors[t % PERIODS_PER_DAY] : 1);
  const normalised = (t: number): number => (history[t] as number) / dayType(t);
  const response = degreeDayResponse(normalised, degreeDays, n, LOAD_TEMPERATURE_FIT_DAYS);
  const temperaturePart = (t: number): number => {
    const [b1, b2] = response[t % PERIODS_PER_DAY];
    const [hdd, cdd] = degreeDays(t);
    return b1 * hdd + b2 * cdd;
  };
  const level = profileLevels(n, PROFILE_WINDOWS_DAYS, (t) => normalised(t) - temperaturePart(t));
  return Array.from({ length: HORIZON }, (_, h) => {
    const t = n + h;
    return Math.max(0, (level[t % PERIODS_PER_DAY] + temperaturePart(t)) * dayType(t));
  });
}
