/**
 * Loader for the CityLearn 2022 measured data (../shared/data/citylearn-2022, see its README):
 * hourly load and PV of 17 homes, aggregated into GridShare's 4-hour meter periods.
 *
 * Rules (written down because the data's README leaves them to us):
 * - Row 1 is the hour ending 2016-08-01 00:00 (a Sunday hour); it is skipped so that data period 0
 *   starts on Monday 2016-08-01 00:00, matching a grid epoch that is a Monday 00:00 UTC.
 * - Hourly energies are rounded to whole Wh first (load = kWh * 1000, PV = W/kW * kWp); hourly import
 *   and export come from the hourly net, as a real bidirectional meter registers them. Period values
 *   are exact sums of the hourly integers, so `load + export == generation + import` holds exactly.
 * - Peaks are the hourly maxima of average power (1 Wh in an hour = 1 W average).
 * - The final, incomplete period of the year (3 hours) is dropped: 2,189 periods per building.
 */
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidFileError, GridShareError } from "../../lib/errors.js";
import { PERIOD_HOURS } from "../../lib/constants.js";
import type { PeriodEnergy } from "../../lib/batches/reading.js";
import type { WeatherAtOrigin, WeatherHour } from "../../lib/tariffs/forecast/weather.js";
import type { ForecastSite } from "../../lib/tariffs/forecast/solar.js";

export type { PeriodEnergy, WeatherHour };

/**
 * Where the homes are: Sierra Crest, Fontana, California (the data's README). The data's
 * `daylight_savings_status` is 0 in every row, so its clock is read as Pacific Standard Time all year.
 */
export const CITYLEARN_SITE: ForecastSite = { latitudeDeg: 34.09, longitudeDeg: -117.43, utcOffsetHours: -8 };
/** UTC second of data period 0's start: Monday 2016-08-01 00:00 PST. */
export const CITYLEARN_START_UTC = Date.UTC(2016, 7, 1, 8) / 1000;

export const HOURS_PER_PERIOD = PERIOD_HOURS;
/** Unix seconds of data period 0's start: Monday 2016-08-01 00:00 UTC (see the rules above). */
export const DATA_PERIOD0_UTC_S = Date.UTC(2016, 7, 1) / 1000;
export const BUILDING_COUNT = 17;

/** The repository root (lab/data/ is two levels down). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where the data lives: `GRIDSHARE_DATA_DIR`, else `../shared/data/citylearn-2022` beside the checkout. */
export function dataDir(): string {
  return process.env.GRIDSHARE_DATA_DIR ?? path.resolve(REPO_ROOT, "..", "shared", "data", "citylearn-2022");
}

export interface BuildingProfile {
  readonly building: number;
  /** Installed PV capacity from schema.json, in W. */
  readonly capacityW: number;
  /** Hourly load and generation in Wh (integers), hour 0 = 2016-08-01 00:00-01:00. */
  readonly hourlyLoadWh: readonly number[];
  readonly hourlyGenerationWh: readonly number[];
  readonly periods: readonly PeriodEnergy[];
}

export class DataNotFoundError extends GridShareError {
  constructor(dir: string) {
    super(
      "DATA_NOT_FOUND",
      `CityLearn data not found in ${dir}: place shared/ beside the checkout or set GRIDSHARE_DATA_DIR`,
    );
  }
}

/** A data period outside the CityLearn year was asked for; nothing was read. */
export class NoDataError extends GridShareError {
  constructor(building: number, dataIndex: number) {
    super(
      "NO_DATA",
      `building ${building} has no data period ${dataIndex}: choose a grid period inside the data year`,
    );
  }
}

function readCsv(file: string): { header: string[]; rows: string[][] } {
  if (!existsSync(file)) throw new DataNotFoundError(path.dirname(file));
  const lines = readFileSync(file, "utf8").trim().split(/\r?\n/);
  const header = (lines[0] ?? "").split(",");
  return { header, rows: lines.slice(1).map((l) => l.split(",")) };
}

function column(header: string[], name: string, file: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw new InvalidFileError(file, `missing column "${name}"`);
  return i;
}

