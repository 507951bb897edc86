/**
 * Scale model (issue 8): from the measured figures, the gas, chain capacity and gateway hardware needed for
 * 10k, 100k and 1M meters at 6 readings a day. Pure arithmetic over a results file; every assumption is named.
 */
import { PERIOD_SECONDS } from "../lib/constants.js";
import { DEFAULT_GAS_LIMIT } from "../lib/clique/genesis.js";
import { renderTable } from "../lib/format/table.js";
import { BenchInputError, type Figure } from "./lib/figures.js";

export interface ScaleAssumptions {
  readonly meterCounts: readonly number[];
  /** Meters per cluster (= per batch); must be among the measured anchoring sizes. */
  readonly clusterSizes: readonly number[];
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
  // The devnet's genesis gas limit and `npm run chain:up`'s period (the live bench measures both).
  blockGasLimit: Number(DEFAULT_GAS_LIMIT),
  blockPeriodS: 2,
  arrivalWindowS: 600,
  copiesPerReading: 4,
};

const DAY_S = 86_400;
const READINGS_PER_DAY = DAY_S / PERIOD_SECONDS;
/**
 * Transactions per cluster-period: the parent's one submission carrying every voter's attestation (SPEC 6;
 * bundling several cluster-periods per submission would lower it further).
 */
const TXS_PER_BATCH = 1;

export interface ScaleRow {
  meters: number;
  clusterSize: number;
  /** Nodes = clusters (one parent each) = Clique signers. */
  nodes: number;
  txPerDay: number;
  gasPerDay: number;
  /** Share of the chain's daily gas capacity. */
  chainGasShare: number;
  naiveGasPerDay: number;
  naiveChainGasShare: number;
  /** Verifications per second across all gateways during the arrival window. */
  burstVerificationsPerS: number;
  /** Cores needed across the grid at the measured per-core ingest (or verification) rate. */
  gridCores: number;
  /** Cores one node needs for its own cluster plus three neighbour clusters. */
  coresPerNode: number;
}

function valueOf(figures: readonly Figure[], id: string): number | undefined {
  const f = figures.find((x) => x.id === id);
  return f && f.value !== null ? f.value : undefined;
}

export interface ScaleModel {
  readonly assumptions: ScaleAssumptions;
  /** The per-core rate used for gateway sizing and where it came from. */
  readonly perCoreRate: { readonly value: number; readonly source: string };
  readonly rows: readonly ScaleRow[];
}

export function scaleModel(figures: readonly Figure[], a: ScaleAssumptions = DEFAULT_SCALE): ScaleModel {
  const ingest = valueOf(figures, "gateway.ingest.readingsPerSecond");
  const verify = valueOf(figures, "verify.eip712.core1");
  const perCore = ingest ?? verify;
  if (perCore === undefined)
    throw new BenchInputError("scale model needs a measured ingest or verification rate");
  const source = ingest !== undefined ? "gateway.ingest.readingsPerSecond" : "verify.eip712.core1";
  const capacityPerDay = a.blockGasLimit * (DAY_S / a.blockPeriodS);
  const rows: ScaleRow[] = [];
  for (const meters of a.meterCounts) {
    for (const s of a.clusterSizes) {
      const perReading = valueOf(figures, `anchor.perReading.n${s}`);
      const naive = figures.find((f) => f.id === `anchor.perReading.n${s}`)?.baseline?.value;
      if (perReading === undefined || naive === undefined) continue;
      const nodes = Math.ceil(meters / s);
      const readingsPerDay = meters * READINGS_PER_DAY;
      const gasPerDay = readingsPerDay * perReading;
      const naiveGasPerDay = readingsPerDay * naive;
      const burst = (meters * a.copiesPerReading) / a.arrivalWindowS;
      rows.push({
        meters,
        clusterSize: s,
        nodes,
        txPerDay: nodes * READINGS_PER_DAY * TXS_PER_BATCH,
        gasPerDay,
        chainGasShare: gasPerDay / capacityPerDay,
        naiveGasPerDay,
        naiveChainGasShare: naiveGasPerDay / capacityPerDay,
        burstVerificationsPerS: burst,
        gridCores: burst / perCore,
        coresPerNode: (s * a.copiesPerReading) / a.arrivalWindowS / perCore,
      });
    }
  }
  return { assumptions: a, perCoreRate: { value: perCore, source }, rows };
}

const pct = (x: number) => `${(x * 100).toPrecision(3)}%`;
const big = (x: number) =>
  x >= 1e9
    ? `${(x / 1e9).toFixed(1)} G`
    : x >= 1e6
      ? `${(x / 1e6).toFixed(1)} M`
      : Math.round(x).toLocaleString("en-US");

const SCALE_HEADERS = [
  "meters",
  "cluster",
  "nodes",
  "tx/day",
  "gas/day",
  "chain gas",
  "naive gas/day",
  "naive chain",
  "burst verif/s",
  "grid cores",
  "cores/node",
];

function scaleCells(m: ScaleModel): string[][] {
  return m.rows.map((r) => [
    r.meters.toLocaleString("en-US"),
    String(r.clusterSize),
    r.nodes.toLocaleString("en-US"),
    big(r.txPerDay),
    big(r.gasPerDay),
    pct(r.chainGasShare),
    big(r.naiveGasPerDay),
    pct(r.naiveChainGasShare),
    Math.round(r.burstVerificationsPerS).toLocaleString("en-US"),
    r.gridCores.toFixed(2),
    r.coresPerNode.toPrecision(2),
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
