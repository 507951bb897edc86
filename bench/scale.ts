/**
 * Scale model (issues 8, 15): from the measured figures, the chain load and gateway hardware of 10k, 100k and
 * 1M meters at 6 readings a day, with SPEC 6's bounded signer set (at most 21 signers, every other node a
 * permissioned sender), beside the three per-reading baselines. Pure arithmetic over a results file; every
 * assumption is named, and a figure the run did not measure leaves its columns empty instead of guessed.
 */
import { DEFAULT_MAX_SIGNERS, PERIOD_SECONDS } from "../lib/constants.js";
import { DEFAULT_GAS_LIMIT } from "../lib/clique/genesis.js";
import { renderTable } from "../lib/format/table.js";
import { BASELINES, baselineId, type BaselineKey } from "./baselines.js";
import { BenchInputError, formatNumber, type Figure } from "./lib/figures.js";

export interface ScaleAssumptions {
  readonly meterCounts: readonly number[];
  /** Meters per cluster (= per batch); must be among the measured anchoring sizes. */
  readonly clusterSizes: readonly number[];
  /** SPEC 6: at most this many nodes seal; the others are permissioned senders. */
  readonly maxSigners: number;
  /**
   * Transactions that decide one cluster-period: the parent's one submission carrying every voter's attestation
   * (SPEC 6; bundling several cluster-periods per submission lowers it further).
   */
  readonly txsPerClusterPeriod: number;
  /** Block gas limit of the Clique chain (gas). */
  readonly blockGasLimit: number;
  /** Clique block period (s). */
  readonly blockPeriodS: number;
  /** Readings of a period arrive within this window after the period ends (s): the burst the gateways absorb. */
  readonly arrivalWindowS: number;
  /** Each reading is sent to the parent and up to 3 neighbours, and each of them verifies it. */
  readonly copiesPerReading: number;
}

export const DEFAULT_SCALE: ScaleAssumptions = {
  meterCounts: [10_000, 100_000, 1_000_000],
  clusterSizes: [4, 64, 1000],
  maxSigners: DEFAULT_MAX_SIGNERS,
  txsPerClusterPeriod: 1,
  // The devnet's genesis gas limit and `npm run chain:up`'s period (the live bench measures both).
  blockGasLimit: Number(DEFAULT_GAS_LIMIT),
  blockPeriodS: 2,
  arrivalWindowS: 600,
  copiesPerReading: 4,
};

const DAY_S = 86_400;
const READINGS_PER_DAY = DAY_S / PERIOD_SECONDS;
/** The live devnet's sustained rate of batch transactions (bench/clique.ts). */
const LIVE_TX_RATE_ID = "clique.live.batch.txPerSecond";

/** A per-reading baseline at one scale: every reading is one transaction. */
export interface BaselineLoad {
  gasPerDay: number;
  chainGasShare: number;
}

export interface ScaleRow {
  meters: number;
  clusterSize: number;
  /** Nodes = clusters (one parent each). */
  nodes: number;
  /** SPEC 6: min(nodes, maxSigners) seal. */
  signers: number;
  /** Every other node sends transactions without sealing. */
  permissioned: number;
  clusterPeriodsPerS: number;
  txPerDay: number;
  txPerS: number;
  gasPerDay: number;
  /** Share of the chain's daily gas capacity. */
  chainGasShare: number;
  /** The baselines send one transaction per reading. */
  perReadingTxPerS: number;
  baselines: Partial<Record<BaselineKey, BaselineLoad>>;
  /** GridShare's batch tx/s over the rate the live devnet sustained; null when the devnet was not measured. */
  devnetLoad: number | null;
  /** Verifications per second across all gateways during the arrival window. */
  burstVerificationsPerS: number;
  /** Cores needed across the grid at the measured per-core rate; null when no rate was measured. */
  gridCores: number | null;
  /** Cores one node needs for its own cluster plus three neighbour clusters. */
  coresPerNode: number | null;
}

function valueOf(figures: readonly Figure[], id: string): number | undefined {
  const f = figures.find((x) => x.id === id);
  return f && f.value !== null ? f.value : undefined;
}

