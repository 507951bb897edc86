/**
 * History-only week-ahead forecasters. Each takes the past periods and returns the next HORIZON (42)
 * periods; none sees any information from the forecast week itself.
 */
import { HistoryTooShortError } from "./errors.js";
import { HORIZON, PERIODS_PER_DAY, checkSeries, type Series } from "./series.js";

/** Method 1, the baseline: every period repeats the same period of last week. */
export function seasonalNaive(history: Series): number[] {
  checkSeries("history", history);
  if (history.length < HORIZON) throw new HistoryTooShortError("seasonal-naive", HORIZON, history.length);
  return history.slice(history.length - HORIZON);
}

/** Weeks averaged by `seasonalMean`. */
export const SEASONAL_MEAN_WEEKS = 4;

/**
 * The same period of the week averaged over the last (up to) 4 weeks: smooths one-off weather and
 * behaviour that seasonal-naive repeats verbatim.
 */
export function seasonalMean(history: Series, weeks = SEASONAL_MEAN_WEEKS): number[] {
  checkSeries("history", history);
  if (history.length < HORIZON) throw new HistoryTooShortError("seasonal-mean", HORIZON, history.length);
  const k = Math.max(1, Math.min(weeks, Math.floor(history.length / HORIZON)));
  const n = history.length;
  const out: number[] = [];
  for (let i = 0; i < HORIZON; i++) {
    let s = 0;
    for (let w = 1; w <= k; w++) s += history[n - w * HORIZON + i] as number;
    out.push(s / k);
  }
  return out;
}

/** Smoothing parameters of the double-seasonal Holt-Winters model. */
export interface HoltWintersParams {
  /** level */
  readonly alpha: number;
  /** trend */
  readonly beta: number;
  /** daily season (6 periods) */
  readonly delta: number;
  /** weekly season (42 periods) */
  readonly omega: number;
}

/** The grid the parameters are chosen from (360 combinations; small values keep 42-step forecasts calm). */
export const HW_GRID = {
  alpha: [0.005, 0.02, 0.05, 0.1, 0.2],
  beta: [0, 0.01],
  delta: [0, 0.02, 0.05, 0.1, 0.2, 0.4],
  omega: [0, 0.02, 0.05, 0.1, 0.2, 0.4],
} as const;

/** Holt-Winters needs 2 weeks to initialise the weekly season ... */
export const HW_INIT_HISTORY = 2 * HORIZON;
/** ... and 1 more week to choose its parameters. */
export const HW_MIN_HISTORY = 3 * HORIZON;
/** Most recent weeks used as hold-out origins when choosing parameters. */
export const HW_SELECTION_WEEKS = 8;

/**
 * Run Taylor's (2003) additive double-seasonal Holt-Winters over `y` with parameters `p`. Calls `onOrigin`
 * for every origin in `origins` (ascending, each a count of consumed values) with the 42-period forecast
 * made from the state at that moment; returns the forecast after the last value.
 */
function runHoltWinters(
  y: Series,
  p: HoltWintersParams,
  origins: readonly number[],
  onOrigin: (origin: number, forecast: Float64Array) => void,
): Float64Array {
  // Initialise from the first two weeks: trend = week-on-week change per period; weekly indices = mean
  // deviation of each period from its week's trend line; level = that line one period before the start.
  // Daily indices start at 0 (the weekly indices hold the daily shape; the daily ones learn its drift).
  let m1 = 0,
    m2 = 0;
  for (let i = 0; i < HORIZON; i++) {
    m1 += y[i] as number;
    m2 += y[i + HORIZON] as number;
  }
  m1 /= HORIZON;
  m2 /= HORIZON;
  let trend = (m2 - m1) / HORIZON;
  const mid = (HORIZON - 1) / 2;
  const week = new Float64Array(HORIZON);
  for (let i = 0; i < HORIZON; i++) {
    const line = (i - mid) * trend;
    week[i] = ((y[i] as number) - m1 - line + (y[i + HORIZON] as number) - m2 - line) / 2;
  }
  const day = new Float64Array(PERIODS_PER_DAY);
  let level = m1 - (mid + 1) * trend;
  const { alpha, beta, delta, omega } = p;
  const fc = new Float64Array(HORIZON);
  const forecastInto = (t: number): void => {
    for (let h = 1; h <= HORIZON; h++) {
      const v =
        level +
        h * trend +
        (day[(t + h - 1) % PERIODS_PER_DAY] as number) +
        (week[(t + h - 1) % HORIZON] as number);
      fc[h - 1] = v > 0 ? v : 0;
    }
  };
  let next = 0;
  for (let t = 0; t < y.length; t++) {
    if (next < origins.length && origins[next] === t) {
      forecastInto(t);
      onOrigin(t, fc);
      next++;
    }
    const x = y[t] as number;
    const di = t % PERIODS_PER_DAY;
    const wi = t % HORIZON;
    const d = day[di] as number;
    const w = week[wi] as number;
    const prev = level;
    level = alpha * (x - d - w) + (1 - alpha) * (level + trend);
    trend = beta * (level - prev) + (1 - beta) * trend;
    day[di] = delta * (x - level - w) + (1 - delta) * d;
    week[wi] = omega * (x - level - d) + (1 - omega) * w;
  }
  forecastInto(y.length);
  return Float64Array.from(fc);
}

/**
 * Choose Holt-Winters parameters by grid search: for each combination, forecast each of the last
 * (up to) 8 weeks of the history from the state just before it, and keep the combination with the least
 * total absolute error; the same 42-period-ahead task the forecast will face, not one-step errors.
 */
