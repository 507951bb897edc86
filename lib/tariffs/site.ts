/**
 * What the DGMD gives the site-aware forecast beside the grid's history: the site (where the homes are and how
 * their panels face, a deployment's configuration file) and a weather feed (measured hours and the hours a
 * weather service predicted, each with its UTC start). Both are read from JSON files and checked here; the feed
 * is cut at a forecast's origin so that the model sees only what was known then (lib/tariffs/forecast).
 */
import { GridShareError, InvalidFileError } from "../errors.js";
import { readJsonFile } from "../args.js";
import {
  checkSite,
  WEEK_HOURS,
  type ForecastSite,
  type WeatherAtOrigin,
  type WeatherHour,
} from "./forecast/index.js";

const HOUR_SECONDS = 3_600;

const SITE_FIELDS = ["latitudeDeg", "longitudeDeg", "utcOffsetHours", "pvTiltDeg", "pvAzimuthDeg"] as const;
const REQUIRED_SITE_FIELDS = new Set<string>(["latitudeDeg", "longitudeDeg", "utcOffsetHours"]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A site file: `{ "latitudeDeg": 34.09, "longitudeDeg": -117.43, "utcOffsetHours": -8, "pvTiltDeg": 20,
 * "pvAzimuthDeg": 0 }` (tilt and azimuth optional: a 20-degree roof facing south). Unknown keys are refused
 * so that a misspelt one is not silently left at its default.
 */
export function readSiteFile(file: string): ForecastSite {
  const json = readJsonFile(file);
  if (!isRecord(json))
    throw new InvalidFileError(file, "must hold an object {latitudeDeg, longitudeDeg, utcOffsetHours, ...}");
  const unknown = Object.keys(json).find((k) => !(SITE_FIELDS as readonly string[]).includes(k));
  if (unknown !== undefined)
    throw new InvalidFileError(file, `unknown key "${unknown}": the keys are ${SITE_FIELDS.join(", ")}`);
  const site: Record<string, number> = {};
  for (const k of SITE_FIELDS) {
    const v = json[k];
    if (v === undefined && !REQUIRED_SITE_FIELDS.has(k)) continue;
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new InvalidFileError(file, `"${k}" must be a number, got ${JSON.stringify(v)}`);
    site[k] = v;
  }
  const checked = site as unknown as ForecastSite;
  try {
    checkSite(checked);
  } catch (e) {
    if (e instanceof GridShareError) throw new InvalidFileError(file, e.message);
    throw e;
  }
  return checked;
}

/** One hour of a weather feed: its weather and the UTC second it starts at. */
export interface TimedWeatherHour extends WeatherHour {
  readonly startUtc: number;
}

/** A weather feed: measured hours and predicted ones, each run hourly and without gaps. */
export interface WeatherFeed {
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly measured: readonly TimedWeatherHour[];
  readonly predicted: readonly TimedWeatherHour[];
}

function startOf(file: string, where: string, v: unknown): number {
  const t = typeof v === "string" ? Date.parse(v) / 1000 : v;
  if (typeof t !== "number" || !Number.isInteger(t) || t % HOUR_SECONDS !== 0)
    throw new InvalidFileError(
      file,
      `${where}.startUtc ${JSON.stringify(v)} is not the start of a UTC hour (seconds or ISO 8601, e.g. "2016-08-01T07:00:00Z")`,
    );
  return t;
}

function hoursOf(file: string, key: "measured" | "predicted", list: unknown): TimedWeatherHour[] {
  if (!Array.isArray(list)) throw new InvalidFileError(file, `"${key}" must be an array of hours`);
  const out: TimedWeatherHour[] = [];
  list.forEach((h: unknown, i) => {
    const where = `${key}[${i}]`;
    if (!isRecord(h)) throw new InvalidFileError(file, `${where} is not an object`);
    const value = (k: keyof WeatherHour, min: number) => {
      const v = h[k];
      if (typeof v !== "number" || !Number.isFinite(v) || v < min)
        throw new InvalidFileError(
          file,
          `${where}.${k} must be a number${min > -Infinity ? ` >= ${min}` : ""}, got ${JSON.stringify(v)}`,
        );
      return v;
    };
    const startUtc = startOf(file, where, h.startUtc);
    const previous = out.at(-1);
    if (previous !== undefined && startUtc !== previous.startUtc + HOUR_SECONDS)
      throw new InvalidFileError(
        file,
        `${where} does not start one hour after ${key}[${i - 1}]: hours must run in order without gaps`,
      );
    out.push({
      startUtc,
      temperatureC: value("temperatureC", -Infinity),
      directIrradianceWm2: value("directIrradianceWm2", 0),
      diffuseIrradianceWm2: value("diffuseIrradianceWm2", 0),
    });
  });
  return out;
}

/**
 * A weather file: `{ "measured": [hour...], "predicted": [hour...] }`, each hour `{ "startUtc", "temperatureC",
 * "directIrradianceWm2", "diffuseIrradianceWm2" }` (irradiance in W/m^2 averaged over the hour), each list
 * hourly without gaps; `predicted` may be left out.
 */
export function readWeatherFile(file: string): WeatherFeed {
  const json = readJsonFile(file);
  if (!isRecord(json))
    throw new InvalidFileError(file, 'must hold an object {"measured": [...], "predicted": [...]}');
  return {
    source: file,
    measured: hoursOf(file, "measured", json.measured),
    predicted: json.predicted === undefined ? [] : hoursOf(file, "predicted", json.predicted),
  };
}

/** A weather feed that cannot serve a forecast made at this origin. */
export class WeatherFeedError extends GridShareError {
  constructor(source: string, problem: string) {
    super("WEATHER_FEED", `${source}: ${problem}`);
  }
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000", "");

/**
 * The weather known at a forecast origin: the measured hours up to it (the last one ends at the origin), and
 * from the origin on what the feed holds for the forecast week: measured hours where there are any (when the
 * forecast is made after its origin), then predicted ones, as far as they run on without a gap.
 */
export function weatherAtOriginOf(feed: WeatherFeed, originUtc: number): WeatherAtOrigin {
  const observed = feed.measured.filter((h) => h.startUtc < originUtc);
  const last = observed.at(-1);
  if (last === undefined || last.startUtc + HOUR_SECONDS !== originUtc)
    throw new WeatherFeedError(
      feed.source,
      `the measured hours ${last === undefined ? "start after" : `end at ${iso(last.startUtc + HOUR_SECONDS)}, before`} ` +
        `the forecast's origin ${iso(originUtc)} (the start of the week after the history): give the hours up to it`,
    );
  const ahead = new Map<number, WeatherHour>();
  for (const h of feed.predicted) if (h.startUtc >= originUtc) ahead.set(h.startUtc, h);
  for (const h of feed.measured) if (h.startUtc >= originUtc) ahead.set(h.startUtc, h);
  const predicted: WeatherHour[] = [];
  for (let t = originUtc; predicted.length < WEEK_HOURS && ahead.has(t); t += HOUR_SECONDS)
    predicted.push(ahead.get(t) as WeatherHour);
  const plain = ({ temperatureC, directIrradianceWm2, diffuseIrradianceWm2 }: WeatherHour): WeatherHour => ({
    temperatureC,
    directIrradianceWm2,
    diffuseIrradianceWm2,
  });
  return { observed: observed.map(plain), predicted: predicted.map(plain) };
}