function numberAt(row: string[], i: number, file: string, line: number): number {
  const v = Number(row[i]);
  if (!Number.isFinite(v) || v < 0) {
    throw new InvalidFileError(file, `line ${line + 2}: "${row[i]}" is not a non-negative number`);
  }
  return v;
}

function checkBuilding(building: number): void {
  if (!Number.isInteger(building) || building < 1 || building > BUILDING_COUNT) {
    throw new GridShareError(
      "UNKNOWN_BUILDING",
      `building ${building} does not exist: choose 1..${BUILDING_COUNT}`,
    );
  }
}

/** Installed PV capacity (W) of every building, from schema.json. */
export function loadCapacities(dir = dataDir()): Map<number, number> {
  const file = path.join(dir, "schema.json");
  if (!existsSync(file)) throw new DataNotFoundError(dir);
  const schema = JSON.parse(readFileSync(file, "utf8")) as {
    buildings: Record<string, { pv?: { attributes?: { nominal_power?: number } } }>;
  };
  const out = new Map<number, number>();
  for (let b = 1; b <= BUILDING_COUNT; b++) {
    const kw = schema.buildings[`Building_${b}`]?.pv?.attributes?.nominal_power;
    if (typeof kw !== "number")
      throw new InvalidFileError(file, `Building_${b} has no pv.attributes.nominal_power`);
    out.set(b, Math.round(kw * 1000));
  }
  return out;
}

const cache = new Map<string, BuildingProfile>();

