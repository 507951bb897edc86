/**
 * The sun's geometry, which is known years ahead: clear-sky irradiation on a PV plane for any UTC time at a
 * site. It gives the generation models a term that follows the season (day length, sun height) without any
 * weather. Accuracy is that of the simple textbook models used (Spencer's declination and equation of time,
 * Meinel's clear-sky beam): a few percent, plenty for a seasonal scale that is multiplied by a fitted ratio.
 */
import { GridShareError } from "../../errors.js";

/** Where the homes are, and how their panels face (one orientation for a whole series). */
export interface ForecastSite {
  /** Degrees north (negative south). */
  readonly latitudeDeg: number;
  /** Degrees east (negative west). */
  readonly longitudeDeg: number;
  /** Local standard time minus UTC, in hours (-8 for California): places the local day for day types. */
  readonly utcOffsetHours: number;
  /** Panel tilt from horizontal; default `DEFAULT_PV_TILT_DEG`. */
  readonly pvTiltDeg?: number;
  /** Panel azimuth from due south, positive towards west (180 faces north); default 0. */
  readonly pvAzimuthDeg?: number;
}

/** A typical pitched roof (4:12 to 5:12): the usual mounting of home PV when nothing better is known. */
export const DEFAULT_PV_TILT_DEG = 20;

const DAY_SECONDS = 86_400;
const SOLAR_CONSTANT_WM2 = 1353;
/** Sun at least this high (cosine of the zenith angle, ~0.6 degrees): below it the beam is negligible. */
const MIN_COS_ZENITH = 0.01;
/** Clear-sky diffuse on the horizontal as a fraction of the beam (a rough, common clear-sky value). */
const CLEAR_DIFFUSE_FRACTION = 0.1;
/** Integration step for irradiation sums: 10 minutes. */
const STEP_SECONDS = 600;

/** A site whose numbers cannot be a place on Earth or a panel. */
export class InvalidSiteError extends GridShareError {
  constructor(problem: string) {
    super("FORECAST_INVALID_SITE", `forecast site: ${problem}`);
  }
}

export function checkSite(site: ForecastSite): void {
  const { latitudeDeg: lat, longitudeDeg: lon, utcOffsetHours: off } = site;
  if (!Number.isFinite(lat) || Math.abs(lat) > 90)
    throw new InvalidSiteError(`latitude ${lat} is not in -90..90`);
  if (!Number.isFinite(lon) || Math.abs(lon) > 180)
    throw new InvalidSiteError(`longitude ${lon} is not in -180..180`);
  if (!Number.isFinite(off) || Math.abs(off) > 14)
    throw new InvalidSiteError(`UTC offset ${off} h is not in -14..14`);
  const tilt = site.pvTiltDeg ?? DEFAULT_PV_TILT_DEG;
  if (!Number.isFinite(tilt) || tilt < 0 || tilt > 90)
    throw new InvalidSiteError(`PV tilt ${tilt} degrees is not in 0..90`);
  const az = site.pvAzimuthDeg ?? 0;
  if (!Number.isFinite(az) || Math.abs(az) > 180)
    throw new InvalidSiteError(`PV azimuth ${az} degrees is not in -180..180`);
}

const RAD = Math.PI / 180;

/** Clear-sky irradiance (W/m^2) on the site's panel plane at UTC second `t`. */
export function clearSkyIrradianceWm2(site: ForecastSite, t: number): number {
  const phi = site.latitudeDeg * RAD;
  // Spencer (1971): fractional year from the UTC day of year; one formula for every year (leap days shift
  // it by a quarter of a day, far below what matters here).
  const dayOfYear = ((t / DAY_SECONDS) % 365.2422) - 0.5;
  const g = (2 * Math.PI * dayOfYear) / 365.2422;
  const decl =
    0.006918 -
    0.399912 * Math.cos(g) +
    0.070257 * Math.sin(g) -
    0.006758 * Math.cos(2 * g) +
    0.000907 * Math.sin(2 * g) -
    0.002697 * Math.cos(3 * g) +
    0.00148 * Math.sin(3 * g);
  const eotMinutes =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(g) -
      0.032077 * Math.sin(g) -
      0.014615 * Math.cos(2 * g) -
      0.040849 * Math.sin(2 * g));
  const utcMinutes = (((t % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS) / 60;
  const hourAngle = ((utcMinutes + eotMinutes + 4 * site.longitudeDeg) / 4 - 180) * RAD;
  const up = Math.sin(phi) * Math.sin(decl) + Math.cos(phi) * Math.cos(decl) * Math.cos(hourAngle);
  if (up < MIN_COS_ZENITH) return 0;
  const east = -Math.cos(decl) * Math.sin(hourAngle);
  const north = Math.cos(phi) * Math.sin(decl) - Math.sin(phi) * Math.cos(decl) * Math.cos(hourAngle);
  const tilt = (site.pvTiltDeg ?? DEFAULT_PV_TILT_DEG) * RAD;
  const az = (site.pvAzimuthDeg ?? 0) * RAD;
  const cosIncidence =
    east * -Math.sin(tilt) * Math.sin(az) + north * -Math.sin(tilt) * Math.cos(az) + up * Math.cos(tilt);
  // Meinel (1976): beam through an air mass of 1/cos(zenith).
  const beam = SOLAR_CONSTANT_WM2 * Math.pow(0.7, Math.pow(1 / up, 0.678));
  const diffuse = CLEAR_DIFFUSE_FRACTION * beam;
  return beam * Math.max(0, cosIncidence) + (diffuse * (1 + Math.cos(tilt))) / 2;
}

/** Clear-sky irradiation (Wh/m^2) on the panel plane over `[fromUtc, fromUtc + seconds)`. */
export function clearSkyIrradiationWhm2(site: ForecastSite, fromUtc: number, seconds: number): number {
  const steps = Math.max(1, Math.round(seconds / STEP_SECONDS));
  const dt = seconds / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += clearSkyIrradianceWm2(site, fromUtc + (i + 0.5) * dt);
  return (sum * dt) / 3600;
}

/**
 * The local solar day that UTC second `t` falls in (days since 1970-01-01, solar midnight to solar
 * midnight by the site's longitude): a day's worth of sun never straddles two of them.
 */
export function solarDay(site: ForecastSite, t: number): number {
  return Math.floor((t + (site.longitudeDeg / 15) * 3600) / DAY_SECONDS);
}

/** Clear-sky irradiation (Wh/m^2) on the panel plane over solar day `day` (see `solarDay`). */
export function clearSkyDayWhm2(site: ForecastSite, day: number): number {
  return clearSkyIrradiationWhm2(site, day * DAY_SECONDS - (site.longitudeDeg / 15) * 3600, DAY_SECONDS);
}
