import { PERIOD_SECONDS, PERIODS_PER_WEEK } from "./constants.js";
import { GridShareError } from "./errors.js";

/** SPEC 3: `period = floor((t - epoch) / 14400)`; times before the epoch have no period. */
export function periodAt(timestamp: bigint | number, epoch: bigint | number): number {
  const t = BigInt(timestamp);
  const e = BigInt(epoch);
  if (t < e) {
    throw new GridShareError("BEFORE_EPOCH", `time ${t} is before the grid epoch ${e}: it has no period`);
  }
  return Number((t - e) / BigInt(PERIOD_SECONDS));
}

/** First second of a period. */
export function periodStart(period: number, epoch: bigint | number): bigint {
  return BigInt(epoch) + BigInt(period) * BigInt(PERIOD_SECONDS);
}

/** SPEC 3: `week = floor(period / 42)`. */
export function weekOfPeriod(period: number): number {
  return Math.floor(period / PERIODS_PER_WEEK);
}

/** First period of a week. */
export function firstPeriodOfWeek(week: number): number {
  return week * PERIODS_PER_WEEK;
}

const DAY_SECONDS = 86_400n;
/** 1970-01-01 was a Thursday: day `d` is a Monday when `(d + 3) % 7 == 0`. */
const MONDAY_OFFSET = 3n;

/** The latest Monday 00:00 UTC at or before `timestamp`: a valid grid epoch (SPEC 3). */
export function mondayOnOrBefore(timestamp: bigint | number): bigint {
  const day = BigInt(timestamp) / DAY_SECONDS;
  return (day - ((day + MONDAY_OFFSET) % 7n)) * DAY_SECONDS;
}
