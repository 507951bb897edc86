/**
 * The shared vectors of SPEC 4's reading rules (test/vectors/reading-rules.json): every boundary of every rule,
 * real CityLearn readings, and seeded random readings, each with the first rule it breaks ("None" when valid).
 * lib/batches/reading.ts (readingViolation) and ReadingLib.violation must both give that rule. Solidity reads
 * the JSON with vm.parseJsonType, so every number is a decimal string and every field a parallel array.
 */
import { loadBuilding } from "../../lab/data/citylearn.js";
import { SplitMix64 } from "../../lab/prng.js";
import { MAX_METER_POWER_W, PERIOD_HOURS } from "../../lib/constants.js";
import { READING_RULES, readingViolation, type Reading, type ReadingRuleName } from "../../lib/batches/reading.js";

export const READING_RULES_SEED = 0x52554c45n; // "RULE"
const METER = "0x00000000000000000000000000000000000000A1";
const MAX64 = 2n ** 64n - 1n;
const MAX32 = 2 ** 32 - 1;
const HOURS = BigInt(PERIOD_HOURS);

export interface ReadingRuleVectors {
  importWh: string[];
  exportWh: string[];
  loadWh: string[];
  generationWh: string[];
  peakLoadW: string[];
  peakGenerationW: string[];
  /** "1" for a consumer meter, "0" for a prosumer. */
  consumer: string[];
  /** Index into READING_RULES (ReadingLib.Rule's value). */
  rule: string[];
  /** The rule's name, for people reading the file. */
  ruleName: string[];
}

type Case = readonly [Reading, boolean, ReadingRuleName];

/** A balanced prosumer reading: load `l`, generation `g`, the grid connection takes the difference. */
function balanced(l: bigint, g: bigint, peakLoadW: number, peakGenerationW: number): Reading {
  return {
    meter: METER,
    period: 7,
    importWh: l > g ? l - g : 0n,
    exportWh: g > l ? g - l : 0n,
    loadWh: l,
    generationWh: g,
    peakLoadW,
    peakGenerationW,
  };
}

/** Each rule at its boundary: the last value that passes and the first that breaks it. */
function edgeCases(): Case[] {
  const max = MAX_METER_POWER_W;
  const ok = balanced(4_000n, 6_000n, 1_000, 1_500);
  return [
    [ok, false, "None"],
    [{ ...ok, importWh: ok.importWh + 1n }, false, "Unbalanced"],
    [{ ...ok, loadWh: MAX64, importWh: MAX64, exportWh: MAX64, generationWh: MAX64 - 1n }, false, "Unbalanced"],
    [balanced(0n, 0n, 0, 0), false, "None"],
    [balanced(0n, 0n, 0, 0), true, "None"],
    [balanced(1_000n, 0n, 300, 0), true, "None"],
    [balanced(1_000n, 1n, 300, 1), true, "ConsumerGeneration"],
    [balanced(1_000n, 0n, 300, 1), true, "ConsumerGeneration"],
    [balanced(1_000n, 0n, 300, 1), false, "None"],
    [balanced(0n, 0n, max, max), false, "None"],
    [balanced(0n, 0n, max + 1, 0), false, "PeakLoadAboveMax"],
    [balanced(0n, 0n, MAX32, 0), false, "PeakLoadAboveMax"],
    [balanced(0n, 0n, 0, max + 1), false, "PeakGenerationAboveMax"],
    [balanced(0n, 0n, max + 1, max + 1), false, "PeakLoadAboveMax"],
    [balanced(BigInt(max) * HOURS, BigInt(max) * HOURS, max, max), false, "None"],
    [balanced(1_200n, 0n, 300, 0), false, "None"],
    [balanced(1_201n, 0n, 300, 0), false, "LoadAbovePeak"],
    [balanced(MAX64, 0n, max, 0), false, "LoadAbovePeak"],
    [balanced(0n, 2_001n, 0, 500), false, "GenerationAbovePeak"],
    [balanced(0n, 2_000n, 0, 500), false, "None"],
    [{ ...balanced(100n, 100n, 100, 100), importWh: 1n, exportWh: 1n }, false, "None"],
    [{ ...balanced(100n, 100n, 100, 100), exportWh: 101n, importWh: 101n }, false, "ExportAboveGeneration"],
    [{ ...balanced(0n, 0n, 10, 0), importWh: 1n, exportWh: 1n }, false, "ExportAboveGeneration"],
    [{ ...balanced(0n, 0n, 10, 0), importWh: 1n, exportWh: 1n }, true, "ExportAboveGeneration"],
  ];
}

