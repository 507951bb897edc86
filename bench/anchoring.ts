/**
 * Anchoring gas (issue 8): gas per reading anchored by GridShare (parent proposal + every neighbour vote over one
 * 64-bit Merkle root) beside the naive baseline that stores every reading in its own transaction; gas per vote
 * and per decision; several batches per transaction; MES decision gas at growing cluster sizes (must be flat).
 */
import type { BatchLedger, NaiveReadingStore } from "../types/ethers-contracts/index.js";
import { deployGrid, type Grid } from "../lab/fixtures/grid.js";
import { gridDomain, type SignedReading } from "../lib/batches/reading.js";
import type { BatchHeader } from "../lib/batches/batch.js";
import { figure, type Figure } from "./lib/figures.js";
import { FRESH_SLOT_GAS, TX_FLOOR_GAS, gasOf, mean, spreadSample, type GasContext } from "./lib/gas.js";
import { benchBatch, benchMeter } from "../lab/fixtures/readings.js";

export interface AnchoringOptions {
  /** Cluster sizes (meters per batch), e.g. [4, 64, 1000]. */
  readonly sizes: readonly number[];
  /** Naive baseline readings sent per size at most (evenly spread; every naive tx costs the same but calldata). */
  readonly naiveSampleMax: number;
}

export const DEFAULT_ANCHORING: AnchoringOptions = { sizes: [4, 64, 1000], naiveSampleMax: 1000 };

/** Cluster 1 of deployGrid's default topology: parent node 0, neighbours nodes 1, 2, 3 (4 voters, majority 3). */
const FULL_CLUSTER = 1;
/** Node 0 parents cluster 1 and is a neighbour of clusters 2, 3 and 5: up to 4 batches in one submitMany. */
const MULTI_CLUSTERS = [1, 2, 3, 5] as const;
/** Four voters each pay at least the transaction floor. */
const VOTERS_FULL = 4;

interface BatchGas {
  propose: number;
  voteOpen: number;
  voteDeciding: number;
  voteLate: number;
  total: number;
}

/** Open the next period for voting and return the batch period. */
async function nextBatchPeriod(grid: Grid): Promise<number> {
  const p = (await grid.currentPeriod()) + 1;
  await grid.warpToPeriod(p + 1);
  return p;
}

