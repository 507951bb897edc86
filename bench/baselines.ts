/**
 * The three per-reading baselines (issue 15), measured in the same run and on the same chain as GridShare's
 * anchoring: what a peer would build if every reading were its own transaction sent by the meter's key.
 * - full store (`NaiveReadingStore`): every field of every reading kept, two fresh slots per reading;
 * - overwrite (`OverwriteReadingStore`): the meter's latest reading rewritten in its two reused slots;
 * - event only (`EventReadingLog`): the reading emitted in a log, nothing stored.
 * Each is the mean gas of real signed-reading transactions; the overwrite is measured from each meter's second
 * reading on (its first creates the slots, which every later one reuses).
 */
import type { ContractTransactionResponse, Wallet } from "ethers";
import type {
  EventReadingLog,
  NaiveReadingStore,
  OverwriteReadingStore,
} from "../types/ethers-contracts/index.js";
import type { Reading } from "../lib/batches/reading.js";
import { benchMeter, realReading, SURPLUS_DATA_PERIOD } from "../lab/fixtures/readings.js";
import { BenchInputError, figure, type Figure } from "./lib/figures.js";
import { FRESH_SLOT_GAS, REWRITE_SLOT_GAS, TX_FLOOR_GAS, gasOf, mean, type GasContext } from "./lib/gas.js";

export interface BaselineOptions {
  /** Meters, one reading each per baseline (real CityLearn readings, all 17 homes cycled). */
  readonly readings: number;
}

export const DEFAULT_BASELINES: BaselineOptions = { readings: 64 };

export type BaselineKey = "fullStore" | "overwrite" | "eventOnly";

interface BaselineSpec {
  readonly key: BaselineKey;
  readonly short: string;
  readonly label: string;
  /** The transaction floor and the storage writes this design cannot avoid. */
  readonly floor: { readonly value: number; readonly computed: string };
}

export const BASELINES: readonly BaselineSpec[] = [
  {
    key: "fullStore",
    short: "full store",
    label: "full store: every reading in its own tx, every field kept (2 fresh slots)",
    floor: { value: TX_FLOOR_GAS + 2 * FRESH_SLOT_GAS, computed: "21,000 + 2 x 22,100" },
  },
  {
    key: "overwrite",
    short: "overwrite",
    label: "overwrite: one tx per reading, the meter's latest reading in 2 reused slots",
    floor: { value: TX_FLOOR_GAS + 2 * REWRITE_SLOT_GAS, computed: "21,000 + 2 x 5,000" },
  },
  {
    key: "eventOnly",
    short: "event only",
    label: "event only: one tx per reading that only emits the reading",
    floor: { value: TX_FLOOR_GAS, computed: "transaction floor" },
  },
];

/** Figure id of a baseline's gas per reading. */
export function baselineId(key: BaselineKey): string {
  return `baseline.${key}.perReading`;
}

/** The chain periods the readings carry: the overwrite's seed reading, then the measured one. */
const SEED_PERIOD = 1;
const MEASURED_PERIOD = 2;

/** Sends one reading to a baseline contract from the reading's own meter. */
type Send = (meter: Wallet, r: Reading) => Promise<ContractTransactionResponse>;

/** Deploys a baseline's contract on `ctx`'s chain. */
async function deployBaseline(ctx: GasContext, key: BaselineKey): Promise<Send> {
  const { ethers } = ctx;
  switch (key) {
    case "fullStore": {
      const c = (await ethers.deployContract("NaiveReadingStore")) as unknown as NaiveReadingStore;
      return (m, r) => c.connect(m).store(r);
    }
    case "overwrite": {
      const c = (await ethers.deployContract("OverwriteReadingStore")) as unknown as OverwriteReadingStore;
      return (m, r) => c.connect(m).store(r);
    }
    case "eventOnly": {
      const c = (await ethers.deployContract("EventReadingLog")) as unknown as EventReadingLog;
      return (m, r) => c.connect(m).log(r);
    }
  }
}

/** Mean gas per reading of each baseline, every transaction sent by the reading's own meter. */
export async function baselineGas(
  ctx: GasContext,
  opts: BaselineOptions = DEFAULT_BASELINES,
): Promise<Record<BaselineKey, number>> {
  if (!Number.isInteger(opts.readings) || opts.readings < 1)
    throw new BenchInputError(`readings must be >= 1, got ${opts.readings}`);
  const n = opts.readings;
  const meters = Array.from({ length: n }, (_, i) => benchMeter(i).connect(ctx.ethers.provider));
  for (const m of meters) await ctx.networkHelpers.setBalance(m.address, 10n ** 18n);
  const out = {} as Record<BaselineKey, number>;
  for (const spec of BASELINES) {
    const send = await deployBaseline(ctx, spec.key);
    if (spec.key === "overwrite") {
      // The slots a meter reuses exist from its first reading on (another data period: other values).
      for (const [i, m] of meters.entries())
        await gasOf(send(m, realReading(i, n, SEED_PERIOD, SURPLUS_DATA_PERIOD - 1)));
    }
    const gas: number[] = [];
    for (const [i, m] of meters.entries()) gas.push(await gasOf(send(m, realReading(i, n, MEASURED_PERIOD))));
    out[spec.key] = mean(gas);
  }
  return out;
}

/** The three baselines as figures, each beside the full store (the design the others improve on). */
export function baselineFigures(gas: Record<BaselineKey, number>, readings: number): Figure[] {
  return BASELINES.map((spec) =>
    figure({
      group: "baselines",
      id: baselineId(spec.key),
      label: `per-reading baseline, ${spec.label}`,
      value: gas[spec.key],
      unit: "gas",
      baseline:
        spec.key === "fullStore"
          ? undefined
          : { label: `full store, mean of ${readings}`, value: gas.fullStore },
      limit: { label: "floor of the design", ...spec.floor },
      note: `mean of ${readings} real readings, each sent by its meter`,
    }),
  );
}

/**
 * GridShare's gas per reading anchored (every `anchor.perReading.*` figure of the run) beside each of the
 * three baselines: ratio < 1 means GridShare is the cheaper one.
 */
export function baselineComparisons(figures: readonly Figure[]): Figure[] {
  const base = new Map(figures.filter((f) => f.id.startsWith("baseline.")).map((f) => [f.id, f]));
  const out: Figure[] = [];
  for (const f of figures) {
    if (!f.id.startsWith("anchor.perReading.") || f.value === null) continue;
    for (const spec of BASELINES) {
      const b = base.get(baselineId(spec.key));
      if (b?.value === null || b?.value === undefined) continue;
      out.push(
        figure({
          group: "baselines",
          id: `${f.id}.vs.${spec.key}`,
          label: `${f.label} vs ${spec.short}`,
          value: f.value,
          unit: f.unit,
          baseline: { label: `${spec.short} 1 tx/reading`, value: b.value },
        }),
      );
    }
  }
  return out;
}

/** The baselines of one run: measured, then set beside every anchoring figure already in `measured`. */
export async function benchBaselines(
  ctx: GasContext,
  measured: readonly Figure[],
  opts: BaselineOptions = DEFAULT_BASELINES,
): Promise<Figure[]> {
  const own = baselineFigures(await baselineGas(ctx, opts), opts.readings);
  return [...own, ...baselineComparisons([...measured, ...own])];
}
