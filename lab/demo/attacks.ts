/**
 * The SPEC 12 attacks the demo injects into its first played week, and what each must produce. Injected
 * faults are invented on purpose (the real data has none); everything else stays real data.
 *
 * - lying parent: cluster 1's parent proposes inflated load totals for one period; its neighbours vote for
 *   the header they computed, outvote it, and the parent is recorded overruled with a fault (with a single
 *   neighbour, 2 of 2 cannot be reached and the batch is Disputed).
 * - forged reading: an outsider key signs a reading in the name of a registered meter; every node refuses it.
 * - tampered meter: the seal of cluster 2's first meter breaks; its parent raises the tamper alarm, the meter
 *   stops counting from that period, the altered reading it then sends is refused, and the utility replaces it
 *   with a new key that counts from the next period.
 * - over-capacity prosumer: a prosumer's output exceeds its certified capacity + tolerance; anyone proves it
 *   on-chain with the signed reading and its Merkle proof, and the prosumer is deauthorized (MES 0).
 */
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import { PERIODS_PER_WEEK } from "../../lib/constants.js";
import type { Reading } from "../../lib/batches/reading.js";

/** Load (Wh) the lying parent adds to its cluster's total. */
export const LIE_EXTRA_LOAD_WH = 5_000n;
/** Load (Wh) added to the tampered meter's reading after it was signed. */
export const TAMPER_EXTRA_LOAD_WH = 1_000n;

export interface AttackPlan {
  readonly lyingParent: { readonly clusterId: number; readonly period: number };
  readonly forgery: { readonly building: number; readonly period: number; readonly outsider: Wallet };
  /** The alarm is raised during `alarmPeriod`; the meter's reading for it is altered; replacement follows. */
  readonly tamper: { readonly building: number; readonly alarmPeriod: number; readonly workPermit: string };
  readonly overCapacity: { readonly building: number; readonly period: number };
}

/**
 * Attacks fall in grid week 1 (the first played week), on weekdays, away from its edges so that every
 * consequence is decided inside the run.
 */
export function planAttacks(
  seed: string,
  clusters: readonly { clusterId: number; buildings: readonly number[] }[],
): AttackPlan {
  const week = PERIODS_PER_WEEK;
  const second = clusters[1] ?? clusters[0]!;
  const last = clusters[clusters.length - 1]!;
  return {
    // Wednesday 08:00-12:00: high solar, the lie is in a period that matters.
    lyingParent: { clusterId: clusters[0]!.clusterId, period: week + 14 },
    forgery: {
      building: clusters[0]!.buildings[0]!,
      period: week + 9,
      outsider: new Wallet(keccak256(toUtf8Bytes(`gridshare-demo:${seed}:outsider`))),
    },
    // Thursday 12:00-16:00.
    tamper: { building: second.buildings[0]!, alarmPeriod: week + 21, workPermit: `WP-${seed}-001` },
    // Friday 12:00-16:00, the last cluster's last home (not the tamper victim when there are 2 clusters).
    overCapacity: { building: last.buildings[last.buildings.length - 1]!, period: week + 27 },
  };
}

/** Peak output the over-capacity prosumer reaches: 30% above its certificate (tolerance is at most 15%). */
export const OVER_CAPACITY_BPS = 13_000n;

/**
 * The reading of a prosumer running undeclared extra panels: peak raised to 130% of the certified capacity and
 * energy scaled with it; the extra generation is exported, so the meter's balance still holds.
 */
export function overCapacityReading(r: Reading, certifiedCapacityW: bigint): Reading {
  const peak = (certifiedCapacityW * OVER_CAPACITY_BPS) / 10_000n;
  const old = BigInt(r.peakGenerationW);
  if (old >= peak || old === 0n) return { ...r, peakGenerationW: Number(peak > old ? peak : old) };
  const generationWh = (r.generationWh * peak) / old;
  const extra = generationWh - r.generationWh;
  return { ...r, peakGenerationW: Number(peak), generationWh, exportWh: r.exportWh + extra };
}
