import { expect } from "chai";
import { loadBuilding } from "../lab/data/citylearn.js";
import {
  DEFAULT_GENERATION_METHOD,
  DEFAULT_LOAD_METHOD,
  DEFAULT_METHOD,
  FORECAST_METHODS,
  HORIZON,
  HW_MIN_HISTORY,
  HistoryTooShortError,
  InvalidSeriesValueError,
  SeriesLengthMismatchError,
  UnknownForecastMethodError,
  WEEKLY_MIN_HISTORY,
  ZeroActualError,
  aggregateSeries,
  backtest,
  ensemble,
  fitWeeklyAlpha,
  forecastGridWeek,
  forecastNextWeek,
  holtWinters,
  mape,
  oracleWeatherGeneration,
  seasonalMean,
  seasonalNaive,
  wape,
  weeklySmoothing,
  weeklyTotal,
  type ForecastMethod,
  type PeriodWeather,
} from "../lib/tariffs/forecast/index.js";

/** A week with a daily shape (0 at night like PV, peaks midday) and a weekend bump, Wh per period. */
const WEEK: number[] = Array.from({ length: HORIZON }, (_, i) => {
  const slot = i % 6;
  const day = Math.floor(i / 6);
  return [0, 200, 900, 1200, 500, 0][slot]! + (day >= 5 ? 150 : 0);
});
const periodic = (weeks: number): number[] =>
  Array.from({ length: weeks * HORIZON }, (_, t) => WEEK[t % HORIZON]!);
/** Level 1000 + 3 Wh per period of trend + the weekly shape: Holt-Winters' own model, without noise. */
const trended = (n: number): number[] =>
  Array.from({ length: n }, (_, t) => 1000 + 3 * t + WEEK[t % HORIZON]!);

function expectClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  expect(actual).to.have.length(expected.length);
  actual.forEach((v, i) =>
    expect(Math.abs(v - expected[i]!), `period ${i}: ${v} vs ${expected[i]}`).to.be.below(tol),
  );
}

