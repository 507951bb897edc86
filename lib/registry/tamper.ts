/**
 * SPEC 7's tamper cut-off, the twin of ClusterRegistry.raiseTamperAlarm: a meter's readings are refused from the
 * period that holds the alarm's `detectedAt` on, but never from earlier than the period before the one in which
 * the alarm reaches the chain (so a late or back-dated alarm cannot void readings that were already settled).
 */
import { PERIOD_SECONDS } from "../constants.js";

/**
 * The first period whose reading no longer counts after a tamper alarm detected at `detectedAt` (seconds) that
 * the chain received in period `arrivalPeriod`. A detection time before the epoch counts as period 0.
 */
export function tamperCutoffPeriod(detectedAt: bigint, arrivalPeriod: number, epoch: bigint): number {
  const detected = detectedAt <= epoch ? 0 : Number((detectedAt - epoch) / BigInt(PERIOD_SECONDS));
  const earliest = Math.max(arrivalPeriod - 1, 0);
  return Math.max(detected, earliest);
}
