/**
 * What the site-aware methods take beside the history: when the history is, where the homes are, and the
 * weather known at the origin. All explicit, so a deployment passes its own clock, site and weather feed.
 */
import { PERIOD_SECONDS } from "../../constants.js";
import { MissingForecastInputError } from "./errors.js";
import { checkSite, type ForecastSite } from "./solar.js";
import { checkWeatherAtOrigin, type WeatherAtOrigin } from "./weather.js";

export interface ForecastInputs {
  /** UTC second at which `history[0]` starts; each later period starts `PERIOD_SECONDS` after the last. */
  readonly historyStartUtc: number;
  readonly site: ForecastSite;
  /** Weather known at the origin (the end of the history); needed by the weather methods only. */
  readonly weather?: WeatherAtOrigin;
}

/** UTC second at which period `t` of the history (t >= length: of the forecast) starts. */
export function periodStartUtc(inputs: ForecastInputs, t: number): number {
  return inputs.historyStartUtc + t * PERIOD_SECONDS;
}

/** Check site and weather and return the inputs, or refuse naming what `method` lacks. */
export function requireInputs(method: string, inputs: ForecastInputs | undefined): ForecastInputs {
  if (inputs === undefined)
    throw new MissingForecastInputError(method, "the history's start time and the site");
  if (!Number.isFinite(inputs.historyStartUtc))
    throw new MissingForecastInputError(method, "a finite historyStartUtc (UTC seconds)");
  checkSite(inputs.site);
  if (inputs.weather) checkWeatherAtOrigin(inputs.weather);
  return inputs;
}

/** `requireInputs`, and the weather known at the origin too. */
export function requireWeather(
  method: string,
  inputs: ForecastInputs | undefined,
): ForecastInputs & { readonly weather: WeatherAtOrigin } {
  const i = requireInputs(method, inputs);
  if (i.weather === undefined) throw new MissingForecastInputError(method, "the weather known at the origin");
  return { ...i, weather: i.weather };
}
