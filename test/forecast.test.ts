import { expect } from "chai";
import {
  CITYLEARN_SITE,
  CITYLEARN_START_UTC,
  loadBuilding,
  loadWeatherRows,
  weatherAtOrigin,
  type WeatherRow,
} from "../lab/data/citylearn.js";
import { EMPTY_SCORE, addOrigin, backtest, summarise } from "../lab/analysis/forecast-backtest.js";
import { inputsAt, methodsFor } from "../lab/analysis/forecast-accuracy.js";
import { PERIOD_SECONDS } from "../lib/constants.js";
import {
  DEFAULT_GENERATION_METHOD,
  DEFAULT_LOAD_METHOD,
  DEFAULT_METHOD,
  DEGREE_DAY_BASE_C,
  EMPTY_TALLY,
  FORECAST_METHODS,
  HISTORY_ONLY_GENERATION_METHOD,
  HISTORY_ONLY_LOAD_METHOD,
  HORIZON,
  HW_MIN_HISTORY,
  HistoryTooShortError,
  InvalidSeriesValueError,
  InvalidSiteError,
  InvalidWeatherError,
  MASE_SCALE_FLOOR_WH,
  MissingForecastInputError,
  PROFILE_MIN_DAYS,
  SeriesLengthMismatchError,
  UnknownForecastMethodError,
  WEEKLY_MIN_HISTORY,
  WEEK_HOURS,
  ZeroActualError,
  aggregateSeries,
  clearSkyDayWhm2,
  clearSkyIrradianceWm2,
  dailyProfile,
  ensemble,
  fitWeeklyAlpha,
  forecastGridWeek,
  forecastNextWeek,
  holtWinters,
  isHistoryOnly,
  mape,
  mase,
  midMedianMean,
  oracleWeatherGeneration,
  pooledMase,
  pooledWape,
  pvClearSky,
  pvWeather,
  seasonalMean,
  seasonalNaive,
  seasonalNaiveScale,
  solarDay,
  tally,
  temperatureLoad,
  wape,
  weeklySmoothing,
  weeklyTotal,
  type ForecastInputs,
  type ForecastMethod,
  type PeriodWeather,
  type WeatherHour,
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

/** The CityLearn homes' site, and a Monday 00:00 PST in winter as the start of synthetic histories. */
const SITE = CITYLEARN_SITE;
const START = Date.UTC(2017, 0, 2, 8) / 1000;
const HOUR = 3_600;
const NAN_HOUR: WeatherHour = { temperatureC: NaN, diffuseIrradianceWm2: NaN, directIrradianceWm2: NaN };

/** Hourly weather from START: clear-sky irradiance thinned differently by day, a daily temperature cycle. */
function syntheticWeather(hours: number): WeatherHour[] {
  return Array.from({ length: hours }, (_, k) => {
    const day = Math.floor(k / 24);
    const sun = clearSkyIrradianceWm2(SITE, START + k * HOUR + HOUR / 2);
    return {
      temperatureC: 12 + 6 * Math.sin((2 * Math.PI * ((k % 24) - 9)) / 24) + (day % 5),
      directIrradianceWm2: sun * (0.4 + 0.1 * (day % 4)),
      diffuseIrradianceWm2: sun * (0.2 + 0.05 * (day % 3)),
    };
  });
}

/** Inputs for a history of `periods` periods from START: its weather measured, `predicted` hours after it. */
function inputsFor(
  periods: number,
  predicted = 24,
  hours = syntheticWeather(periods * 4 + WEEK_HOURS),
): ForecastInputs {
  return {
    historyStartUtc: START,
    site: SITE,
    weather: {
      observed: hours.slice(0, periods * 4),
      predicted: hours.slice(periods * 4, periods * 4 + predicted),
    },
  };
}

/** Mid-point UTC second of period `t` after START. */
const midOf = (t: number): number => START + t * PERIOD_SECONDS + PERIOD_SECONDS / 2;

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
      expect(forecastNextWeek(h, "ensemble")).to.deep.equal(ensemble(h));
    });

    it("given only a history, forecastNextWeek uses the history-only load default (daily-profile)", () => {
      const h = trended(5 * HORIZON);
      expect(forecastNextWeek(h)).to.deep.equal(dailyProfile(h));
      expect(DEFAULT_METHOD).to.equal("daily-profile");
      expect(DEFAULT_METHOD).to.equal(HISTORY_ONLY_LOAD_METHOD);
    });

    it("daily-profile: each period of the day is its median/mean midpoint, averaged over 7, 14 and 28 days", () => {
      // A weekly-periodic history: per period of the day, 5 weekdays at v and 2 weekend days at v + 150 in
      // every window: median v, mean v + 300/7.
      const day = [0, 200, 900, 1200, 500, 0];
      expectClose(
        dailyProfile(periodic(5)),
        WEEK.map((_, i) => day[i % 6]! + 150 / 7),
        1e-9,
      );
      // A level that steps up 7 days before the origin: the 7-day window sees only the new level.
      const h = Array.from({ length: 28 * 6 }, (_, t) => day[t % 6]! * (t >= 21 * 6 ? 2 : 1));
      const f = dailyProfile(h);
      // Windows: 7 days all x2; 14 days 7+7 (median 1.5, mean 1.5); 28 days 7 of 28 x2 (median 1, mean 1.25).
      expectClose(
        f,
        Array.from({ length: HORIZON }, (_, i) => (day[i % 6]! * (2 + 1.5 + 1.125)) / 3),
        1e-9,
      );
      expect(midMedianMean([1, 2, 9])).to.equal((2 + 4) / 2);
    });

    it("pv-clearsky carries a home's exact clear-sky response into the week, day by day", () => {
      const n = 5 * HORIZON;
      // Wh per (Wh/m^2 of the day's clear-sky irradiation), per period of the day: night, morning, midday...
      const k = [0, 0.5, 3, 2.5, 0.2, 0];
      const series = Array.from(
        { length: n + HORIZON },
        (_, t) => k[t % 6]! * clearSkyDayWhm2(SITE, solarDay(SITE, midOf(t))),
      );
      const f = pvClearSky(series.slice(0, n), inputsFor(n));
      expectClose(f, series.slice(n), 1e-6);
      // Winter days lengthen in January: the last forecast day gets more than the first.
      expect(f[36 + 3]!).to.be.above(f[3]!);
    });

    it("pv-weather uses the predicted irradiance for the periods it covers, pv-clearsky after them", () => {
      const n = 5 * HORIZON;
      const hours = syntheticWeather(n * 4 + WEEK_HOURS);
      const byPeriod = Array.from({ length: n + HORIZON }, (_, t) => hours.slice(t * 4, t * 4 + 4));
      const series = byPeriod.map((hs) =>
        hs.reduce((s, h) => s + 3 * h.directIrradianceWm2 + 1.5 * h.diffuseIrradianceWm2, 0),
      );
      const inputs = inputsFor(n, 24, hours);
      const f = pvWeather(series.slice(0, n), inputs);
      expectClose(f.slice(0, 6), series.slice(n, n + 6), 1e-6);
      expect(f.slice(6)).to.deep.equal(pvClearSky(series.slice(0, n), inputs).slice(6));
      // Without predictions it is pv-clearsky throughout.
      expect(pvWeather(series.slice(0, n), inputsFor(n, 0, hours))).to.deep.equal(
        pvClearSky(series.slice(0, n), inputs),
      );
    });

    it("load-temperature reproduces an exact degree-day response and weekend factor from what it sees", () => {
      // Each week has one temperature (so weekends and weekdays see the same ones): 10, 14, 21, 24 C.
      const weekTemp = (w: number): number => [10, 14, 21, 24][w % 4]!;
      const n = 6 * HORIZON;
      const base = [300, 200, 500, 600, 800, 700];
      const load = (t: number, temp: number): number => {
        const weekend = Math.floor(t / 6) % 7 >= 5;
        const v =
          base[t % 6]! +
          40 * Math.max(0, DEGREE_DAY_BASE_C - temp) +
          25 * Math.max(0, temp - DEGREE_DAY_BASE_C);
        return weekend ? 1.2 * v : v;
      };
      const hours = Array.from({ length: n * 4 + 24 }, (_, k): WeatherHour => ({
        temperatureC: weekTemp(Math.floor(k / (HORIZON * 4))),
        diffuseIrradianceWm2: 0,
        directIrradianceWm2: 0,
      }));
      const history = Array.from({ length: n }, (_, t) => load(t, weekTemp(Math.floor(t / HORIZON))));
      const f = temperatureLoad(history, inputsFor(n, 24, hours));
      // What it may know: day 1 from the 24 h prediction (week 6: 21 C), days 2-7 from last week's mean
      // (week 5: 14 C). It recovers the 40 and 25 Wh per degree day and the weekend's x1.2 exactly.
      const expected = Array.from({ length: HORIZON }, (_, h) =>
        load(n + h, h < 6 ? weekTemp(6) : weekTemp(5)),
      );
      expectClose(f, expected, 1e-6);
    });

    it("every method returns 42 finite, non-negative periods", () => {
      for (const m of FORECAST_METHODS) {
        const f = forecastNextWeek(trended(5 * HORIZON), m, inputsFor(5 * HORIZON));
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
    const P28 = PROFILE_MIN_DAYS * 6;
    const needs: [ForecastMethod, number][] = [
      ["seasonal-naive", HORIZON],
      ["seasonal-mean", HORIZON],
      ["holt-winters", HW_MIN_HISTORY],
      ["weekly-smoothing", WEEKLY_MIN_HISTORY],
      ["ensemble", HW_MIN_HISTORY],
      ["daily-profile", P28],
      ["pv-clearsky", P28],
      ["pv-weather", P28],
      ["load-temperature", P28],
    ];
    it("the table below covers every method", () => {
      expect(needs.map(([m]) => m)).to.have.members([...FORECAST_METHODS]);
    });
    for (const [m, needed] of needs) {
      it(`${m} refuses a history shorter than ${needed} periods and accepts exactly ${needed}`, () => {
        const short = periodic(5).slice(0, needed - 1);
        expect(() => forecastNextWeek(short, m, inputsFor(short.length)))
          .to.throw(HistoryTooShortError)
          .with.property("needed", needed);
        expect(forecastNextWeek(periodic(5).slice(0, needed), m, inputsFor(needed))).to.have.length(HORIZON);
      });
    }

    it("the site methods refuse to run without their inputs, and refuse unusable ones", () => {
      const h = periodic(5);
      for (const m of ["pv-clearsky", "pv-weather", "load-temperature"] as const) {
        expect(() => forecastNextWeek(h, m), m).to.throw(MissingForecastInputError);
      }
      const noWeather: ForecastInputs = { historyStartUtc: START, site: SITE };
      expect(forecastNextWeek(h, "pv-clearsky", noWeather)).to.have.length(HORIZON);
      expect(() => forecastNextWeek(h, "pv-weather", noWeather)).to.throw(MissingForecastInputError);
      expect(() => forecastNextWeek(h, "load-temperature", noWeather)).to.throw(MissingForecastInputError);
      // Too little measured weather for the fits (the history is long enough).
      const inputs = inputsFor(h.length);
      const short = {
        ...inputs,
        weather: { ...inputs.weather!, observed: inputs.weather!.observed.slice(-100) },
      };
      expect(() => forecastNextWeek(h, "pv-weather", short)).to.throw(MissingForecastInputError);
      expect(() => forecastNextWeek(h, "load-temperature", short)).to.throw(MissingForecastInputError);
      expect(() =>
        forecastNextWeek(h, "pv-clearsky", { ...noWeather, site: { ...SITE, latitudeDeg: 91 } }),
      ).to.throw(InvalidSiteError);
      expect(() =>
        forecastNextWeek(h, "pv-clearsky", { ...noWeather, site: { ...SITE, pvTiltDeg: -5 } }),
      ).to.throw(InvalidSiteError);
      const bad = {
        ...inputs,
        weather: { observed: [...inputs.weather!.observed.slice(1), NAN_HOUR], predicted: [] },
      };
      expect(() => forecastNextWeek(h, "load-temperature", bad)).to.throw(InvalidWeatherError);
      const tooFar = inputsFor(h.length, WEEK_HOURS + 1, syntheticWeather(h.length * 4 + WEEK_HOURS + 1));
      expect(() => forecastNextWeek(h, "pv-weather", tooFar)).to.throw(SeriesLengthMismatchError);
    });

    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      it(`every method refuses a history value of ${bad}, naming its index`, () => {
        const h = periodic(4);
        h[17] = bad;
        for (const m of FORECAST_METHODS) {
          expect(() => forecastNextWeek(h, m, inputsFor(h.length)), m)
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

    it("mase scales by seasonal-naive's in-sample error, floored at 1 Wh when the history repeats exactly", () => {
      const h = [...periodic(1), ...periodic(1).map((v) => v + 10)]; // every lag-42 difference is 10 Wh
      expect(seasonalNaiveScale(h)).to.equal(10);
      expect(
        mase(
          WEEK,
          WEEK.map((v) => v + 5),
          h,
        ),
      ).to.equal(0.5);
      // An exactly repeating history has scale 0: the floor makes MASE the error in Wh per period.
      expect(seasonalNaiveScale(periodic(2))).to.equal(MASE_SCALE_FLOOR_WH);
      expect(
        mase(
          WEEK,
          WEEK.map((v) => v + 3),
          periodic(2),
        ),
      ).to.equal(3);
      expect(mase(WEEK, WEEK, periodic(2))).to.equal(0);
      // A home without PV so far (all zeros): defined, no division by zero.
      const zeros = (n: number): number[] => new Array<number>(n).fill(0);
      expect(
        mase(
          zeros(HORIZON),
          zeros(HORIZON).map(() => 2),
          zeros(2 * HORIZON),
        ),
      ).to.equal(2);
      expect(() => seasonalNaiveScale(periodic(1))).to.throw(HistoryTooShortError);
      expect(() => mase([1], [1, 2], h)).to.throw(SeriesLengthMismatchError);
    });

    it("pooled WAPE and MASE survive zero weeks; weekly MAPE says it is undefined instead of throwing", () => {
      const zeroWeek = new Array<number>(HORIZON).fill(0);
      let t = tally(
        EMPTY_TALLY,
        zeroWeek,
        zeroWeek.map(() => 1),
        10,
      );
      expect(pooledWape(t)).to.equal(null); // nothing to be relative to yet
      expect(pooledMase(t)).to.equal(0.1);
      t = tally(
        t,
        WEEK,
        WEEK.map((v) => v + 2),
        20,
      );
      const sum = WEEK.reduce((a, b) => a + b, 0);
      expect(Math.abs(pooledWape(t)! - (42 + 84) / sum)).to.be.lessThan(1e-12);
      expect(Math.abs(pooledMase(t)! - (42 + 84) / (42 * 10 + 42 * 20))).to.be.lessThan(1e-12);
      expect(pooledMase(EMPTY_TALLY)).to.equal(null);
      // A home with a zero week (a PV outage) through the rolling origin: every pooled measure is defined.
      const s = [...periodic(3), ...zeroWeek, ...periodic(2)];
      const r = backtest(s, (h) => seasonalNaive(h), 2);
      expect(r.weeks.map((w) => w.actualWh)).to.include(0);
      expect(r.weeklyMape).to.equal(null);
      for (const v of [r.periodWape, r.mase, r.weeklyWape, r.weeklyMase])
        expect(Number.isFinite(v)).to.equal(true);
      // Seasonal-naive misses the outage week and then repeats it: 2 weeks of error over 3 weeks of energy.
      expect(Math.abs(r.periodWape! - 2 / 3)).to.be.lessThan(1e-12);
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
        2,
      );
      expect(r.weeklyMape).to.equal(0);
      expect(r.periodWape).to.equal(0);
      expect(r.mase).to.equal(0);
      expect(r.weeklyMase).to.equal(0);
      expect(r.weeks.map((w) => w.week)).to.deep.equal([2, 3, 4, 5]);
      expect(seen.every((d) => d === 0)).to.equal(true);
      // The weekly-total scale needs 2 whole weeks of history, so week 2 is the first origin.
      expect(() => backtest(s, (h) => seasonalNaive(h), 1)).to.throw(HistoryTooShortError);
      expect(() => backtest(s, (h) => seasonalNaive(h), 0)).to.throw(HistoryTooShortError);
      expect(() => backtest(s, (h) => seasonalNaive(h), 2, 6)).to.throw(HistoryTooShortError);
      // addOrigin and summarise are what backtest is made of.
      const one = summarise(addOrigin(EMPTY_SCORE, s, 2 * HORIZON, seasonalNaive(s.slice(0, 2 * HORIZON))));
      expect(one.weeks).to.deep.equal([
        { week: 2, actualWh: r.weeks[0]!.actualWh, forecastWh: r.weeks[0]!.forecastWh },
      ]);
    });
  });

  describe("no leakage: a week-ahead forecast sees only what is known at its origin", () => {
    const ORIGIN_WEEK = 20;
    const originHour = ORIGIN_WEEK * HORIZON * 4;
    const LEADS = [6, 12, 24];

    it("weatherAtOrigin: measured hours before the origin, and the freshest 6/12/24 h predictions made before it", () => {
      const rows = loadWeatherRows();
      const w = weatherAtOrigin(rows, originHour);
      expect(w.observed).to.have.length(originHour);
      expect(w.observed[originHour - 1]).to.deep.equal(rows[originHour - 1]!.measured);
      expect(w.predicted).to.have.length(24);
      // Hour origin + k comes from the row `lead` hours before it, with the shortest lead made before the origin.
      expect(w.predicted[0]).to.deep.equal(rows[originHour - 6]!.predicted[0]);
      expect(w.predicted[5]).to.deep.equal(rows[originHour - 1]!.predicted[0]);
      expect(w.predicted[6]).to.deep.equal(rows[originHour - 6]!.predicted[1]);
      expect(w.predicted[12]).to.deep.equal(rows[originHour - 12]!.predicted[2]);
      expect(w.predicted[23]).to.deep.equal(rows[originHour - 1]!.predicted[2]);
    });

    it("poisoning every weather value not known at the origin changes no forecast", () => {
      const rows = loadWeatherRows();
      // NaN for: any measurement from the origin on; any prediction made from the origin on; any prediction
      // made before it for an hour past its reach (origin + 24 h). Reading one would throw or give NaN.
      const poisoned: WeatherRow[] = rows.map((r, i) => ({
        measured: i >= originHour ? NAN_HOUR : r.measured,
        predicted: r.predicted.map((p, k) =>
          i >= originHour || i + LEADS[k]! >= originHour + 24 ? NAN_HOUR : p,
        ) as [WeatherHour, WeatherHour, WeatherHour],
      }));
      const b1 = loadBuilding(1);
      for (const q of ["load", "generation"] as const) {
        const history = aggregateSeries(
          [b1],
          q === "load" ? "loadWh" : "generationWh",
          ORIGIN_WEEK * HORIZON,
        );
        for (const m of methodsFor(q).filter((x) => !isHistoryOnly(x))) {
          const clean = forecastNextWeek(history, m, inputsAt(rows, ORIGIN_WEEK * HORIZON));
          const blind = forecastNextWeek(history, m, inputsAt(poisoned, ORIGIN_WEEK * HORIZON));
          expect(blind, `${q} ${m}`).to.deep.equal(clean);
          expect(blind.every(Number.isFinite), `${q} ${m}`).to.equal(true);
        }
      }
    });
  });

  describe("solar geometry (Fontana, 34.1 N)", () => {
    const flat = { ...SITE, pvTiltDeg: 0 };
    const noonUtc = (y: number, m: number, d: number): number => Date.UTC(y, m, d, 19, 50) / 1000; // ~12:00 solar

    it("clear-sky irradiance is 0 at night and highest around solar noon", () => {
      const noon = noonUtc(2017, 5, 21);
      expect(clearSkyIrradianceWm2(flat, noon - 12 * HOUR)).to.equal(0);
      const peak = clearSkyIrradianceWm2(flat, noon);
      expect(peak).to.be.within(800, 1100); // a clear June noon at 34 N on the horizontal
      expect(peak).to.be.above(clearSkyIrradianceWm2(flat, noon - 3 * HOUR));
      expect(peak).to.be.above(clearSkyIrradianceWm2(flat, noon + 3 * HOUR));
      // Daylight: about 14.4 h at the June solstice, 9.6 h at the December one.
      const sunHours = (noon: number): number =>
        Array.from({ length: 24 * 60 }, (_, k) =>
          clearSkyIrradianceWm2(flat, noon - 12 * HOUR + k * 60),
        ).filter((v) => v > 0).length / 60;
      expect(sunHours(noon)).to.be.within(13.9, 14.6);
      expect(sunHours(noonUtc(2016, 11, 21))).to.be.within(9.3, 10.0);
    });

    it("the season: a flat plane gets 2-3.5x more in June than in December, a tilted panel less than that", () => {
      const day = (site: typeof flat, t: number): number => clearSkyDayWhm2(site, solarDay(site, t));
      const flatRatio = day(flat, noonUtc(2017, 5, 21)) / day(flat, noonUtc(2016, 11, 21));
      expect(flatRatio).to.be.within(2, 3.5);
      const tilted = { ...SITE, pvTiltDeg: 30 };
      expect(day(tilted, noonUtc(2017, 5, 21)) / day(tilted, noonUtc(2016, 11, 21))).to.be.below(flatRatio);
      // A solar day runs from solar midnight to solar midnight.
      expect(solarDay(flat, noonUtc(2017, 5, 21))).to.equal(solarDay(flat, noonUtc(2017, 5, 21) + 11 * HOUR));
      expect(solarDay(flat, noonUtc(2017, 5, 21) + 13 * HOUR)).to.equal(
        solarDay(flat, noonUtc(2017, 5, 21)) + 1,
      );
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
      const loadHistory = aggregateSeries(profiles, "loadWh", 20 * HORIZON);
      const generationHistory = aggregateSeries(profiles, "generationWh", 20 * HORIZON);
      // History only (dgmd:forecast without a site): the history-only choices, and notes saying so.
      const f = forecastGridWeek({ loadHistory, generationHistory });
      expect(f.loadMethod).to.equal(HISTORY_ONLY_LOAD_METHOD);
      expect(f.generationMethod).to.equal(HISTORY_ONLY_GENERATION_METHOD);
      expect(f.notes).to.have.length(2);
      expect(f.notes[0]).to.include(DEFAULT_LOAD_METHOD).and.include(HISTORY_ONLY_LOAD_METHOD);
      expect(f.notes[1]).to.include(DEFAULT_GENERATION_METHOD).and.include(HISTORY_ONLY_GENERATION_METHOD);
      // Its generation total is that method's forecast, rounded period by period.
      expect(f.generationWh).to.equal(
        weeklyTotal(forecastNextWeek(generationHistory, HISTORY_ONLY_GENERATION_METHOD)),
      );
      const forced = forecastGridWeek({ loadHistory, generationHistory, method: "seasonal-mean" });
      expect([forced.loadMethod, forced.generationMethod]).to.deep.equal(["seasonal-mean", "seasonal-mean"]);
      expect(forced.notes).to.deep.equal([]);
      // With the site, the clock and the weather known at the origin: the defaults, and no notes.
      const inputs = inputsAt(loadWeatherRows(), 20 * HORIZON);
      const full = forecastGridWeek({ loadHistory, generationHistory, inputs });
      expect([full.loadMethod, full.generationMethod]).to.deep.equal([
        DEFAULT_LOAD_METHOD,
        DEFAULT_GENERATION_METHOD,
      ]);
      expect(full.notes).to.deep.equal([]);
      expect(full.generationWh).to.equal(
        weeklyTotal(forecastNextWeek(generationHistory, DEFAULT_GENERATION_METHOD, inputs)),
      );
      for (const g of [f, full]) {
        expect(g.loadPerPeriodWh).to.have.length(HORIZON);
        expect(g.loadWh).to.equal(g.loadPerPeriodWh.reduce((a, b) => a + b, 0n));
        expect(g.generationWh).to.equal(g.generationPerPeriodWh.reduce((a, b) => a + b, 0n));
        expect(g.loadWh > 0n && g.generationWh > 0n).to.equal(true);
        // Night periods of a PV cluster (00:00-04:00, slot 0) are forecast as (nearly) nothing.
        expect(Number(g.generationPerPeriodWh[0])).to.be.below(50);
      }
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