export interface ScaleModel {
  readonly assumptions: ScaleAssumptions;
  /** The per-core rate used for gateway sizing and where it came from; null when the run measured none. */
  readonly perCoreRate: { readonly value: number; readonly source: string } | null;
  /** The live devnet's sustained batch tx/s the load is compared with; null when not measured. */
  readonly devnetTxPerS: number | null;
  /** Daily gas capacity of the chain. */
  readonly capacityPerDay: number;
  readonly rows: readonly ScaleRow[];
}

function perCoreRate(figures: readonly Figure[]): ScaleModel["perCoreRate"] {
  // Since issue 17 ingest is measured on all cores; its per-core share sizes the gateways.
  for (const source of ["gateway.ingest.perCore", "verify.eip712.core1"]) {
    const value = valueOf(figures, source);
    if (value !== undefined) return { value, source };
  }
  return null;
}

export function scaleModel(figures: readonly Figure[], a: ScaleAssumptions = DEFAULT_SCALE): ScaleModel {
  const rate = perCoreRate(figures);
  const devnetTxPerS = valueOf(figures, LIVE_TX_RATE_ID) ?? null;
  const capacityPerDay = a.blockGasLimit * (DAY_S / a.blockPeriodS);
  const rows: ScaleRow[] = [];
  for (const meters of a.meterCounts) {
    for (const s of a.clusterSizes) {
      const perReading = valueOf(figures, `anchor.perReading.n${s}`);
      if (perReading === undefined) continue;
      const nodes = Math.ceil(meters / s);
      const signers = Math.min(nodes, a.maxSigners);
      const readingsPerDay = meters * READINGS_PER_DAY;
      const gasPerDay = readingsPerDay * perReading;
      const txPerDay = nodes * READINGS_PER_DAY * a.txsPerClusterPeriod;
      const baselines: ScaleRow["baselines"] = {};
      for (const b of BASELINES) {
        const g = valueOf(figures, baselineId(b.key));
        if (g !== undefined) {
          baselines[b.key] = {
            gasPerDay: readingsPerDay * g,
            chainGasShare: (readingsPerDay * g) / capacityPerDay,
          };
        }
      }
      const burst = (meters * a.copiesPerReading) / a.arrivalWindowS;
      rows.push({
        meters,
        clusterSize: s,
        nodes,
        signers,
        permissioned: nodes - signers,
        clusterPeriodsPerS: (nodes * READINGS_PER_DAY) / DAY_S,
        txPerDay,
        txPerS: txPerDay / DAY_S,
        gasPerDay,
        chainGasShare: gasPerDay / capacityPerDay,
        perReadingTxPerS: readingsPerDay / DAY_S,
        baselines,
        devnetLoad: devnetTxPerS === null ? null : txPerDay / DAY_S / devnetTxPerS,
        burstVerificationsPerS: burst,
        gridCores: rate === null ? null : burst / rate.value,
        coresPerNode: rate === null ? null : (s * a.copiesPerReading) / a.arrivalWindowS / rate.value,
      });
    }
  }
  if (rows.length === 0) {
    throw new BenchInputError(
      `scale model needs the gas per reading anchored at one of the cluster sizes ${a.clusterSizes.join(", ")}`,
    );
  }
  return { assumptions: a, perCoreRate: rate, devnetTxPerS, capacityPerDay, rows };
}

const pct = (x: number | undefined) => (x === undefined ? "-" : `${(x * 100).toPrecision(3)}%`);
const oneDecimal = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 1 });
const big = (x: number) =>
  x >= 1e9
    ? `${oneDecimal(x / 1e9)} G`
    : x >= 1e6
      ? `${oneDecimal(x / 1e6)} M`
      : Math.round(x).toLocaleString("en-US");
const count = (x: number) => x.toLocaleString("en-US");
const rateOf = (x: number) => formatNumber(x);
const orDash = (x: number | null, f: (v: number) => string) => (x === null ? "-" : f(x));

