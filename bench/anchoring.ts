/**
 * Anchoring gas (issues 8, 15): gas per reading anchored by GridShare's attestation vote (SPEC 6) beside the
 * naive baseline that stores every reading in its own transaction: one cluster-period per submission at growing
 * cluster sizes, and many 4-meter cluster-periods per submission (the parent-carried, aggregated path); the
 * direct path (each voter's own transaction); MES decision gas at growing cluster sizes (must be flat).
 */
import { id, Wallet, type Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BatchLedger, ClusterRegistry, NaiveReadingStore } from "../types/ethers-contracts/index.js";
import { assignRanking, deployGrid, mondayBefore, type Grid } from "../lab/fixtures/grid.js";
import {
  attestAll,
  attestAndSubmit,
  itemOf,
  submitItems,
  type LedgerAccess,
} from "../lab/fixtures/attestations.js";
import { ledgerDomain } from "../lib/batches/attestation.js";
import { PERIOD_SECONDS } from "../lib/constants.js";
import { gridDomain, type SignedReading } from "../lib/batches/reading.js";
import { periodStart } from "../lib/time.js";
import type { BatchHeader } from "../lib/batches/batch.js";
import type { SubmissionItem } from "../lib/batches/submission.js";
import { BenchInputError, figure, type Figure } from "./lib/figures.js";
import {
  FRESH_SLOT_GAS,
  REWRITE_SLOT_GAS,
  TX_FLOOR_GAS,
  gasOf,
  mean,
  spreadSample,
  type GasContext,
} from "./lib/gas.js";
import { benchBatch, benchMeter } from "../lab/fixtures/readings.js";

/** Radius of the bench's ring of nodes (m); every cluster's 3 neighbours are checked once assigned. */
const RING_RADIUS_M = 10_000;

export interface AnchoringOptions {
  /** Cluster sizes (meters per batch) anchored one cluster-period per submission, e.g. [4, 64, 1000]. */
  readonly sizes: readonly number[];
  /** Naive baseline readings sent per size at most (evenly spread; every naive tx costs the same but calldata). */
  readonly naiveSampleMax: number;
  /** 4-meter cluster-periods per submission (the target is set at 16 and more). */
  readonly perSubmission: readonly number[];
}

export const DEFAULT_ANCHORING: AnchoringOptions = {
  sizes: [4, 64, 1000],
  naiveSampleMax: 1000,
  perSubmission: [1, 16, 32, 64],
};

/** Cluster 1 of deployGrid's default topology: parent node 0, neighbours nodes 1, 2, 3 (4 voters, 3 needed). */
const FULL_CLUSTER = 1;
/** Meters of the multi-cluster figures (the paper's cluster size). */
const SMALL_CLUSTER_METERS = 4;
/** Voters of a full cluster, and the votes a digest needs among them. */
const VOTERS_FULL = 4;
const MAJORITY_FULL = 3;
/** The ecrecover precompile's price (EIP-2929 leaves it at 3,000). */
const ECRECOVER_GAS = 3_000;

/** Open the next period for voting and return the batch period. */
async function nextBatchPeriod(grid: Pick<VotingGrid, "currentPeriod" | "warpToPeriod">): Promise<number> {
  const p = (await grid.currentPeriod()) + 1;
  await grid.warpToPeriod(p + 1);
  return p;
}

async function naivePerReading(
  ctx: GasContext,
  store: NaiveReadingStore,
  signed: readonly SignedReading[],
  sampleMax: number,
): Promise<{ mean: number; sent: number }> {
  const gas: number[] = [];
  for (const i of spreadSample(signed.length, sampleMax)) {
    const r = (signed[i] as SignedReading).reading;
    const meter = benchMeter(i).connect(ctx.ethers.provider);
    await ctx.networkHelpers.setBalance(meter.address, 10n ** 18n);
    gas.push(await gasOf(store.connect(meter).store(r)));
  }
  return { mean: mean(gas), sent: gas.length };
}

/** A deployment the submissions are measured on: its ledger, each cluster's voters, who sends. */
interface VotingGrid extends LedgerAccess {
  readonly registry: ClusterRegistry;
  readonly chainId: bigint;
  votersOf(clusterId: number): readonly Signer[];
  readonly submitter: HardhatEthersSigner;
  currentPeriod(): Promise<number>;
  warpToPeriod(period: number): Promise<void>;
}

