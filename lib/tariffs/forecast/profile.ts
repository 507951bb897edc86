/**
 * The profile engine of the site-aware methods and of `daily-profile`: a level per period of the day,
 * taken over recent windows of days and carried forward. Medians blended with means (`midMedianMean`): the
 * median follows the typical day, which minimises the periods' absolute error; the mean counts the bad
 * days (cloud, for PV), which keeps the week's total unbiased.
 */
import { HistoryTooShortError } from "./errors.js";
import { HORIZON, PERIODS_PER_DAY, checkSeries, midMedianMean, type Series } from "./series.js";

/**
 * Windows (days of history) the profile is taken over; the forecast is the mean of one per window. One
 * week follows a change (season, a new panel or meter) quickly, four weeks are not moved by a cloudy
 * spell; the mean hedges between them. The longest is what the methods need.
 */
export const PROFILE_WINDOWS_DAYS = [7, 14, 28] as const;
export const PROFILE_MIN_DAYS = Math.max(...PROFILE_WINDOWS_DAYS);

/**
 * Per period of the day (index mod 6), the mean over the windows of `midMedianMean` of `value(t)` over the
 * window's last days before period `n`; `value` returns undefined for a period that says nothing.
 */
export function profileLevels(
  n: number,
  windowsDays: readonly number[],
  value: (t: number) => number | undefined,
): number[] {
  const level = new Array<number>(PERIODS_PER_DAY).fill(0);
  for (const days of windowsDays) {
    const values: number[][] = Array.from({ length: PERIODS_PER_DAY }, () => []);
    for (let t = Math.max(0, n - days * PERIODS_PER_DAY); t < n; t++) {
      const v = value(t);
      if (v !== undefined) values[t % PERIODS_PER_DAY].push(v);
    }
    values.forEach((vs, s) => (level[s] += midMedianMean(vs) / windowsDays.length));
  }
  return level;
}

/**
 * The profile of `history[t] / scale(t)` (`profileLevels`), carried forward: the forecast of a period is
 * its level times `scale` of that period. `scale` is 1 for the history-only profile and the day's
 * clear-sky irradiation for the PV model.
 */
export function profileForecast(
  method: string,
  history: Series,
  windowsDays: readonly number[],
  scale: (t: number) => number,
): number[] {
  checkSeries("history", history);
  const longest = Math.max(...windowsDays) * PERIODS_PER_DAY;
  if (history.length < longest) throw new HistoryTooShortError(method, longest, history.length);
  const n = history.length;
  // No sun all day (polar night) says nothing about the response: skip it.
  const level = profileLevels(n, windowsDays, (t) => {
    const c = scale(t);
    return c > 0 ? (history[t] as number) / c : undefined;
  });
  const out: number[] = [];
  for (let h = 0; h < HORIZON; h++) out.push(Math.max(0, level[(n + h) % PERIODS_PER_DAY] * scale(n + h)));
  return out;
}

/**
 * History-only (`daily-profile`): each period of the day = its level over the last 7, 14 and 28 days
 * (`profileForecast`), every day alike: PV has no weekday, and for load the day of the week moves a
 * cluster's periods less than its recent level does. Needs 28 days.
 */
export function dailyProfile(
  history: Series,
  windowsDays: readonly number[] = PROFILE_WINDOWS_DAYS,
): number[] {
  return profileForecast("daily-profile", history, windowsDays, () => 1);
}
