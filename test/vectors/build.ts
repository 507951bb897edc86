/**
 * The shared vectors of MES (SPEC 10) and bill lines (SPEC 11): every edge case plus seeded random cases,
 * with the expected values of the TS reference model. Solidity reads the JSON with vm.parseJsonUintArray,
 * so every number is a decimal string and every field is a parallel array.
 */
import { FIXED_ONE } from "../../lib/constants.js";
import { decrementalFactor, mes, psa } from "../../lib/mes/mes.js";
import { allowedExportWh, allowedExportWhUnder, billLine } from "../../lib/billing/billing.js";
import { CurtailmentRule } from "../../lib/chain/schema.js";
import { SplitMix64 } from "../../lab/prng.js";

export const MAX64 = 2n ** 64n - 1n;
export const MES_SEED = 0x4d4553n; // "MES"
export const BILLING_SEED = 0x42494c4cn; // "BILL"
export const CURTAILMENT_SEED = 0x43555254n; // "CURT"

export interface MesVectors {
  loadWh: string[];
  generationWh: string[];
  capacityW: string[];
  psa: string[];
  df: string[];
  mesW: string[];
  allowedWh: string[];
}

export interface BillingVectors {
  psa: string[];
  capacityW: string[];
  importWh: string[];
  exportWh: string[];
  importRate: string[];
  exportRate: string[];
  allowedWh: string[];
  creditedExportWh: string[];
  charge: string[];
  credit: string[];
  /** Signed; the Solidity test checks it as charge - credit. */
  net: string[];
}

/** (L, G) pairs that must be in every vector set. */
export function edgeLoads(): [bigint, bigint][] {
  const v = [0n, 1n, 2n, 3n, 999n, 10n ** 6n, 2n ** 32n, MAX64 - 1n, MAX64];
  const out: [bigint, bigint][] = [];
  for (const l of v) for (const g of v) out.push([l, g]);
  return out;
}

export const EDGE_CAPACITIES = [0n, 1n, 3n, 4_000n, 5_000n, 2n ** 32n - 1n, MAX64 - 1n, MAX64];

export function buildMesVectors(): MesVectors {
  const rnd = new SplitMix64(MES_SEED);
  const cases: [bigint, bigint, bigint][] = [];
  for (const [l, g] of edgeLoads()) cases.push([l, g, EDGE_CAPACITIES[cases.length % EDGE_CAPACITIES.length]!]);
  while (cases.length < 300) {
    const l = rnd.magnitude(64);
    // A third of the cases are near-equal (G = L +- small) where the rounding matters most.
    const g = rnd.below(3) === 0 ? (l + rnd.bits(4) > MAX64 ? l : l + rnd.bits(4)) : rnd.magnitude(64);
    cases.push([l, g, rnd.magnitude(64)]);
  }
  const out: MesVectors = {
    loadWh: [],
    generationWh: [],
    capacityW: [],
    psa: [],
    df: [],
    mesW: [],
    allowedWh: [],
  };
  for (const [l, g, c] of cases) {
    const p = psa(l, g);
    out.loadWh.push(l.toString());
    out.generationWh.push(g.toString());
    out.capacityW.push(c.toString());
    out.psa.push(p.toString());
    out.df.push(decrementalFactor(l, g).toString());
    out.mesW.push(mes(p, c).toString());
    out.allowedWh.push(allowedExportWh(p, c).toString());
  }
  return out;
}

