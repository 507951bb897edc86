/**
 * Sustained live throughput (issue 15): accepted 4-meter cluster-periods per second on a real 3-signer Clique
 * devnet over at least two minutes, beside the plain-transfer rate of the same devnet.
 *
 * A cluster-period can only be attested in the period after it (SPEC 6's window; periods are 4 h), so two
 * minutes at 20 per second need thousands of clusters voting in one window. One registry cannot hold them
 * cheaply: assigning a cluster's neighbours checks SPEC 2's ranking over every cluster (O(n) each, O(n^2) for
 * the grid). The bench therefore deploys `grids` regional deployments (registry + ledger each, as a utility
 * would per substation area) of `clustersPerGrid` clusters on one chain; `contracts/bench/BenchTopology.sol`,
 * the registries' admin, builds each topology in two transactions through the registry's own checks. Then
 * every cluster's 4 voters sign their attestation of the previous period's header, and the submissions
 * (`itemsPerSubmission` cluster-periods each, all 4 attestations per item) are sent at an even pace over
 * `durationS` seconds, every one to every signer. The rate is BatchAccepted events over the span from the
 * block before the first submission to the block of the last one (block timestamps).
 */
import { getCreateAddress, id, Interface, Wallet, type InterfaceAbi } from "ethers";
import type { NetworkManager } from "hardhat/types/network";
import { PERIOD_SECONDS } from "../lib/constants.js";
import { mondayOnOrBefore } from "../lib/time.js";
import { attestationOf, ledgerDomain, signAttestation } from "../lib/batches/attestation.js";
import { encodeSubmission, type SubmissionItem } from "../lib/batches/submission.js";
import { planNeighbourAssignments } from "../lib/registry/ranking.js";
import { benchSites, burstStats, onDevnet, sleep, type Run, type SignedTx } from "./clique.js";
import { BenchInputError, figure, notMeasured, type Figure } from "./lib/figures.js";

export interface SustainedOptions {
  /** Regional deployments (registry + ledger) on the one chain. */
  readonly grids: number;
  /** Clusters per deployment, on a circle: every one ranks 3 neighbours (4 voters). */
  readonly clustersPerGrid: number;
  readonly itemsPerSubmission: number;
  /** The offered load is spread evenly over this many seconds. */
  readonly durationS: number;
  /** Clique block period (s). */
  readonly periodSeconds: number;
  /** Clear of the devnet test's and the burst bench's ports. */
  readonly portOffset: number;
  /** Whole module, devnet start to last receipt (ms). */
  readonly budgetMs: number;
  /** Plain transfers of the baseline burst (sent unpaced). */
  readonly transfers: number;
}

export const DEFAULT_SUSTAINED: SustainedOptions = {
  grids: 48,
  clustersPerGrid: 64,
  itemsPerSubmission: 16,
  durationS: 125,
  periodSeconds: 2,
  portOffset: 2_000,
  budgetMs: 1_800_000,
  transfers: 300,
};

/** The target: accepted 4-meter cluster-periods per second, sustained over 2 minutes. */
export const SUSTAINED_TARGET = 20;
const VOTERS = 4;
const GWEI = 10n ** 9n;
const DEPLOY_GAS = 12_000_000n;
const SETUP_GAS = 80_000_000n;
const TX_GAS_PER_ITEM = 90_000n;
/** Margin before the voting window closes (s): setup, signing and the paced run must fit. */
const WINDOW_MARGIN_S = 180;

interface GridPlan {
  operator: Wallet;
  topology: string;
  registry: string;
  ledger: string;
  /** Voters of cluster c (index c - 1): parent first, then its ranked neighbours. */
  voters: Wallet[][];
}

/** Cluster c's voters on the bench circle: its parent and SPEC 2's ranked neighbours (all nodes are parents). */
export function circleVoters(nodes: readonly Wallet[]): Wallet[][] {
  const sites = benchSites(nodes.map((n) => n.address));
  const byAddress = new Map(nodes.map((n) => [n.address.toLowerCase(), n]));
  return planNeighbourAssignments(sites).map((step, i) => {
    const ranked = step.neighbours.map((n) => byAddress.get(n.node.toLowerCase()) as Wallet);
    if (ranked.length !== VOTERS - 1) {
      throw new BenchInputError(
        `cluster ${i + 1} of ${nodes.length} ranks ${ranked.length} neighbours on the circle; choose another size`,
      );
    }
    return [nodes[i] as Wallet, ...ranked];
  });
}

/** Cluster-periods per second over the inclusion span, and the span itself (pure: unit-tested). */
export function sustainedRate(accepted: number, parentTimestamp: number, lastTimestamp: number) {
  const spanS = Math.max(lastTimestamp - parentTimestamp, 1);
  return { spanS, perSecond: accepted / spanS };
}

