/**
 * The DGMD's weekly tariff step in the demo: forecast the whole grid's next week from the data weeks before
 * it (lib/tariffs/forecast), then publish through a `TariffPort` (the TariffSchedule contract: dgmd.ts).
 */
import { loadBuilding } from "../data/citylearn.js";
import { aggregateSeries, forecastGridWeek } from "../../lib/tariffs/forecast/index.js";
import type { Tariff } from "../../lib/billing/billing.js";
import type { WeekForecast } from "../../lib/tariffs/forecaster.js";

/** Forecast of all `buildings` for the week whose data starts at data period `untilDataPeriod`. */
export function forecastWeek(
  week: number,
  buildings: readonly number[],
  untilDataPeriod: number,
): WeekForecast {
  const profiles = buildings.map((b) => loadBuilding(b));
  const f = forecastGridWeek({
    loadHistory: aggregateSeries(profiles, "loadWh", untilDataPeriod),
    generationHistory: aggregateSeries(profiles, "generationWh", untilDataPeriod),
  });
  return {
    week,
    loadWh: f.loadWh,
    generationWh: f.generationWh,
    method: `${f.loadMethod}/${f.generationMethod}`,
    notes: f.notes,
  };
}

export interface TariffPort {
  /** Human-readable source, shown in the report. */
  readonly source: string;
  /** Publish week `f.week`'s forecast before the week starts. */
  publish(f: WeekForecast): Promise<void>;
  /** The tariff in force for a week (as billing applies it). */
  tariffOf(week: number): Promise<Tariff>;
}