/** Load one building's year, aggregated into 4-hour periods. Cached per process. */
export function loadBuilding(building: number, dir = dataDir()): BuildingProfile {
  checkBuilding(building);
  const key = `${dir}#${building}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const file = path.join(dir, `Building_${building}.csv`);
  const { header, rows } = readCsv(file);
  const iLoad = column(header, "non_shiftable_load", file);
  const iPv = column(header, "solar_generation", file);
  const capacityW = loadCapacities(dir).get(building) ?? 0;
  const kWp = capacityW / 1000;
  const hourlyLoadWh: number[] = [];
  const hourlyGenerationWh: number[] = [];
  // Skip row 1 (the Sunday hour before the first Monday).
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as string[];
    hourlyLoadWh.push(Math.round(numberAt(row, iLoad, file, r) * 1000));
    hourlyGenerationWh.push(Math.round(numberAt(row, iPv, file, r) * kWp));
  }
  const periods: PeriodEnergy[] = [];
  for (let p = 0; (p + 1) * HOURS_PER_PERIOD <= hourlyLoadWh.length; p++) {
    let imp = 0,
      exp = 0,
      load = 0,
      gen = 0,
      peakLoad = 0,
      peakGen = 0;
    for (let h = p * HOURS_PER_PERIOD; h < (p + 1) * HOURS_PER_PERIOD; h++) {
      const l = hourlyLoadWh[h] as number;
      const g = hourlyGenerationWh[h] as number;
      load += l;
      gen += g;
      if (g > l) exp += g - l;
      else imp += l - g;
      peakLoad = Math.max(peakLoad, l);
      peakGen = Math.max(peakGen, g);
    }
    periods.push({
      index: p,
      importWh: BigInt(imp),
      exportWh: BigInt(exp),
      loadWh: BigInt(load),
      generationWh: BigInt(gen),
      peakLoadW: peakLoad,
      peakGenerationW: peakGen,
    });
  }
  const profile: BuildingProfile = { building, capacityW, hourlyLoadWh, hourlyGenerationWh, periods };
  cache.set(key, profile);
  return profile;
}

/** Building `building`'s energy in data period `dataIndex` (0 = Monday 2016-08-01 00:00-04:00). */
export function periodEnergy(building: number, dataIndex: number): PeriodEnergy {
  const e = loadBuilding(building).periods[dataIndex];
  if (!e) throw new NoDataError(building, dataIndex);
  return e;
}

/** Hourly weather (hour 0 = 2016-08-01 00:00-01:00, same alignment as the buildings). */
export function loadWeather(dir = dataDir()): WeatherHour[] {
  return loadWeatherRows(dir).map((r) => r.measured);
}

/** Lead times of weather.csv's `*_predicted_1/2/3` columns, in hours (checked: each is the measured value that many hours later). */
export const PREDICTION_LEADS_HOURS = [6, 12, 24] as const;

/** One row of weather.csv: the hour's measurement and the predictions made at its end for 6/12/24 h later. */
export interface WeatherRow {
  readonly measured: WeatherHour;
  /** `predicted[k]` is the prediction for the hour `PREDICTION_LEADS_HOURS[k]` hours after this one. */
  readonly predicted: readonly [WeatherHour, WeatherHour, WeatherHour];
}

function weatherHourAt(
  row: string[],
  cols: { t: number; diff: number; dir: number },
  file: string,
  r: number,
): WeatherHour {
  const t = Number(row[cols.t]);
  if (!Number.isFinite(t))
    throw new InvalidFileError(file, `line ${r + 2}: temperature "${row[cols.t]}" is not a number`);
  return {
    temperatureC: t,
    diffuseIrradianceWm2: numberAt(row, cols.diff, file, r),
    directIrradianceWm2: numberAt(row, cols.dir, file, r),
  };
}

/** Every hour of weather.csv with its predictions (row i = hour i, as `loadWeather`). */
export function loadWeatherRows(dir = dataDir()): WeatherRow[] {
  const file = path.join(dir, "weather.csv");
  const { header, rows } = readCsv(file);
  const cols = (suffix: string) => ({
    t: column(header, `outdoor_dry_bulb_temperature${suffix}`, file),
    diff: column(header, `diffuse_solar_irradiance${suffix}`, file),
    dir: column(header, `direct_solar_irradiance${suffix}`, file),
  });
  const measured = cols("");
  const leads = [cols("_predicted_1"), cols("_predicted_2"), cols("_predicted_3")] as const;
  const out: WeatherRow[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as string[];
    out.push({
      measured: weatherHourAt(row, measured, file, r),
      predicted: [
        weatherHourAt(row, leads[0], file, r),
        weatherHourAt(row, leads[1], file, r),
        weatherHourAt(row, leads[2], file, r),
      ],
    });
  }
  return out;
}

/**
 * The weather known at the start of hour `origin` (a forecast origin): the measurements of hours before
 * it, and for each hour from it on, the freshest prediction already made (by the end of hour origin - 1)
 * for it. With leads of 6, 12 and 24 h that reaches 24 hours; nothing of the forecast week is read
 * beyond those predictions (test/forecast.test.ts poisons the rest to prove it).
 */
export function weatherAtOrigin(rows: readonly WeatherRow[], origin: number): WeatherAtOrigin {
  if (!Number.isInteger(origin) || origin < 0 || origin > rows.length) {
    throw new GridShareError("INVALID_ORIGIN", `origin hour ${origin} is not in 0..${rows.length}`);
  }
  const observed = rows.slice(0, origin).map((r) => r.measured);
  const predicted: WeatherHour[] = [];
  const reach = PREDICTION_LEADS_HOURS[PREDICTION_LEADS_HOURS.length - 1] as number;
  for (let k = 0; k < reach; k++) {
    // The shortest lead whose prediction was made before the origin: issued at the end of hour j - lead.
    const lead = PREDICTION_LEADS_HOURS.findIndex((l) => k < l);
    const issued = origin + k - (PREDICTION_LEADS_HOURS[lead] as number);
    if (issued < 0 || origin + k >= rows.length) break;
    predicted.push((rows[issued] as WeatherRow).predicted[lead] as WeatherHour);
  }
  return { observed, predicted };
}

/** Parse a building list such as "1-12" or "1,3,5-7". */
export function parseBuildingList(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m)
      throw new GridShareError("INVALID_BUILDINGS", `"${part}" is not a building number or range like 1-12`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new GridShareError("INVALID_BUILDINGS", `range "${part}" runs backwards`);
    for (let b = from; b <= to; b++) {
      checkBuilding(b);
      out.add(b);
    }
  }
  if (out.size === 0) throw new GridShareError("INVALID_BUILDINGS", `"${spec}" names no building`);
  return [...out].sort((a, b) => a - b);
}