export function buildBillingVectors(): BillingVectors {
  const rnd = new SplitMix64(BILLING_SEED);
  type Case = [bigint, bigint, bigint, bigint, bigint, bigint];
  const cases: Case[] = [
    // [psa, capacityW, importWh, exportWh, importRate, exportRate]
    [FIXED_ONE, 4_000n, 0n, 0n, 250_000n, 80_000n], // nothing crossed the meter
    [FIXED_ONE, 4_000n, 1_000n, 0n, 250_000n, 80_000n], // import only
    [FIXED_ONE, 4_000n, 0n, 16_000n, 250_000n, 80_000n], // export == allowed exactly
    [FIXED_ONE, 4_000n, 0n, 16_001n, 250_000n, 80_000n], // 1 Wh curtailed
    [FIXED_ONE / 2n, 4_000n, 0n, 8_000n, 250_000n, 80_000n], // half share, exactly used
    [FIXED_ONE / 2n, 4_000n, 0n, 8_001n, 250_000n, 80_000n],
    [FIXED_ONE / 3n, 5_000n, 100n, 20_000n, 250_000n, 80_000n], // share rounds down
    [0n, 4_000n, 0n, 5_000n, 250_000n, 80_000n], // zero PSA: all curtailed
    [FIXED_ONE, 0n, 0n, 5_000n, 250_000n, 80_000n], // uncertified / deauthorized
    [FIXED_ONE, 4_000n, 5_000n, 5_000n, 0n, 0n], // zero tariff
    [FIXED_ONE, MAX64, MAX64, MAX64, MAX64, MAX64], // largest values
    [1n, MAX64, MAX64, MAX64, MAX64, MAX64],
    [FIXED_ONE - 1n, 1n, 0n, 4n, 1n, 1n], // the view shows 0.999.. W as 0 W: nothing paid (not 3 Wh)
    [(FIXED_ONE * 3n) / 10n, 5n, 0n, 8n, 1n, 1n], // 1.5 W shows as 1 W: 4 Wh paid (not floor(6) = 6)
  ];
  while (cases.length < 250) {
    const p = rnd.below(4) === 0 ? FIXED_ONE : rnd.bits(60) % (FIXED_ONE + 1n);
    cases.push([p, rnd.magnitude(32), rnd.magnitude(40), rnd.magnitude(40), rnd.magnitude(32), rnd.magnitude(32)]);
  }
  const out: BillingVectors = {
    psa: [],
    capacityW: [],
    importWh: [],
    exportWh: [],
    importRate: [],
    exportRate: [],
    allowedWh: [],
    creditedExportWh: [],
    charge: [],
    credit: [],
    net: [],
  };
  for (const [p, c, imp, exp, ir, er] of cases) {
    const allowed = allowedExportWh(p, c);
    const l = billLine(imp, exp, allowed, ir, er);
    out.psa.push(p.toString());
    out.capacityW.push(c.toString());
    out.importWh.push(imp.toString());
    out.exportWh.push(exp.toString());
    out.importRate.push(ir.toString());
    out.exportRate.push(er.toString());
    out.allowedWh.push(allowed.toString());
    out.creditedExportWh.push(l.creditedExportWh.toString());
    out.charge.push(l.charge.toString());
    out.credit.push(l.credit.toString());
    out.net.push((l.charge - l.credit).toString());
  }
  return out;
}

/** The paid-export cap of a period under each curtailment rule (BillMath.allowedExportWhUnder). */
export interface CurtailmentVectors {
  rule: string[];
  psa: string[];
  capacityW: string[];
  generationWh: string[];
  allowedWh: string[];
}

export function buildCurtailmentVectors(): CurtailmentVectors {
  const rnd = new SplitMix64(CURTAILMENT_SEED);
  const rules = [CurtailmentRule.Capacity, CurtailmentRule.Generation];
  // Every edge combination under both rules: no PSA, 1 unit, a third, just below and at 1.0; no capacity
  // (unauthorized: nothing paid under either rule); no, tiny, a home's and the largest generation.
  const psas = [0n, 1n, FIXED_ONE / 3n, FIXED_ONE - 1n, FIXED_ONE];
  const capacities = [0n, 1n, 4_000n, MAX64];
  const generations = [0n, 1n, 3n, 16_000n, MAX64];
  const cases: [bigint, bigint, bigint, bigint][] = [];
  for (const r of rules)
    for (const p of psas) for (const c of capacities) for (const g of generations) cases.push([r, p, c, g]);
  while (cases.length < 300) {
    const p = rnd.below(4) === 0 ? FIXED_ONE : rnd.bits(60) % (FIXED_ONE + 1n);
    cases.push([rules[rnd.below(2)]!, p, rnd.magnitude(32), rnd.magnitude(40)]);
  }
  const out: CurtailmentVectors = { rule: [], psa: [], capacityW: [], generationWh: [], allowedWh: [] };
  for (const [r, p, c, g] of cases) {
    out.rule.push(r.toString());
    out.psa.push(p.toString());
    out.capacityW.push(c.toString());
    out.generationWh.push(g.toString());
    out.allowedWh.push(allowedExportWhUnder(r, p, c, g).toString());
  }
  return out;
}
