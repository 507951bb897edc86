import { GridShareError } from "../../errors.js";

/** The history is shorter than the method needs; nothing was forecast. */
export class HistoryTooShortError extends GridShareError {
  readonly needed: number;
  readonly got: number;

  constructor(method: string, needed: number, got: number) {
    super(
      "FORECAST_HISTORY_TOO_SHORT",
      `${method} needs at least ${needed} periods of history (${needed / 42} weeks), got ${got}: ` +
        `wait for more data or use a method that needs less (seasonal-naive needs 1 week)`,
    );
    this.needed = needed;
    this.got = got;
  }
}

/** A value of a series is not a finite, non-negative energy in Wh. */
export class InvalidSeriesValueError extends GridShareError {
  readonly index: number;
  readonly value: number;

  constructor(what: string, index: number, value: number) {
    super(
      "FORECAST_INVALID_VALUE",
      `${what}[${index}] = ${value} is not a finite, non-negative energy in Wh: fix or drop that period`,
    );
    this.index = index;
    this.value = value;
  }
}

/** Two series that must be compared element by element have different lengths. */
export class SeriesLengthMismatchError extends GridShareError {
  constructor(what: string, expected: number, got: number) {
    super("FORECAST_LENGTH_MISMATCH", `${what}: expected ${expected} values, got ${got}`);
  }
}

/** A percentage error of a zero actual is undefined: MAPE refuses it (use WAPE for series with zeros). */
export class ZeroActualError extends GridShareError {
  /** The offending index, or -1 when every actual is 0 (WAPE). */
  readonly index: number;

  constructor(index: number) {
    super(
      "FORECAST_ZERO_ACTUAL",
      index < 0
        ? "every actual is 0, so no relative error is defined: evaluate a period with some energy"
        : `actual[${index}] is 0, so its percentage error is undefined: use mape() on weekly totals ` +
            `(never 0 for a real cluster) or wape() for per-period series such as night-time generation`,
    );
    this.index = index;
  }
}

/** The caller named a forecasting method that does not exist. */
export class UnknownForecastMethodError extends GridShareError {
  constructor(method: string, known: readonly string[]) {
    super(
      "FORECAST_UNKNOWN_METHOD",
      `unknown forecast method "${method}": choose one of ${known.join(", ")}`,
    );
  }
}

/** A weather value a forecaster was given is not a finite temperature or a non-negative irradiance. */
export class InvalidWeatherError extends GridShareError {
  constructor(what: string, value: number) {
    super(
      "FORECAST_INVALID_WEATHER",
      `weather ${what} = ${value} is not usable (finite temperature, non-negative irradiance): fix the feed or drop that hour`,
    );
  }
}

/** A forecasting method needs an input (site, time, weather) that the caller did not give. */
export class MissingForecastInputError extends GridShareError {
  constructor(method: string, missing: string) {
    super(
      "FORECAST_MISSING_INPUT",
      `${method} needs ${missing}: pass it in the forecast inputs, or use a history-only method`,
    );
  }
}