/** Real homes: every 97th period of Buildings 1-12 as prosumers, and their load alone as consumers. */
function realCases(): Case[] {
  const out: Case[] = [];
  for (let b = 1; b <= 12; b++) {
    const periods = loadBuilding(b).periods;
    for (let p = b; p < periods.length; p += 97) {
      const e = periods[p];
      out.push([{ meter: METER, period: p, ...e }, false, "None"]);
      const consumer = { ...balanced(e.loadWh, 0n, e.peakLoadW, 0), period: p };
      out.push([consumer, true, "None"]);
      const generates = e.generationWh > 0n || e.peakGenerationW > 0;
      out.push([{ meter: METER, period: p, ...e }, true, generates ? "ConsumerGeneration" : "None"]);
    }
  }
  return out;
}

/** Random readings near the boundaries: values of random magnitude around a random peak. */
function randomCases(count: number): Case[] {
  const rnd = new SplitMix64(READING_RULES_SEED);
  const out: Case[] = [];
  while (out.length < count) {
    const peakLoadW = rnd.below(4) === 0 ? rnd.below(MAX32) : rnd.below(MAX_METER_POWER_W + 2);
    const peakGenerationW = rnd.below(3) === 0 ? 0 : rnd.below(MAX_METER_POWER_W + 2);
    const near = (peak: number) => {
      const v = BigInt(peak) * HOURS + BigInt(rnd.below(5)) - 2n;
      return v < 0n ? 0n : v;
    };
    const l = rnd.below(5) === 0 ? rnd.magnitude(64) : near(peakLoadW);
    const g = rnd.below(5) === 0 ? rnd.magnitude(64) : near(peakGenerationW);
    const r = balanced(l, g, peakLoadW, peakGenerationW);
    const skew = rnd.below(6) === 0 ? 1n : 0n; // sometimes unbalanced by one Wh
    const reading = { ...r, importWh: r.importWh + skew > MAX64 ? r.importWh : r.importWh + skew };
    const consumer = rnd.below(3) === 0;
    out.push([reading, consumer, readingViolation(reading, consumer ? "consumer" : "prosumer") ?? "None"]);
  }
  return out;
}

export function buildReadingRuleVectors(): ReadingRuleVectors {
  const out: ReadingRuleVectors = {
    importWh: [],
    exportWh: [],
    loadWh: [],
    generationWh: [],
    peakLoadW: [],
    peakGenerationW: [],
    consumer: [],
    rule: [],
    ruleName: [],
  };
  for (const [r, consumer, rule] of [...edgeCases(), ...realCases(), ...randomCases(400)]) {
    out.importWh.push(r.importWh.toString());
    out.exportWh.push(r.exportWh.toString());
    out.loadWh.push(r.loadWh.toString());
    out.generationWh.push(r.generationWh.toString());
    out.peakLoadW.push(r.peakLoadW.toString());
    out.peakGenerationW.push(r.peakGenerationW.toString());
    out.consumer.push(consumer ? "1" : "0");
    out.rule.push(READING_RULES.indexOf(rule).toString());
    out.ruleName.push(rule);
  }
  return out;
}

/** Row `i` as a reading of a fixed meter and period (what both twins check). */
export function vectorReading(v: ReadingRuleVectors, i: number): { reading: Reading; consumer: boolean } {
  return {
    reading: {
      meter: METER,
      period: 7,
      importWh: BigInt(v.importWh[i]),
      exportWh: BigInt(v.exportWh[i]),
      loadWh: BigInt(v.loadWh[i]),
      generationWh: BigInt(v.generationWh[i]),
      peakLoadW: Number(v.peakLoadW[i]),
      peakGenerationW: Number(v.peakGenerationW[i]),
    },
    consumer: v.consumer[i] === "1",
  };
}
