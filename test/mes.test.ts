import { expect } from "chai";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import type { MesHarness } from "../types/ethers-contracts/index.js";
import { FIXED_ONE } from "../lib/constants.js";
import {
  clusterShares,
  decrementalFactor,
  deficitWh,
  mes,
  MesDomainError,
  psa,
  MAX_UINT256,
} from "../lib/mes/mes.js";
import { allowedExportWh, allowedExportWhUnder, PERIOD_HOURS } from "../lib/billing/billing.js";
import { CurtailmentRule, UnknownEnumValueError } from "../lib/chain/schema.js";
import { SplitMix64 } from "../lab/prng.js";
import { allowedToLoad, analyseCluster } from "../lab/analysis/mes-analysis.js";
import { loadBuilding } from "../lab/data/citylearn.js";
import {
  buildBillingVectors,
  buildCurtailmentVectors,
  buildMesVectors,
  edgeLoads,
  EDGE_CAPACITIES,
  MAX64,
} from "./vectors/build.js";

const CASES = 10_000;
const BATCH = 1_000;
const SEED = 0x10_000n;

describe("MES (SPEC 10): TS model", () => {
  it("gives every prosumer a full share when generation does not exceed load", () => {
    expect(psa(0n, 0n)).to.equal(FIXED_ONE);
    expect(psa(10n, 10n)).to.equal(FIXED_ONE);
    expect(psa(10n, 3n)).to.equal(FIXED_ONE);
    expect(decrementalFactor(10n, 3n)).to.equal(0n);
  });

  it("scales shares by L / G, rounded down, in a surplus", () => {
    expect(psa(3n, 4n)).to.equal(750_000_000_000_000_000n);
    expect(psa(1n, 3n)).to.equal(333_333_333_333_333_333n);
    expect(decrementalFactor(1n, 3n)).to.equal(FIXED_ONE - 333_333_333_333_333_333n);
    expect(psa(0n, 5n)).to.equal(0n);
    expect(deficitWh(3n, 4n)).to.equal(-1n);
    expect(mes(psa(3n, 4n), 4_000n)).to.equal(3_000n);
    expect(mes(psa(1n, 3n), 5_000n)).to.equal(1_666n);
  });

  it("computes a cluster's shares, 0 for an uncertified prosumer", () => {
    const s = clusterShares(6_000n, 8_000n, [
      { meter: "a", capacityW: 4_000n },
      { meter: "b", capacityW: 0n },
    ]);
    expect(s.curtailing).to.equal(true);
    expect(s.psa).to.equal(750_000_000_000_000_000n);
    expect(s.psa + s.decrementalFactor).to.equal(FIXED_ONE);
    expect(s.shares.map((x) => x.mesW)).to.deep.equal([3_000n, 0n]);
  });

  it("refuses values outside the uint256 domain instead of computing something Solidity cannot", () => {
    expect(() => psa(-1n, 0n)).to.throw(MesDomainError);
    expect(() => psa(0n, MAX_UINT256 + 1n)).to.throw(MesDomainError);
    expect(() => mes(-1n, 1n)).to.throw(MesDomainError);
  });

  it("caps a period's paid export by the week's curtailment rule", () => {
    const half = FIXED_ONE / 2n;
    const [capacity, generation] = [CurtailmentRule.Capacity, CurtailmentRule.Generation];
    // Capacity (SPEC 10): MES x 4 h whatever the home produced; generation: PSA x what it produced.
    expect(allowedExportWhUnder(capacity, half, 4_000n, 3_001n)).to.equal(8_000n);
    expect(allowedExportWhUnder(generation, half, 4_000n, 3_001n)).to.equal(1_500n);
    expect(allowedExportWhUnder(capacity, half, 4_000n, 0n)).to.equal(allowedExportWh(half, 4_000n));
    // Not authorized (no certified capacity): nothing is paid under either rule.
    expect(allowedExportWhUnder(generation, FIXED_ONE, 0n, 3_000n)).to.equal(0n);
    expect(allowedExportWhUnder(capacity, FIXED_ONE, 0n, 3_000n)).to.equal(0n);
    expect(() => allowedExportWhUnder(2n, FIXED_ONE, 4_000n, 1n)).to.throw(UnknownEnumValueError);
  });

  it("committed vectors are exactly what the TS model generates (regenerate: npx tsx scripts/mes-vectors.ts)", () => {
    const file = (name: string) =>
      JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8"));
    expect(file("mes.json")).to.deep.equal(buildMesVectors());
    expect(file("billing.json")).to.deep.equal(buildBillingVectors());
    expect(file("curtailment.json")).to.deep.equal(buildCurtailmentVectors());
  });
});