const SCALE_HEADERS = [
  "meters",
  "cluster",
  "nodes",
  "signers",
  "permissioned",
  "cluster-periods/s",
  "batch tx/s",
  "chain gas",
  "devnet load",
  "1 tx/reading: tx/s",
  "full store gas",
  "overwrite gas",
  "event-only gas",
  "grid cores",
  "cores/node",
];

function scaleCells(m: ScaleModel): string[][] {
  return m.rows.map((r) => [
    count(r.meters),
    String(r.clusterSize),
    count(r.nodes),
    count(r.signers),
    count(r.permissioned),
    rateOf(r.clusterPeriodsPerS),
    rateOf(r.txPerS),
    pct(r.chainGasShare),
    orDash(r.devnetLoad, (x) => `x${formatNumber(x)}`),
    rateOf(r.perReadingTxPerS),
    pct(r.baselines.fullStore?.chainGasShare),
    pct(r.baselines.overwrite?.chainGasShare),
    pct(r.baselines.eventOnly?.chainGasShare),
    orDash(r.gridCores, (x) => x.toFixed(2)),
    orDash(r.coresPerNode, (x) => x.toPrecision(2)),
  ]);
}

export function scaleTable(m: ScaleModel): string {
  return renderTable(SCALE_HEADERS, scaleCells(m));
}

export function scaleMarkdown(m: ScaleModel): string {
  return [
    `| ${SCALE_HEADERS.join(" | ")} |`,
    `| ${SCALE_HEADERS.map(() => "---:").join(" | ")} |`,
    ...scaleCells(m).map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** One worked row of the model in words, for docs/benchmarks.md (generated, so it always matches the table). */
export function scaleExample(m: ScaleModel, meters: number, clusterSize: number): string {
  const r = m.rows.find((x) => x.meters === meters && x.clusterSize === clusterSize);
  if (r === undefined)
    throw new BenchInputError(`the scale model has no row for ${meters} meters, S = ${clusterSize}`);
  const a = m.assumptions;
  const readings = meters * READINGS_PER_DAY;
  const baselines = BASELINES.flatMap((b) => {
    const load = r.baselines[b.key];
    return load === undefined
      ? []
      : [`${b.short} ${big(load.gasPerDay)} gas/day (${pct(load.chainGasShare)})`];
  });
  const devnet =
    r.devnetLoad === null || m.devnetTxPerS === null
      ? "The live devnet rate was not measured in this run."
      : `The live 3-signer devnet sustained ${rateOf(m.devnetTxPerS)} batch tx/s in this run: this load is ` +
        `x${formatNumber(r.devnetLoad)} of it, the one-tx-per-reading baselines x${formatNumber(
          r.perReadingTxPerS / m.devnetTxPerS,
        )}.`;
  const cores =
    r.gridCores === null || m.perCoreRate === null
      ? "Gateway cores: no per-core rate was measured in this run."
      : `Gateways verify ${count(Math.round(r.burstVerificationsPerS))} readings/s during the ${a.arrivalWindowS} s ` +
        `arrival window: ${r.gridCores.toFixed(1)} cores across the grid at ${rateOf(m.perCoreRate.value)}/s per core.`;
  return [
    `${count(meters)} meters in ${clusterSize}-meter clusters: ${count(r.nodes)} nodes, of which ${count(r.signers)} ` +
      `seal and ${count(r.permissioned)} are permissioned senders. ${count(readings)} readings a day are ` +
      `${count(r.nodes * READINGS_PER_DAY)} cluster-periods (${rateOf(r.clusterPeriodsPerS)} per second); at ` +
      `${a.txsPerClusterPeriod} transactions each, ${big(r.txPerDay)} tx/day (${rateOf(r.txPerS)} tx/s) using ` +
      `${big(r.gasPerDay)} gas/day, ${pct(r.chainGasShare)} of the chain's ${big(m.capacityPerDay)}.`,
    `The per-reading baselines send ${big(readings)} tx/day (${rateOf(r.perReadingTxPerS)} tx/s)` +
      (baselines.length > 0 ? `: ${baselines.join(", ")}.` : "."),
    devnet,
    cores,
  ].join(" ");
}