async function deployGrids(
  networks: NetworkManager,
  run: Run,
  o: SustainedOptions,
  epoch: bigint,
): Promise<{ grids: GridPlan[]; reg: Interface; led: Interface }> {
  const url = run.urls[0] as string;
  const connection = await networks.create({
    network: "clique",
    override: { url, accounts: [run.state.operatorKeys[0] as string] },
  });
  try {
    const { ethers } = connection;
    const Topology = await ethers.getContractFactory("BenchTopology");
    const Registry = await ethers.getContractFactory("ClusterRegistry");
    const Ledger = await ethers.getContractFactory("BatchLedger");
    const reg = new Interface(Registry.interface.fragments as InterfaceAbi);
    const led = new Interface(Ledger.interface.fragments as InterfaceAbi);
    const top = new Interface(Topology.interface.fragments as InterfaceAbi);
    const grids: GridPlan[] = [];
    const setup: SignedTx[] = [];
    for (let g = 0; g < o.grids; g++) {
      const operator = new Wallet(run.state.operatorKeys[g] as string);
      const nodes = Array.from(
        { length: o.clustersPerGrid },
        (_, i) => new Wallet(id(`gridshare-bench-sustained-${g}-${i}`)),
      );
      const voters = circleVoters(nodes);
      const [topology, registry, ledger] = [0, 1, 2].map((nonce) =>
        getCreateAddress({ from: operator.address, nonce }),
      ) as [string, string, string];
      let nonce = 0;
      const sign = (to: string | null, data: string, gas: bigint) =>
        run.sign(operator, { to, data, nonce: nonce++, gas, tip: GWEI });
      setup.push(
        await sign(null, (await Topology.getDeployTransaction()).data, DEPLOY_GAS),
        await sign(
          null,
          (await Registry.getDeployTransaction(topology, operator.address, epoch, 4)).data,
          DEPLOY_GAS,
        ),
        await sign(null, (await Ledger.getDeployTransaction(registry)).data, DEPLOY_GAS),
        await sign(registry, reg.encodeFunctionData("setLedger", [ledger]), DEPLOY_GAS),
        await sign(
          topology,
          top.encodeFunctionData("addClusters", [
            registry,
            benchSites(nodes.map((n) => n.address)).map((s) => ({ parent: s.parent, x: s.x, y: s.y })),
          ]),
          SETUP_GAS,
        ),
        await sign(
          topology,
          top.encodeFunctionData("assignNeighbours", [
            registry,
            1,
            voters.map((v) => v.slice(1).map((w) => w.address)),
          ]),
          SETUP_GAS,
        ),
      );
      grids.push({ operator, topology, registry, ledger, voters });
    }
    await run.burst(setup, 0, "setup (deployments and topologies)");
    for (const g of grids) {
      const [, voters] = await run.call(g.ledger, led, "votersOf", [o.clustersPerGrid]);
      if ((voters as string[]).length !== VOTERS) {
        throw new BenchInputError(
          `topology of ledger ${g.ledger} not in place: ${(voters as string[]).length} voters`,
        );
      }
    }
    return { grids, reg, led };
  } finally {
    await connection.close();
  }
}

export interface SustainedRun {
  accepted: number;
  clusterPeriods: number;
  submissions: number;
  spanS: number;
  perSecond: number;
  blocks: number;
  maxTxPerBlock: number;
  transferTxPerSecond: number;
  grids: number;
}

