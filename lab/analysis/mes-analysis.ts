/**
 * How the two curtailment rules behave on real homes over a year: per cluster, how often curtailment
 * triggers, how much export each rule curtails, how the allowed supply (the sum of the prosumers' shares)
 * compares with the cluster's load, and what each home is paid. `capacity` is SPEC 10's rule (PSA x capacity
 * x 4 h), `generation` the binding one (PSA x the period's generation). Pure: takes building profiles,
 * returns numbers (scripts/mes-analysis.ts prints them).
 */
import type { BuildingProfile } from "../data/citylearn.js";
import { FIXED_ONE } from "../../lib/constants.js";
import { psa } from "../../lib/mes/mes.js";
import { allowedExportWhUnder } from "../../lib/billing/billing.js";
import { CurtailmentRule, type CurtailmentRuleName } from "../../lib/chain/schema.js";
import { GridShareError } from "../../lib/errors.js";

/** What one rule does to a cluster over the year. */
export interface RuleOutcome {
  /** Periods in which at least one meter exported more than its share. */
  periodsWithCurtailedExport: number;
  curtailedExportWh: bigint;
  /** Over curtailing periods (G > L): the allowed supply, the sum of the prosumers' shares. */
  curtailingAllowedWh: bigint;
  /** Curtailing periods in which the allowed supply exceeds the load (the rule does not bind the cluster). */
  allowedAboveLoadPeriods: number;
  /** Largest L - allowed supply of a curtailing period (0 when the supply always reaches the load). */
  maxShortfallWh: bigint;
  /** Lowest and highest allowed supply / L of a curtailing period (1 when there is none). */
  minAllowedToLoad: number;
  maxAllowedToLoad: number;
  /** Each home's paid export over the year, in the order of `ClusterAnalysis.buildings`. */
  creditedExportWh: bigint[];
}

export interface ClusterAnalysis {
  buildings: number[];
  periods: number;
  /** Periods with G > L (PSA < 1). */
  curtailingPeriods: number;
  exportWh: bigint;
  /** Each home's export over the year, in the order of `buildings`. */
  exportByHomeWh: bigint[];
  /** Over curtailing periods: sum of L and of G. */
  curtailingLoadWh: bigint;
  curtailingGenerationWh: bigint;
  /** Lowest PSA seen (1e18 = 1.0). */
  minPsa: bigint;
  rules: Record<CurtailmentRuleName, RuleOutcome>;
}

function emptyOutcome(homes: number): RuleOutcome {
  return {
    periodsWithCurtailedExport: 0,
    curtailedExportWh: 0n,
    curtailingAllowedWh: 0n,
    allowedAboveLoadPeriods: 0,
    maxShortfallWh: 0n,
    // Set from the first curtailing period on (1 when there is none: see analyseCluster).
    minAllowedToLoad: Infinity,
    maxAllowedToLoad: -Infinity,
    creditedExportWh: Array.from({ length: homes }, () => 0n),
  };
}

/** One period under one rule: every home's share, what is paid and cut, and the cluster's allowed supply. */
function addPeriod(
  out: RuleOutcome,
  rule: bigint,
  share: bigint,
  profiles: readonly BuildingProfile[],
  i: number,
  loadWh: bigint,
  curtailing: boolean,
): void {
  let allowedSum = 0n;
  let curtailedHere = false;
  profiles.forEach((p, h) => {
    const e = p.periods[i]!;
    const allowed = allowedExportWhUnder(rule, share, BigInt(p.capacityW), e.generationWh);
    allowedSum += allowed;
    const paid = e.exportWh < allowed ? e.exportWh : allowed;
    out.creditedExportWh[h]! += paid;
    if (e.exportWh > paid) {
      out.curtailedExportWh += e.exportWh - paid;
      curtailedHere = true;
    }
  });
  if (curtailedHere) out.periodsWithCurtailedExport++;
  if (!curtailing) return;
  out.curtailingAllowedWh += allowedSum;
  if (allowedSum > loadWh) out.allowedAboveLoadPeriods++;
  else if (loadWh - allowedSum > out.maxShortfallWh) out.maxShortfallWh = loadWh - allowedSum;
  const ratio = Number(allowedSum) / Number(loadWh);
  out.minAllowedToLoad = Math.min(out.minAllowedToLoad, ratio);
  out.maxAllowedToLoad = Math.max(out.maxAllowedToLoad, ratio);
}

export function analyseCluster(profiles: readonly BuildingProfile[]): ClusterAnalysis {
  if (profiles.length === 0)
    throw new GridShareError("EMPTY_CLUSTER", "a cluster needs at least one building");
  const periods = Math.min(...profiles.map((p) => p.periods.length));
  const a: ClusterAnalysis = {
    buildings: profiles.map((p) => p.building),
    periods,
    curtailingPeriods: 0,
    exportWh: 0n,
    exportByHomeWh: profiles.map(() => 0n),
    curtailingLoadWh: 0n,
    curtailingGenerationWh: 0n,
    minPsa: FIXED_ONE,
    rules: { capacity: emptyOutcome(profiles.length), generation: emptyOutcome(profiles.length) },
  };
  for (let i = 0; i < periods; i++) {
    let load = 0n,
      gen = 0n;
    profiles.forEach((p, h) => {
      load += p.periods[i]!.loadWh;
      gen += p.periods[i]!.generationWh;
      a.exportWh += p.periods[i]!.exportWh;
      a.exportByHomeWh[h]! += p.periods[i]!.exportWh;
    });
    const share = psa(load, gen);
    if (share < a.minPsa) a.minPsa = share;
    const curtailing = gen > load;
    if (curtailing) {
      a.curtailingPeriods++;
      a.curtailingLoadWh += load;
      a.curtailingGenerationWh += gen;
    }
    for (const name of CurtailmentRule.names)
      addPeriod(a.rules[name], CurtailmentRule.of(name), share, profiles, i, load, curtailing);
  }
  if (a.curtailingPeriods === 0)
    for (const r of Object.values(a.rules)) [r.minAllowedToLoad, r.maxAllowedToLoad] = [1, 1];
  return a;
}

/** Over the curtailing periods: the rule's allowed supply / the cluster's load (1 when there are none). */
export function allowedToLoad(a: ClusterAnalysis, rule: CurtailmentRuleName): number {
  const l = Number(a.curtailingLoadWh);
  return l === 0 ? 1 : Number(a.rules[rule].curtailingAllowedWh) / l;
}

/** `part / whole` as a percentage with one decimal (0 when whole is 0). */
export function percent(part: bigint | number, whole: bigint | number): string {
  const w = Number(whole);
  return w === 0 ? "0.0" : ((Number(part) / w) * 100).toFixed(1);
}
