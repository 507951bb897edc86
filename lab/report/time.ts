/** Grid periods as dates, for the report's tables (the page's script formats its axes and tooltips alike). */
import { PERIOD_SECONDS } from "../../lib/constants.js";
import { DATA_PERIOD0_UTC_S } from "../data/citylearn.js";
import type { ReportTime } from "./model.js";

/** The report's time mapping for a run whose grid period p plays data period `p + dataOffsetPeriods`. */
export function reportTime(chainEpoch: bigint | number, dataOffsetPeriods: number): ReportTime {
  return {
    chainEpoch: Number(chainEpoch),
    dataStart: DATA_PERIOD0_UTC_S + dataOffsetPeriods * PERIOD_SECONDS,
    periodSeconds: PERIOD_SECONDS,
  };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** "Tue 25 Apr 2017 08:00" (UTC). */
export function utcStamp(seconds: number): string {
  const d = new Date(seconds * 1000);
  return (
    `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  );
}

/** When a grid period's data was measured: "Tue 25 Apr 2017 08:00-12:00" (UTC). */
export function periodWhen(t: ReportTime, period: number): string {
  const start = t.dataStart + period * t.periodSeconds;
  const end = new Date((start + t.periodSeconds) * 1000);
  return `${utcStamp(start)}-${pad(end.getUTCHours())}:${pad(end.getUTCMinutes())}`;
}