/** The first `attesting` voters of each header's cluster attest it; one submission carries them all. */
async function submitAll(
  grid: VotingGrid,
  headers: readonly BatchHeader[],
  attesting = VOTERS_FULL,
): Promise<number> {
  const items: SubmissionItem[] = [];
  for (const h of headers) {
    const voters = grid.votersOf(h.clusterId).slice(0, attesting);
    items.push(await itemOf(grid, h, await attestAll(grid, h, voters)));
  }
  return gasOf(submitItems(grid, grid.submitter, items));
}

function fromGrid(grid: Grid): VotingGrid {
  return { ...grid, submitter: grid.outsider };
}

/**
 * `clusters` 4-voter clusters whose nodes are local keys (more than the network's accounts): cluster i + 1 is
 * parented by node i, the nodes stand on a circle, and each cluster is assigned its SPEC 2 ranking in turn (its
 * nearest nodes with a free neighbour role: on a circle, every node ends up neighbouring 3 clusters). Meters are
 * not needed: the ledger sees headers and attestations only.
 */
async function ringGrid(ctx: GasContext, clusters: number): Promise<VotingGrid> {
  const [utility] = await ctx.ethers.getSigners();
  const epoch = mondayBefore(BigInt(await ctx.networkHelpers.time.latest()));
  const registry = (await ctx.ethers.deployContract("ClusterRegistry", [
    utility!.address,
    utility!.address,
    epoch,
    SMALL_CLUSTER_METERS,
  ])) as unknown as ClusterRegistry;
  const ledger = (await ctx.ethers.deployContract("BatchLedger", [
    await registry.getAddress(),
  ])) as unknown as BatchLedger;
  await (await registry.setLedger(await ledger.getAddress())).wait();
  const nodes = Array.from({ length: clusters }, (_, i) => new Wallet(id(`gridshare-bench-ring-node-${i}`)));
  for (const [i, n] of nodes.entries()) {
    const angle = (2 * Math.PI * i) / clusters;
    const x = Math.round(RING_RADIUS_M * Math.cos(angle));
    const y = Math.round(RING_RADIUS_M * Math.sin(angle));
    await (await registry.addNode(n.address, x, y)).wait();
    await (await registry.createCluster(n.address, x, y)).wait();
  }
  const byAddress = new Map(nodes.map((n) => [n.address, n]));
  const voters: Wallet[][] = [];
  for (let c = 1; c <= clusters; c++) {
    const ranked = await assignRanking(registry, c);
    voters.push([nodes[c - 1] as Wallet, ...ranked.map((a) => byAddress.get(a) as Wallet)]);
  }
  const short = voters.flatMap((v, i) => (v.length < VOTERS_FULL ? [i + 1] : []));
  if (short.length > 0) {
    throw new BenchInputError(
      `ring of ${clusters}: clusters ${short.join(", ")} rank fewer than 3 neighbours; choose another cluster count`,
    );
  }
  const chainId = (await ctx.ethers.provider.getNetwork()).chainId;
  return {
    registry,
    ledger,
    chainId,
    ledgerDomain: ledgerDomain(chainId, await ledger.getAddress()),
    votersOf: (clusterId) => voters[clusterId - 1] as Wallet[],
    submitter: utility!,
    async currentPeriod() {
      return Number((BigInt(await ctx.networkHelpers.time.latest()) - epoch) / BigInt(PERIOD_SECONDS));
    },
    async warpToPeriod(period: number) {
      await ctx.networkHelpers.time.setNextBlockTimestamp(periodStart(period, epoch));
      await ctx.networkHelpers.mine();
    },
  };
}