async function runSustained(networks: NetworkManager, o: SustainedOptions, run: Run): Promise<SustainedRun> {
  const latest = (await run.rpc("eth_getBlockByNumber", ["latest", false])) as {
    timestamp: string;
    baseFeePerGas?: string;
  };
  run.maxFee = BigInt(latest.baseFeePerGas ?? "0x0") * 4n + GWEI;
  // Setting up thousands of clusters, and a backlog when the offered load exceeds the chain's, take minutes.
  run.inclusionWaitMs = o.budgetMs;
  const epoch = mondayOnOrBefore(BigInt(latest.timestamp) - 7n * 86_400n);
  const { grids, led } = await deployGrids(networks, run, o, epoch);
  // The whole run attests one period: its window must not close before the paced submissions end.
  const now = (await run.head()).timestamp;
  const left = PERIOD_SECONDS - ((now - Number(epoch)) % PERIOD_SECONDS);
  if (left < o.durationS + WINDOW_MARGIN_S) {
    run.log(`the voting window closes in ${left} s: waiting for the next period`);
    await sleep((left + 5) * 1_000);
  }
  const [current] = await run.call(grids[0]!.ledger, led, "currentPeriod", []);
  const period = Number(current) - 1;

  // Every voter's attestation of its cluster's header; submissions interleave the grids.
  const perGrid: SignedTx[][] = [];
  const chainId = run.state.chainId;
  for (const [g, grid] of grids.entries()) {
    const domain = ledgerDomain(BigInt(chainId), grid.ledger);
    const items: SubmissionItem[] = [];
    for (const [i, voters] of grid.voters.entries()) {
      const header = {
        clusterId: i + 1,
        period,
        root: `0x${(g * 65_536 + i + 1).toString(16).padStart(16, "0")}`,
        leafCount: 4,
        totalLoadWh: 5_200n + BigInt(i),
        totalGenerationWh: 3_100n,
      };
      const attestations = await Promise.all(
        voters.map((v) => signAttestation(v, domain, attestationOf(header))),
      );
      items.push({ header, voters: voters.map((v) => v.address), attestations });
    }
    const txs: SignedTx[] = [];
    let nonce = await run.nonceOf(grid.operator.address);
    for (let k = 0; k < items.length; k += o.itemsPerSubmission) {
      const chunk = items.slice(k, k + o.itemsPerSubmission);
      txs.push(
        await run.sign(grid.operator, {
          to: grid.ledger,
          data: led.encodeFunctionData("submit", [encodeSubmission(chunk)]),
          nonce: nonce++,
          gas: TX_GAS_PER_ITEM * BigInt(chunk.length) + 100_000n,
          tip: GWEI,
        }),
      );
    }
    perGrid.push(txs);
  }
  const order: SignedTx[] = [];
  for (let k = 0; order.length < grids.length * perGrid[0]!.length; k++) {
    for (const txs of perGrid) if (txs[k] !== undefined) order.push(txs[k]!);
  }
  const clusterPeriods = grids.length * o.clustersPerGrid;
  run.log(`sustained: ${order.length} submissions, ${clusterPeriods} cluster-periods over ${o.durationS} s`);
  const burst = await run.paced(order, (o.durationS * 1_000) / order.length, "sustained submissions");

  let accepted = 0;
  for (const grid of grids) {
    accepted += await run.logCount(grid.ledger, led.getEvent("BatchAccepted")?.topicHash, burst);
  }
  const stats = burstStats([burst.segment]);
  const rate = sustainedRate(accepted, burst.segment.parent.timestamp, burst.segment.lastTimestamp);

  // Baseline: plain transfers as fast as the chain takes them, from the same operators.
  const operators = grids.map((g) => g.operator);
  const nonces = await Promise.all(operators.map((w) => run.nonceOf(w.address)));
  const transfers = await run.signTransfers(operators, nonces, o.transfers);
  const transfer = burstStats([(await run.burst(transfers, 0, "transfers")).segment]);
  return {
    accepted,
    clusterPeriods,
    submissions: order.length,
    spanS: rate.spanS,
    perSecond: rate.perSecond,
    blocks: burst.toBlock - burst.fromBlock + 1,
    maxTxPerBlock: stats.maxPerBlock,
    transferTxPerSecond: transfer.txPerSecond,
    grids: grids.length,
  };
}

const GROUP = "chain";
const RATE_ID = "clique.sustained.clusterPeriodsPerSecond";
const RATE_LABEL = "Clique devnet: accepted 4-meter cluster-periods per second, sustained (live, 3 signers)";

/** Figures of a sustained run (pure: unit-tested). */
export function sustainedFigures(r: SustainedRun, o: SustainedOptions): Figure[] {
  const note =
    `${r.accepted} of ${r.clusterPeriods} cluster-periods accepted (${r.grids} deployments x ${o.clustersPerGrid} ` +
    `clusters, 4 attestations each) in ${r.submissions} submissions of ${o.itemsPerSubmission}, offered evenly ` +
    `over ${o.durationS} s; ${r.blocks} blocks, at most ${r.maxTxPerBlock} submissions in one; 3 signers, ` +
    `${o.periodSeconds} s period`;
  return [
    figure({
      group: GROUP,
      id: RATE_ID,
      label: RATE_LABEL,
      value: r.perSecond,
      unit: "cluster-periods/s",
      baseline: { label: "plain transfers per second, same devnet", value: r.transferTxPerSecond },
      limit: { label: "issue 15 target", value: SUSTAINED_TARGET },
      note,
    }),
    figure({
      group: GROUP,
      id: "clique.sustained.spanS",
      label:
        "Clique devnet: span of the sustained run (block before the first submission to the last's block)",
      value: r.spanS,
      unit: "s",
      baseline: { label: "offered over", value: o.durationS },
    }),
  ];
}

/** The sustained run on its own devnet (see onDevnet: every node stopped, never throws). */
export const benchCliqueSustained = (
  networks: NetworkManager,
  o: SustainedOptions,
  log: (s: string) => void,
): Promise<Figure[]> =>
  onDevnet(
    { dir: "bench-sustained", operators: o.grids, ...o },
    log,
    async (run) => {
      log(`devnet up: ${o.grids} deployments of ${o.clustersPerGrid} clusters`);
      return sustainedFigures(await runSustained(networks, o, run), o);
    },
    (reason) => [notMeasured(GROUP, RATE_ID, RATE_LABEL, "cluster-periods/s", reason)],
  );
