/**
 * Rolling-origin evaluation (lab, not product): at each origin week a forecaster sees only the periods
 * before it and forecasts the next 42. Errors are pooled over the origins (lib/tariffs/forecast/metrics.ts),
 * so a zero week is one term of a sum: per period (WAPE, MASE) and per weekly total (the tariff's input).
 */
import {
  EMPTY_TALLY,
  HORIZON,
  HistoryTooShortError,
  checkSeries,
  pooledMase,
  pooledWape,
  seasonalNaiveScale,
  tally,
  total,
  type ErrorTally,
  type Series,
} from "../../lib/tariffs/forecast/index.js";

/** Forecast the 42 periods starting at `origin`, from `actual.slice(0, origin)` (and nothing after it). */
export type OriginForecaster = (history: Series, origin: number) => number[];

export interface WeekResult {
  readonly week: number;
  readonly actualWh: number;
  readonly forecastWh: number;
}

/** Running sums of one forecaster on one series. */
export interface Score {
  readonly periods: ErrorTally;
  /** Weekly totals, each scaled by the in-sample error of "next week's total = this week's". */
  readonly totals: ErrorTally;
  readonly weeks: readonly WeekResult[];
}

export const EMPTY_SCORE: Score = { periods: EMPTY_TALLY, totals: EMPTY_TALLY, weeks: [] };

/** Totals of the whole weeks of `series` before `origin` (a multiple of 42), oldest first. */
function weekTotalsBefore(series: Series, origin: number): number[] {
  const out: number[] = [];
  for (let s = origin % HORIZON; s + HORIZON <= origin; s += HORIZON)
    out.push(total(series.slice(s, s + HORIZON)));
  return out;
}

/** Add the forecast made at `origin` (a week start with at least 2 weeks before it) to `score`. */
export function addOrigin(score: Score, actual: Series, origin: number, forecast: Series): Score {
  const history = actual.slice(0, origin);
  const act = actual.slice(origin, origin + HORIZON);
  const week: WeekResult = { week: origin / HORIZON, actualWh: total(act), forecastWh: total(forecast) };
  return {
    periods: tally(score.periods, act, forecast, seasonalNaiveScale(history)),
    totals: tally(
      score.totals,
      [week.actualWh],
      [week.forecastWh],
      seasonalNaiveScale(weekTotalsBefore(actual, origin), 1),
    ),
    weeks: [...score.weeks, week],
  };
}

export interface BacktestResult {
  /** MAPE of weekly totals; `null` when some week's actual total is 0 (its percentage error does not exist). */
  readonly weeklyMape: number | null;
  /** Pooled WAPE over every forecast period; `null` if every actual was 0. */
  readonly periodWape: number | null;
  /** Pooled MASE over every forecast period (scale: seasonal-naive's in-sample error at each origin). */
  readonly mase: number | null;
  /** Pooled WAPE and MASE of the weekly totals. */
  readonly weeklyWape: number | null;
  readonly weeklyMase: number | null;
  readonly weeks: readonly WeekResult[];
}

export function summarise(score: Score): BacktestResult {
  const zeroWeek = score.weeks.some((w) => w.actualWh === 0);
  let mape = 0;
  for (const w of score.weeks) mape += Math.abs(w.actualWh - w.forecastWh) / w.actualWh;
  return {
    weeklyMape: zeroWeek ? null : score.weeks.length === 0 ? 0 : mape / score.weeks.length,
    periodWape: pooledWape(score.periods),
    mase: pooledMase(score.periods),
    weeklyWape: pooledWape(score.totals),
    weeklyMase: pooledMase(score.totals),
    weeks: score.weeks,
  };
}

/** The first origin week the scales allow: 2 whole weeks of history (one weekly-total difference). */
export const MIN_FIRST_WEEK = 2;

/** Evaluate `forecaster` at the starts of weeks `firstWeek..lastWeek` (inclusive, whole weeks in `actual`). */
export function backtest(
  actual: Series,
  forecaster: OriginForecaster,
  firstWeek: number,
  lastWeek = Math.floor(actual.length / HORIZON) - 1,
): BacktestResult {
  checkSeries("actual", actual);
  if (firstWeek < MIN_FIRST_WEEK || lastWeek < firstWeek || (lastWeek + 1) * HORIZON > actual.length) {
    throw new HistoryTooShortError(
      "backtest",
      (Math.max(firstWeek, lastWeek, MIN_FIRST_WEEK) + 1) * HORIZON,
      actual.length,
    );
  }
  let score = EMPTY_SCORE;
  for (let w = firstWeek; w <= lastWeek; w++) {
    const origin = w * HORIZON;
    score = addOrigin(score, actual, origin, forecaster(actual.slice(0, origin), origin));
  }
  return summarise(score);
}