async function anchorFullCluster(ledger: BatchLedger, grid: Grid, h: BatchHeader): Promise<BatchGas> {
  const [parent, n1, n2, n3] = grid.votersOf(FULL_CLUSTER);
  const propose = await gasOf(ledger.connect(parent).propose(h));
  const voteOpen = await gasOf(ledger.connect(n1).vote(h));
  const voteDeciding = await gasOf(ledger.connect(n2).vote(h)); // 3 of 4: accepted, PSA stored
  const voteLate = await gasOf(ledger.connect(n3).vote(h));
  return { propose, voteOpen, voteDeciding, voteLate, total: propose + voteOpen + voteDeciding + voteLate };
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

export async function benchAnchoring(
  ctx: GasContext,
  opts: AnchoringOptions = DEFAULT_ANCHORING,
): Promise<Figure[]> {
  const grid = await deployGrid(ctx.ethers, ctx.networkHelpers);
  const { ledger } = grid;
  const store = (await ctx.ethers.deployContract("NaiveReadingStore")) as unknown as NaiveReadingStore;
  const chainId = (await ctx.ethers.provider.getNetwork()).chainId;
  const domain = gridDomain(chainId, await grid.registry.getAddress());
  const out: Figure[] = [];
  const perSize: { n: number; gas: BatchGas; naiveMean: number }[] = [];

  for (const n of opts.sizes) {
    const p = await nextBatchPeriod(grid);
    const { signed, batch } = await benchBatch(domain, FULL_CLUSTER, n, p);
    const gas = await anchorFullCluster(ledger, grid, batch.header);
    const naive = await naivePerReading(ctx, store, signed, opts.naiveSampleMax);
    perSize.push({ n, gas, naiveMean: naive.mean });
    out.push(
      figure({
        group: "anchoring",
        id: `anchor.perReading.n${n}`,
        label: `gas per reading anchored, ${n} meters (propose + 3 votes)`,
        value: gas.total / n,
        unit: "gas",
        baseline: { label: `naive 1 tx/reading, mean of ${naive.sent}`, value: naive.mean },
        limit: {
          label: "4 transaction floors shared by the batch",
          value: (VOTERS_FULL * TX_FLOOR_GAS) / n,
          computed: `${VOTERS_FULL} x ${TX_FLOOR_GAS} / ${n}`,
        },
      }),
    );
  }

  const first = perSize[0];
  if (first) {
    const g = first.gas;
    const floor = { label: "transaction floor", value: TX_FLOOR_GAS, computed: "intrinsic gas" };
    out.push(
      figure({
        group: "votes",
        id: "vote.propose",
        label: "parent proposal (first vote)",
        value: g.propose,
        unit: "gas",
        limit: floor,
      }),
      figure({
        group: "votes",
        id: "vote.open",
        label: "neighbour vote, not deciding",
        value: g.voteOpen,
        unit: "gas",
        limit: floor,
      }),
      figure({
        group: "votes",
        id: "vote.deciding",
        label: "deciding vote (accept, store totals + PSA)",
        value: g.voteDeciding,
        unit: "gas",
        limit: {
          label: "floor + one fresh slot",
          value: TX_FLOOR_GAS + FRESH_SLOT_GAS,
          computed: "21,000 + 22,100",
        },
      }),
      figure({
        group: "votes",
        id: "vote.late",
        label: "late neighbour vote (after acceptance)",
        value: g.voteLate,
        unit: "gas",
        limit: floor,
      }),
      figure({
        group: "votes",
        id: "decision.batch",
        label: `one batch of ${first.n} decided, 4 voters, all votes`,
        value: g.total,
        unit: "gas",
        baseline: { label: `naive: ${first.n} txs`, value: first.naiveMean * first.n },
      }),
    );
  }

  out.push(...(await multiBatch(grid, domain)));

  const base = perSize[0];
  for (const { n, gas } of perSize) {
    out.push(
      figure({
        group: "mes",
        id: `mes.decision.n${n}`,
        label: `MES decision (deciding vote, PSA stored), ${n} prosumers`,
        value: gas.voteDeciding,
        unit: "gas",
        baseline: base ? { label: `same at ${base.n} prosumers`, value: base.gas.voteDeciding } : undefined,
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

/** Node 0 sends k = 1..4 batches in one submitMany, beside the same k sent as single transactions. */
async function multiBatch(grid: Grid, domain: ReturnType<typeof gridDomain>): Promise<Figure[]> {
  const { ledger } = grid;
  const node0 = grid.nodes[0];
  if (!node0) return [];
  const headersFor = async (p: number) => {
    const hs: BatchHeader[] = [];
    for (const c of MULTI_CLUSTERS) hs.push((await benchBatch(domain, c, 4, p)).batch.header);
    return hs;
  };
  const out: Figure[] = [];
  for (let k = 1; k <= MULTI_CLUSTERS.length; k++) {
    // Singles: node 0's first vote in each of k clusters, one transaction each.
    const ps = await nextBatchPeriod(grid);
    const singles: number[] = [];
    for (const h of (await headersFor(ps)).slice(0, k)) {
      singles.push(
        await gasOf(
          h.clusterId === FULL_CLUSTER ? ledger.connect(node0).propose(h) : ledger.connect(node0).vote(h),
        ),
      );
    }
    // The same k first votes in one submitMany.
    const pm = await nextBatchPeriod(grid);
    const many = await gasOf(ledger.connect(node0).submitMany((await headersFor(pm)).slice(0, k)));
    out.push(
      figure({
        group: "votes",
        id: `submitMany.k${k}`,
        label: `${k} batch(es) per transaction, gas per batch`,
        value: many / k,
        unit: "gas",
        baseline: { label: "one tx per batch", value: mean(singles) },
      }),
    );
  }
  return out;
}
