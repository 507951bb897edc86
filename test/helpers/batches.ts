/** Header builders for ledger tests: a realistic honest header and labelled variants of it. */
import { toBeHex } from "ethers";
import type { BatchHeader } from "../../lib/batch.js";
import type { PeriodEnergy } from "../../lib/data/citylearn.js";

/** A header whose root is derived from `variant` (0 = the honest one); other fields as given. */
export function header(
  clusterId: number,
  period: number,
  variant = 0,
  overrides: Partial<BatchHeader> = {},
): BatchHeader {
  return {
    clusterId,
    period,
    root: toBeHex(0x1000 + variant, 8),
    leafCount: 4,
    totalLoadWh: 12_000n,
    totalGenerationWh: 15_000n,
    ...overrides,
  };
}

/** Totals of a set of meter-periods (SPEC 6: sums over the cluster's readings). */
export function totalsOf(periods: readonly PeriodEnergy[]): {
  totalLoadWh: bigint;
  totalGenerationWh: bigint;
} {
  let totalLoadWh = 0n;
  let totalGenerationWh = 0n;
  for (const p of periods) {
    totalLoadWh += p.loadWh;
    totalGenerationWh += p.generationWh;
  }
  return { totalLoadWh, totalGenerationWh };
}