export async function benchAnchoring(
  ctx: GasContext,
  opts: AnchoringOptions = DEFAULT_ANCHORING,
): Promise<Figure[]> {
  const grid = fromGrid(await deployGrid(ctx.ethers, ctx.networkHelpers));
  const store = (await ctx.ethers.deployContract("NaiveReadingStore")) as unknown as NaiveReadingStore;
  const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
  const out: Figure[] = [];
  const perSize: { n: number; gas: number; naiveMean: number }[] = [];

  // One cluster-period per submission: the parent carries its 3 neighbours' attestations.
  for (const n of opts.sizes) {
    const p = await nextBatchPeriod(grid);
    const {
      signed,
      batch: { header },
    } = await benchBatch(domain, FULL_CLUSTER, n, p);
    const gas = await submitAll(grid, [header]);
    const naive = await naivePerReading(ctx, store, signed, opts.naiveSampleMax);
    perSize.push({ n, gas, naiveMean: naive.mean });
    out.push(
      figure({
        group: "anchoring",
        id: `anchor.perReading.n${n}`,
        label: `gas per reading anchored, ${n} meters (one submission: 4 voters' attestations)`,
        value: gas / n,
        unit: "gas",
        baseline: { label: `naive 1 tx/reading, mean of ${naive.sent}`, value: naive.mean },
        limit: {
          label: "the transaction floor shared by the batch",
          value: TX_FLOOR_GAS / n,
          computed: `${TX_FLOOR_GAS} / ${n}`,
        },
      }),
    );
  }

  out.push(...(await directPath(grid, domain, perSize[0]?.gas)));
  out.push(
    ...(await manyPerSubmission(ctx, opts, perSize.find((s) => s.n === SMALL_CLUSTER_METERS)?.naiveMean)),
  );

  const base = perSize[0];
  for (const { n, gas } of perSize) {
    out.push(
      figure({
        group: "mes",
        id: `mes.decision.n${n}`,
        label: `MES decision (deciding submission, totals stored, PSA derived), ${n} prosumers`,
        value: gas,
        unit: "gas",
        baseline: base ? { label: `same at ${base.n} prosumers`, value: base.gas } : undefined,
        limit: {
          label: "one MES slot per prosumer instead",
          value: n * FRESH_SLOT_GAS,
          computed: `${n} x 22,100`,
        },
      }),
    );
  }
  return out;
}

/**
 * The direct path on the full cluster: each voter submits its own attestation in its own transaction (the
 * fallback when a parent withholds): first (pending), deciding (3rd), late (4th), beside the one aggregated
 * submission that decides the same batch.
 */
async function directPath(
  grid: VotingGrid,
  domain: ReturnType<typeof gridDomain>,
  aggregated: number | undefined,
): Promise<Figure[]> {
  const p = await nextBatchPeriod(grid);
  const { header } = (await benchBatch(domain, FULL_CLUSTER, SMALL_CLUSTER_METERS, p)).batch;
  const gas: number[] = [];
  for (const v of grid.votersOf(FULL_CLUSTER) as HardhatEthersSigner[]) {
    gas.push(await gasOf(attestAndSubmit(grid, header, [v], v)));
  }
  const [first, second, deciding, late] = gas as [number, number, number, number];
  const floor = { label: "transaction floor", value: TX_FLOOR_GAS, computed: "intrinsic gas" };
  const out = [
    figure({
      group: "votes",
      id: "attest.direct.first",
      label: "a voter's own attestation, first of its batch (pending: batch word + pending slot)",
      value: first,
      unit: "gas",
      limit: floor,
    }),
    figure({
      group: "votes",
      id: "attest.direct.second",
      label: "a voter's own attestation, not deciding",
      value: second,
      unit: "gas",
      limit: floor,
    }),
    figure({
      group: "votes",
      id: "attest.direct.deciding",
      label: "a voter's own attestation, deciding (3 of 4: root and totals stored)",
      value: deciding,
      unit: "gas",
      limit: floor,
    }),
    figure({
      group: "votes",
      id: "attest.late",
      label: "late attestation after acceptance",
      value: late,
      unit: "gas",
      limit: floor,
    }),
  ];
  if (aggregated !== undefined) {
    out.push(
      figure({
        group: "votes",
        id: "decision.batch",
        label: "one 4-voter batch decided by one submission carrying its 4 attestations",
        value: aggregated,
        unit: "gas",
        baseline: {
          label: "direct path: 4 voters' own transactions",
          value: first + second + deciding + late,
        },
        limit: {
          label: "floor + one fresh slot + 4 signature recoveries",
          value: TX_FLOOR_GAS + FRESH_SLOT_GAS + VOTERS_FULL * ECRECOVER_GAS,
          computed: "21,000 + 22,100 + 4 x 3,000",
        },
      }),
    );
  }
  return out;
}