describe("MES (SPEC 10): TS and Solidity agree on 10,000 seeded cases", () => {
  let harness: MesHarness;

  before(async () => {
    const { ethers } = await network.connect();
    harness = (await ethers.deployContract("MesHarness")) as unknown as MesHarness;
  });

  /** Edge pairs first (G = 0, L = 0, G = L, uint64 limits), then random magnitudes and near-equal pairs. */
  function loadPairs(): [bigint, bigint][] {
    const rnd = new SplitMix64(SEED);
    const pairs = edgeLoads();
    while (pairs.length < CASES) {
      const l = rnd.magnitude(64);
      const kind = rnd.below(4);
      const g = kind === 0 ? l : kind === 1 ? l + rnd.bits(8) : rnd.magnitude(64);
      pairs.push([l, g > MAX64 ? MAX64 : g]);
    }
    return pairs;
  }

  it("psa and DF", async () => {
    const pairs = loadPairs();
    expect(pairs.length).to.equal(CASES);
    for (let i = 0; i < pairs.length; i += BATCH) {
      const chunk = pairs.slice(i, i + BATCH);
      const [psas, dfs] = await harness.psaMany(
        chunk.map((p) => p[0]),
        chunk.map((p) => p[1]),
      );
      expect(psas).to.deep.equal(chunk.map(([l, g]) => psa(l, g)));
      expect(dfs).to.deep.equal(chunk.map(([l, g]) => decrementalFactor(l, g)));
    }
  });

  it("MES and allowed export for one prosumer, 1,000 prosumers, and every edge capacity", async () => {
    const rnd = new SplitMix64(SEED + 1n);
    const psas = [
      0n,
      1n,
      FIXED_ONE - 1n,
      FIXED_ONE,
      psa(3n, 4n),
      ...Array.from({ length: 5 }, () => rnd.bits(59)),
    ];
    for (const p of psas) {
      for (const caps of [
        [4_000n],
        EDGE_CAPACITIES,
        Array.from({ length: 1_000 }, () => rnd.magnitude(64)),
      ]) {
        const [mesW, allowed] = await harness.sharesOf(p, caps);
        expect(mesW).to.deep.equal(caps.map((c) => mes(p, c)));
        expect(allowed).to.deep.equal(caps.map((c) => allowedExportWh(p, c)));
        // SPEC 11: the paid share is the view's MES (whole watts) times the period's 4 hours.
        expect(allowed).to.deep.equal(mesW.map((m) => m * PERIOD_HOURS));
        const total = mesW.reduce((a, b) => a + b, 0n);
        expect(
          total <=
            mes(
              p,
              caps.reduce((a, b) => a + b, 0n),
            ),
        ).to.equal(true);
      }
    }
  });
});

describe("MES analysis on the real homes (docs/mes.md)", () => {
  const CLUSTERS = [
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [9, 10, 11, 12],
  ];
  const analyses = () => CLUSTERS.map((bs) => analyseCluster(bs.map((b) => loadBuilding(b))));

  it("counts curtailing periods and curtailed export consistently for cluster 1-4", () => {
    const profiles = [1, 2, 3, 4].map((b) => loadBuilding(b));
    const a = analyseCluster(profiles);
    let surplus = 0;
    for (let i = 0; i < a.periods; i++) {
      const l = profiles.reduce((s, p) => s + p.periods[i]!.loadWh, 0n);
      const g = profiles.reduce((s, p) => s + p.periods[i]!.generationWh, 0n);
      if (g > l) surplus++;
    }
    expect(a.curtailingPeriods).to.equal(surplus);
    expect(a.curtailingPeriods).to.be.greaterThan(0);
    for (const r of Object.values(a.rules)) {
      expect(r.curtailedExportWh > 0n && r.curtailedExportWh < a.exportWh).to.equal(true);
      expect(r.periodsWithCurtailedExport).to.be.at.most(a.curtailingPeriods);
      // What a rule does not cut, it pays: per home, credited + curtailed is the export.
      const credited = r.creditedExportWh.reduce((x, y) => x + y, 0n);
      expect(credited + r.curtailedExportWh).to.equal(a.exportWh);
    }
    expect(a.exportByHomeWh.reduce((x, y) => x + y, 0n)).to.equal(a.exportWh);
    expect(a.minPsa < FIXED_ONE).to.equal(true);
  });

  it("the capacity rule (SPEC 10) allows more than the load in every curtailing period of Buildings 1-12", () => {
    for (const a of analyses()) {
      expect(a.rules.capacity.allowedAboveLoadPeriods).to.equal(a.curtailingPeriods);
      expect(allowedToLoad(a, "capacity")).to.be.greaterThan(1.5);
    }
  });

  it("the generation rule binds: in every curtailing period the allowed supply is the load, short by rounding only", () => {
    for (const a of analyses()) {
      const g = a.rules.generation;
      expect(a.curtailingPeriods).to.be.greaterThan(0);
      expect(g.allowedAboveLoadPeriods).to.equal(0);
      // PSA and each prosumer's share are rounded down: at most 1 Wh per home short of the load.
      expect(g.maxShortfallWh <= BigInt(a.buildings.length)).to.equal(true);
      expect(allowedToLoad(a, "generation").toFixed(2)).to.equal("1.00");
      expect(g.minAllowedToLoad).to.be.at.most(1);
      expect(g.maxAllowedToLoad).to.be.at.most(1);
      // Binding means cutting more than the capacity rule did.
      expect(g.curtailedExportWh > a.rules.capacity.curtailedExportWh).to.equal(true);
    }
  });
});