describe("forecast", () => {
  describe("methods on synthetic series with known answers", () => {
    it("seasonal-naive repeats last week exactly, aligned to the period after the history", () => {
      expect(seasonalNaive(periodic(3))).to.deep.equal(WEEK);
      // A history ending mid-week: the forecast starts at the next period of the week.
      const h = periodic(3).slice(0, 2 * HORIZON + 5);
      expect(seasonalNaive(h)).to.deep.equal([...WEEK.slice(5), ...WEEK.slice(0, 5)]);
    });

    it("seasonal-mean averages the same period over the last 4 weeks", () => {
      const h = [...periodic(1), ...periodic(3).map((v) => v * 2), ...periodic(1).map((v) => v * 3)];
      // Last 4 weeks: x2, x2, x2, x3 -> mean 2.25 x WEEK (the first week is older than 4 weeks).
      expectClose(
        seasonalMean(h),
        WEEK.map((v) => v * 2.25),
        1e-9,
      );
      expect(seasonalMean(periodic(1))).to.deep.equal(WEEK);
    });

    it("holt-winters forecasts a perfectly periodic series exactly", () => {
      expectClose(holtWinters(periodic(6)), WEEK, 1e-6);
    });

    it("holt-winters follows a trend + season series where seasonal-naive lags a week behind", () => {
      const n = 8 * HORIZON;
      const truth = trended(n + HORIZON).slice(n);
      expectClose(holtWinters(trended(n)), truth, 1e-6);
      // Seasonal-naive is off by one week of trend: 3 Wh x 42 periods in every period.
      expectClose(
        seasonalNaive(trended(n)).map((v, i) => truth[i]! - v),
        new Array<number>(HORIZON).fill(3 * HORIZON),
        1e-9,
      );
    });

    it("holt-winters clamps at 0: no negative energy is forecast", () => {
      // A steep downward trend would go below 0 within the week.
      const h = Array.from(
        { length: 4 * HORIZON },
        (_, t) => Math.max(0, 5000 - 30 * t) + WEEK[t % HORIZON]!,
      );
      for (const v of holtWinters(h)) expect(v).to.be.at.least(0);
    });

    it("weekly-smoothing keeps a periodic week and picks alpha = 1 after a lasting step", () => {
      expectClose(weeklySmoothing(periodic(5)), WEEK, 1e-9);
      // Weekly totals 1x, 1x, 2x, 2x, 2x: following the last week at once has the least one-step error.
      const step = [...periodic(2), ...periodic(3).map((v) => v * 2)];
      expect(fitWeeklyAlpha(step)).to.equal(1);
      expectClose(
        weeklySmoothing(step),
        WEEK.map((v) => v * 2),
        1e-9,
      );
      // A given alpha is used as is: level after 1,1,2 (alpha 0.5) is 1.5 weeks.
      expectClose(
        weeklySmoothing([...periodic(2), ...periodic(1).map((v) => v * 2)], 0.5),
        WEEK.map((v) => v * 1.5),
        1e-9,
      );
    });

    it("ensemble is the period-by-period mean of holt-winters and weekly-smoothing", () => {
      const h = trended(6 * HORIZON);
      const a = holtWinters(h);
      const b = weeklySmoothing(h);
      expectClose(
        ensemble(h),
        a.map((v, i) => (v + b[i]!) / 2),
        1e-9,
      );
      expect(forecastNextWeek(h)).to.deep.equal(ensemble(h));
      expect(DEFAULT_METHOD).to.equal("ensemble");
    });

    it("every method returns 42 finite, non-negative periods", () => {
      for (const m of FORECAST_METHODS) {
        const f = forecastNextWeek(trended(5 * HORIZON), m);
        expect(f, m).to.have.length(HORIZON);
        for (const v of f) expect(Number.isFinite(v) && v >= 0, `${m}: ${v}`).to.equal(true);
      }
    });

    it("the oracle-weather regression recovers an exact linear irradiance model", () => {
      const n = 5 * HORIZON;
      const w: PeriodWeather[] = Array.from({ length: n + HORIZON }, (_, t) => ({
        directWhm2: t % 6 === 0 ? 0 : ((t * 37) % 500) + 100,
        diffuseWhm2: t % 6 === 0 ? 0 : ((t * 11) % 200) + 50,
      }));
      const gen = w.map((x) => 3 * x.directWhm2 + 1.5 * x.diffuseWhm2);
      const f = oracleWeatherGeneration(gen.slice(0, n), w.slice(0, n), w.slice(n));
      expectClose(f, gen.slice(n), 1e-6);
      expect(() => oracleWeatherGeneration(gen.slice(0, 10), w.slice(0, 10), w.slice(n))).to.throw(
        HistoryTooShortError,
      );
      expect(() => oracleWeatherGeneration(gen.slice(0, n), w.slice(0, n - 1), w.slice(n))).to.throw(
        SeriesLengthMismatchError,
      );
    });
  });

  describe("refusals", () => {
    const needs: [ForecastMethod, number][] = [
      ["seasonal-naive", HORIZON],
      ["seasonal-mean", HORIZON],
      ["holt-winters", HW_MIN_HISTORY],
      ["weekly-smoothing", WEEKLY_MIN_HISTORY],
      ["ensemble", HW_MIN_HISTORY],
    ];
    for (const [m, needed] of needs) {
      it(`${m} refuses a history shorter than ${needed} periods and accepts exactly ${needed}`, () => {
        const short = periodic(3).slice(0, needed - 1);
        expect(() => forecastNextWeek(short, m))
          .to.throw(HistoryTooShortError)
          .with.property("needed", needed);
        expect(forecastNextWeek(periodic(3).slice(0, needed), m)).to.have.length(HORIZON);
      });
    }

    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      it(`every method refuses a history value of ${bad}, naming its index`, () => {
        const h = periodic(4);
        h[17] = bad;
        for (const m of FORECAST_METHODS) {
          expect(() => forecastNextWeek(h, m), m)
            .to.throw(InvalidSeriesValueError)
            .with.property("index", 17);
        }
      });
    }

    it("refuses an unknown method", () => {
      expect(() => forecastNextWeek(periodic(3), "arima" as ForecastMethod)).to.throw(
        UnknownForecastMethodError,
      );
    });

    it("mape refuses a zero actual; wape handles zeros and refuses an all-zero actual", () => {
      expect(() => mape([100, 0], [90, 5]))
        .to.throw(ZeroActualError)
        .with.property("index", 1);
      expect(wape([100, 0], [90, 5])).to.equal(0.15);
      expect(() => wape([0, 0], [1, 1])).to.throw(ZeroActualError);
      expect(() => mape([1, 2], [1])).to.throw(SeriesLengthMismatchError);
      expect(() => wape([1], [Number.NaN])).to.throw(InvalidSeriesValueError);
    });
  });

  describe("metrics, totals and backtest", () => {
    it("mape and wape compute their definitions", () => {
      // Plain float comparison: Hardhat's chai matchers redefine closeTo for bigints.
      expect(Math.abs(mape([100, 200], [110, 150]) - (0.1 + 0.25) / 2)).to.be.lessThan(1e-12);
      expect(Math.abs(wape([100, 200], [110, 150]) - 60 / 300)).to.be.lessThan(1e-12);
    });

    it("weeklyTotal rounds each period to whole Wh before summing", () => {
      expect(weeklyTotal([0.4, 0.4, 1.5, 2.49])).to.equal(0n + 0n + 2n + 2n);
      expect(() => weeklyTotal([-1])).to.throw(InvalidSeriesValueError);
    });

    it("backtest of seasonal-naive on a periodic series is error-free; origins see only the past", () => {
      const s = periodic(6);
      const seen: number[] = [];
      const r = backtest(
        s,
        (h, origin) => {
          seen.push(h.length - origin);
          return seasonalNaive(h);
        },
        1,
      );
      expect(r.weeklyMape).to.equal(0);
      expect(r.periodWape).to.equal(0);
      expect(r.weeks.map((w) => w.week)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(seen.every((d) => d === 0)).to.equal(true);
      expect(() => backtest(s, (h) => seasonalNaive(h), 0)).to.throw(HistoryTooShortError);
      expect(() => backtest(s, (h) => seasonalNaive(h), 1, 6)).to.throw(HistoryTooShortError);
    });
  });

  describe("real data (CityLearn)", () => {
    it("aggregateSeries sums buildings period by period and cuts at untilPeriod", () => {
      const b1 = loadBuilding(1);
      const b2 = loadBuilding(2);
      const s = aggregateSeries([b1, b2], "generationWh", 100);
      expect(s).to.have.length(100);
      expect(s[50]).to.equal(Number(b1.periods[50]!.generationWh + b2.periods[50]!.generationWh));
      expect(aggregateSeries([b1], "loadWh")).to.have.length(b1.periods.length);
    });

    it("forecastGridWeek returns whole-Wh periods whose sums are the published totals", function () {
      this.timeout(60_000);
      const profiles = [1, 2, 3, 4].map((b) => loadBuilding(b));
      const f = forecastGridWeek({
        loadHistory: aggregateSeries(profiles, "loadWh", 20 * HORIZON),
        generationHistory: aggregateSeries(profiles, "generationWh", 20 * HORIZON),
      });
      expect(f.loadMethod).to.equal(DEFAULT_LOAD_METHOD);
      expect(f.generationMethod).to.equal(DEFAULT_GENERATION_METHOD);
      // The generation default is seasonal-naive: its total is last week's, period by period.
      const lastWeekGen = aggregateSeries(profiles, "generationWh", 20 * HORIZON).slice(19 * HORIZON);
      expect(f.generationWh).to.equal(BigInt(lastWeekGen.reduce((a, b) => a + b, 0)));
      const forced = forecastGridWeek({
        loadHistory: aggregateSeries(profiles, "loadWh", 20 * HORIZON),
        generationHistory: aggregateSeries(profiles, "generationWh", 20 * HORIZON),
        method: "seasonal-mean",
      });
      expect([forced.loadMethod, forced.generationMethod]).to.deep.equal(["seasonal-mean", "seasonal-mean"]);
      expect(f.loadPerPeriodWh).to.have.length(HORIZON);
      expect(f.loadWh).to.equal(f.loadPerPeriodWh.reduce((a, b) => a + b, 0n));
      expect(f.generationWh).to.equal(f.generationPerPeriodWh.reduce((a, b) => a + b, 0n));
      expect(f.loadWh > 0n && f.generationWh > 0n).to.equal(true);
      // Night periods of a PV cluster (00:00-04:00, slot 0) are forecast as (nearly) nothing.
      expect(Number(f.generationPerPeriodWh[0])).to.be.below(50);
    });

    it("on Building 1 the ensemble beats seasonal-naive on weekly-total MAPE and period WAPE (load and generation)", function () {
      this.timeout(300_000);
      const b1 = [loadBuilding(1)];
      for (const field of ["loadWh", "generationWh"] as const) {
        const s = aggregateSeries(b1, field);
        const naive = backtest(s, (h) => seasonalNaive(h), 4);
        const best = backtest(s, (h) => forecastNextWeek(h, "ensemble"), 4);
        expect(best.weeklyMape, field).to.be.below(naive.weeklyMape);
        expect(best.periodWape, field).to.be.below(naive.periodWape);
      }
    });
  });
});
