/**
 * How SPEC 10's capacity-based MES behaves on real homes: per cluster, how often curtailment triggers,
 * how much export it curtails, and how far the allowed supply (PSA x capacity x 4 h) overshoots the load.
 * Pure: takes building profiles, returns numbers (scripts/mes-analysis.ts prints them).
 */
import type { BuildingProfile } from "../data/citylearn.js";
import { FIXED_ONE } from "../../lib/constants.js";
import { psa } from "../../lib/mes/mes.js";
import { allowedExportWh } from "../../lib/billing/billing.js";
import { GridShareError } from "../../lib/errors.js";

export interface ClusterAnalysis {
  buildings: number[];
  periods: number;
  /** Periods with G > L (PSA < 1). */
  curtailingPeriods: number;
  /** Periods in which at least one meter exported more than its share. */
  periodsWithCurtailedExport: number;
  exportWh: bigint;
  curtailedExportWh: bigint;
  /** Over curtailing periods: sum of L, of the allowed supply PSA x sum(capacity) x 4 h, and of G. */
  curtailingLoadWh: bigint;
  curtailingAllowedWh: bigint;
  curtailingGenerationWh: bigint;
  /** Curtailing periods in which the allowed supply exceeds the load (the rule does not bind the cluster). */
  allowedAboveLoadPeriods: number;
  /** Lowest PSA seen (1e18 = 1.0). */
  minPsa: bigint;
}

export function analyseCluster(profiles: readonly BuildingProfile[]): ClusterAnalysis {
  if (profiles.length === 0)
    throw new GridShareError("EMPTY_CLUSTER", "a cluster needs at least one building");
  const periods = Math.min(...profiles.map((p) => p.periods.length));
  const a: ClusterAnalysis = {
    buildings: profiles.map((p) => p.building),
    periods,
    curtailingPeriods: 0,
    periodsWithCurtailedExport: 0,
    exportWh: 0n,
    curtailedExportWh: 0n,
    curtailingLoadWh: 0n,
    curtailingAllowedWh: 0n,
    curtailingGenerationWh: 0n,
    allowedAboveLoadPeriods: 0,
    minPsa: FIXED_ONE,
  };
  for (let i = 0; i < periods; i++) {
    let load = 0n,
      gen = 0n;
    for (const p of profiles) {
      load += p.periods[i]!.loadWh;
      gen += p.periods[i]!.generationWh;
    }
    const share = psa(load, gen);
    if (share < a.minPsa) a.minPsa = share;
    let allowedSum = 0n;
    let curtailedHere = false;
    for (const p of profiles) {
      const allowed = allowedExportWh(share, BigInt(p.capacityW));
      const exp = p.periods[i]!.exportWh;
      allowedSum += allowed;
      a.exportWh += exp;
      if (exp > allowed) {
        a.curtailedExportWh += exp - allowed;
        curtailedHere = true;
      }
    }
    if (curtailedHere) a.periodsWithCurtailedExport++;
    if (gen > load) {
      a.curtailingPeriods++;
      a.curtailingLoadWh += load;
      a.curtailingGenerationWh += gen;
      a.curtailingAllowedWh += allowedSum;
      if (allowedSum > load) a.allowedAboveLoadPeriods++;
    }
  }
  return a;
}

/** `part / whole` as a percentage with one decimal (0 when whole is 0). */
export function percent(part: bigint | number, whole: bigint | number): string {
  const w = Number(whole);
  return w === 0 ? "0.0" : ((Number(part) / w) * 100).toFixed(1);
}