/**
 * k 4-meter cluster-periods per submission (every voter's attestation; majority-only at the largest k), each
 * measured twice: in the clusters' first ring of periods (the accepted word is a fresh slot) and one ring later,
 * the same clusters at period + RING_PERIODS, where it rewrites the word of the lap before (steady state: what
 * a grid pays from its 25th week on).
 */
async function manyPerSubmission(
  ctx: GasContext,
  opts: AnchoringOptions,
  naivePerReading: number | undefined,
): Promise<Figure[]> {
  const largest = Math.max(...opts.perSubmission);
  const grid = await ringGrid(ctx, Math.max(largest, VOTERS_FULL));
  const ring = Number(await grid.ledger.RING_PERIODS());
  const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
  const headersAt = async (p: number, k: number) => {
    const hs: BatchHeader[] = [];
    for (let c = 1; c <= k; c++) hs.push((await benchBatch(domain, c, SMALL_CLUSTER_METERS, p)).batch.header);
    return hs;
  };
  const floorPerReading = (attestations: number, slotGas: number) => ({
    label: `${slotGas === FRESH_SLOT_GAS ? "one fresh slot" : "one slot rewrite"} + ${attestations} signature recoveries per cluster-period`,
    value: (slotGas + attestations * ECRECOVER_GAS) / SMALL_CLUSTER_METERS,
    computed: `(${slotGas.toLocaleString("en-US")} + ${attestations} x 3,000) / ${SMALL_CLUSTER_METERS}`,
  });
  const baseline = naivePerReading ? { label: "naive 1 tx/reading", value: naivePerReading } : undefined;
  const runs = [
    ...opts.perSubmission.map((k) => ({ k, attesting: VOTERS_FULL, suffix: "" })),
    { k: largest, attesting: MAJORITY_FULL, suffix: ".majority" },
  ].map((r) => ({ ...r, p: 0, firstRing: 0 }));
  for (const run of runs) {
    run.p = await nextBatchPeriod(grid);
    run.firstRing = await submitAll(grid, await headersAt(run.p, run.k), run.attesting);
  }
  const out: Figure[] = [];
  for (const { k, attesting, suffix, p, firstRing } of runs) {
    // One ring later the same clusters' words are rewritten, not created.
    await grid.warpToPeriod(p + ring + 1);
    const steady = await submitAll(grid, await headersAt(p + ring, k), attesting);
    const who =
      attesting === VOTERS_FULL ? "all 4 voters' attestations" : "a majority's (3 of 4) attestations";
    out.push(
      figure({
        group: "anchoring",
        id: `anchor.perReading.n4.k${k}${suffix}`,
        label: `gas per reading, 4-meter clusters, ${k} cluster-period(s) per submission, ${who} (steady state: ring word rewritten)`,
        value: steady / (k * SMALL_CLUSTER_METERS),
        unit: "gas",
        baseline,
        limit: floorPerReading(attesting, REWRITE_SLOT_GAS),
      }),
      figure({
        group: "anchoring",
        id: `anchor.perReading.n4.k${k}${suffix}.firstRing`,
        label: `the same in a cluster's first ${ring} periods (the ring word is a fresh slot)`,
        value: firstRing / (k * SMALL_CLUSTER_METERS),
        unit: "gas",
        baseline,
        limit: floorPerReading(attesting, FRESH_SLOT_GAS),
      }),
    );
    if (suffix === "") {
      out.push(
        figure({
          group: "votes",
          id: `attest.perItem.k${k}`,
          label: `gas per 4-voter cluster-period in a ${k}-item submission (steady state)`,
          value: steady / k,
          unit: "gas",
        }),
        figure({
          group: "votes",
          id: `attest.perItem.k${k}.firstRing`,
          label: `gas per 4-voter cluster-period in a ${k}-item submission (first ring: fresh slot)`,
          value: firstRing / k,
          unit: "gas",
        }),
      );
    }
  }
  return out;
}