export function fitHoltWinters(history: Series): HoltWintersParams {
  checkSeries("history", history);
  const n = history.length;
  if (n < HW_MIN_HISTORY) throw new HistoryTooShortError("holt-winters", HW_MIN_HISTORY, n);
  const k = Math.min(HW_SELECTION_WEEKS, Math.floor((n - 2 * HORIZON) / HORIZON));
  const origins: number[] = [];
  for (let w = k; w >= 1; w--) origins.push(n - w * HORIZON);
  const grid: HoltWintersParams[] = [];
  for (const alpha of HW_GRID.alpha)
    for (const beta of HW_GRID.beta)
      for (const delta of HW_GRID.delta)
        for (const omega of HW_GRID.omega) grid.push({ alpha, beta, delta, omega });
  return argmin(grid, (p) => {
    let err = 0;
    runHoltWinters(history, p, origins, (o, fc) => {
      for (let h = 0; h < HORIZON; h++) err += Math.abs((history[o + h] as number) - (fc[h] as number));
    });
    return err;
  });
}

/**
 * Method 2: additive double-seasonal Holt-Winters (daily season 6, weekly season 42), parameters chosen by
 * `fitHoltWinters` unless given. Forecasts are clamped at 0 (no negative energy).
 */
export function holtWinters(history: Series, params?: HoltWintersParams): number[] {
  checkSeries("history", history);
  const needed = params ? HW_INIT_HISTORY : HW_MIN_HISTORY;
  if (history.length < needed) throw new HistoryTooShortError("holt-winters", needed, history.length);
  const p = params ?? fitHoltWinters(history);
  return Array.from(runHoltWinters(history, p, [], () => undefined));
}

/** Candidate smoothing constants of `weeklySmoothing` (1.0 = last week's total, like seasonal-naive). */
export const WEEKLY_ALPHA_GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;
/** `weeklySmoothing` needs 2 weeks: one to start the level, one to score the smoothing constant. */
export const WEEKLY_MIN_HISTORY = 2 * HORIZON;

/** Totals of the whole 42-period blocks that end at the end of `history`, oldest first. */
function blockTotals(history: Series): number[] {
  const n = history.length;
  const weeks = Math.floor(n / HORIZON);
  const out: number[] = [];
  for (let w = weeks; w >= 1; w--) {
    let s = 0;
    for (let i = n - w * HORIZON; i < n - (w - 1) * HORIZON; i++) s += history[i] as number;
    out.push(s);
  }
  return out;
}

/** Simple exponential smoothing of `totals` with `alpha`: the final level and the sum of |one-step errors|. */
function smoothTotals(totals: readonly number[], alpha: number): { level: number; error: number } {
  let level = totals[0] as number;
  let error = 0;
  for (let i = 1; i < totals.length; i++) {
    const x = totals[i] as number;
    error += Math.abs(x - level);
    level = alpha * x + (1 - alpha) * level;
  }
  return { level, error };
}

/**
 * The smoothing constant with the least absolute one-step error over the history's weekly totals: exactly
 * the task of forecasting next week's total. Ties go to the smoother (smaller) constant.
 */
export function fitWeeklyAlpha(history: Series): number {
  checkSeries("history", history);
  if (history.length < WEEKLY_MIN_HISTORY)
    throw new HistoryTooShortError("weekly-smoothing", WEEKLY_MIN_HISTORY, history.length);
  const totals = blockTotals(history);
  return argmin(WEEKLY_ALPHA_GRID, (a) => smoothTotals(totals, a).error);
}

/**
 * The candidate with the least cost. Strictly less: on ties the first (smoothest) candidate of the grid wins,
 * deterministically.
 */
function argmin<T>(candidates: readonly T[], cost: (candidate: T) => number): T {
  let best = candidates[0] as T;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const e = cost(c);
    if (e < bestCost) {
      bestCost = e;
      best = c;
    }
  }
  return best;
}

/**
 * Method 3, top-down: next week's TOTAL is the exponentially smoothed level of past weekly totals (constant
 * from `fitWeeklyAlpha` unless given); it is spread over the 42 periods in the shape of `seasonalMean`
 * (the average week of the last 4). The weekly total is what the tariff rule consumes, so it is the part
 * the model works hardest on; the shape only matters for per-period use.
 */
export function weeklySmoothing(history: Series, alpha?: number): number[] {
  checkSeries("history", history);
  if (history.length < WEEKLY_MIN_HISTORY)
    throw new HistoryTooShortError("weekly-smoothing", WEEKLY_MIN_HISTORY, history.length);
  const { level } = smoothTotals(blockTotals(history), alpha ?? fitWeeklyAlpha(history));
  const shape = seasonalMean(history);
  let shapeTotal = 0;
  for (const v of shape) shapeTotal += v;
  // No energy at all in the recent weeks: nothing to spread, forecast 0 (the level is 0 or near it too).
  return shape.map((v) => (shapeTotal > 0 ? (v * level) / shapeTotal : 0));
}

/**
 * Method 4: the period-by-period mean of `holtWinters` and `weeklySmoothing`. The two err differently
 * (Holt-Winters gets the shape right, weekly smoothing the total), and averaging them beat each alone
 * in the backtest. Needs what Holt-Winters needs (3 weeks).
 */
export function ensemble(history: Series): number[] {
  const a = holtWinters(history);
  const b = weeklySmoothing(history);
  return a.map((v, i) => (v + (b[i] as number)) / 2);
}
