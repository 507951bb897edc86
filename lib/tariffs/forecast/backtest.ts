/**
 * Rolling-origin evaluation: for each origin week, the forecaster sees only the periods before it and
 * forecasts the next 42; errors are scored on weekly totals (MAPE) and on periods (WAPE).
 */
import { HistoryTooShortError } from "./errors.js";
import { mape, wape } from "./metrics.js";
import { HORIZON, checkSeries, total, type Series } from "./series.js";

/** Forecast the 42 periods starting at `origin`, from `actual.slice(0, origin)` (and nothing after it). */
export type OriginForecaster = (history: Series, origin: number) => number[];

export interface WeekResult {
  readonly week: number;
  readonly actualWh: number;
  readonly forecastWh: number;
}

export interface BacktestResult {
  /** MAPE of weekly totals, fraction. */
  readonly weeklyMape: number;
  /** WAPE over every forecast period of every origin, fraction. */
  readonly periodWape: number;
  readonly weeks: readonly WeekResult[];
}

/** Evaluate `forecaster` at the starts of weeks `firstWeek..lastWeek` (inclusive, whole weeks in `actual`). */
export function backtest(
  actual: Series,
  forecaster: OriginForecaster,
  firstWeek: number,
  lastWeek = Math.floor(actual.length / HORIZON) - 1,
): BacktestResult {
  checkSeries("actual", actual);
  if (firstWeek < 1 || lastWeek < firstWeek || (lastWeek + 1) * HORIZON > actual.length) {
    throw new HistoryTooShortError("backtest", (Math.max(firstWeek, lastWeek) + 1) * HORIZON, actual.length);
  }
  const weeks: WeekResult[] = [];
  const allActual: number[] = [];
  const allForecast: number[] = [];
  for (let w = firstWeek; w <= lastWeek; w++) {
    const origin = w * HORIZON;
    const fc = forecaster(actual.slice(0, origin), origin);
    const act = actual.slice(origin, origin + HORIZON);
    allActual.push(...act);
    allForecast.push(...fc);
    weeks.push({ week: w, actualWh: total(act), forecastWh: total(fc) });
  }
  return {
    weeklyMape: mape(
      weeks.map((r) => r.actualWh),
      weeks.map((r) => r.forecastWh),
    ),
    periodWape: wape(allActual, allForecast),
    weeks,
  };
}
