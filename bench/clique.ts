/**
 * Live chain figures (issue 8): a real 3-signer Clique devnet (patched EthereumJS client) on loopback, the
 * registry and ledger deployed on it, then a bounded, paced burst of real batch submissions (each parent's
 * cluster-period with its neighbours' attestations, SPEC 6) signed locally with explicit nonces, beside a burst of plain transfers of the same count on the same chain.
 * Tx per block, tx/s and block time come from the blocks that hold each burst; batches per block from the
 * gas the batch txs really used. Every node is stopped in `finally`; a devnet that does not come up gives
 * "not measured" figures with the error, never a failed `npm run bench`.
 */
import { mondayOnOrBefore } from "../lib/time.js";
import { planNeighbourAssignments, type ClusterSite } from "../lib/registry/ranking.js";
import path from "node:path";
import { rmSync } from "node:fs";
import { getCreateAddress, Interface, keccak256, Wallet, type InterfaceAbi, type Result } from "ethers";
import type { NetworkManager } from "hardhat/types/network";
import { blockHeader, startDevnet, stopDevnet, type DevnetState } from "../lib/clique/devnet.js";
import { DEFAULT_GAS_LIMIT } from "../lib/clique/genesis.js";
import { httpTransport, waitFor, type RpcTransport } from "../lib/clique/rpc.js";
import { inclusionOf } from "../lib/clique/inclusion.js";
import { CLIENT_CLI, ROOT } from "../lib/clique/config.js";
import { BenchInputError, figure, notMeasured, type Figure } from "./lib/figures.js";
import { PAPER_TX_PER_BLOCK } from "./chain.js";
import { attestationOf, ledgerDomain, signAttestation } from "../lib/batches/attestation.js";
import { encodeSubmission } from "../lib/batches/submission.js";

export interface CliqueBenchOptions {
  /** Clusters, each with its own parent and SPEC 2's neighbours: one submission per cluster. */
  readonly clusters: number;
  /** Pause between two sent txs (ms): a paced burst, not a flood of one node's single RPC thread. */
  readonly gapMs: number;
  /** Clique block period (s). */
  readonly periodSeconds: number;
  /** Added to lib/clique's base ports: 32400+ p2p, 10600+ RPC, clear of the devnet test's 31410+/9610+. */
  readonly portOffset: number;
  /** Whole module, devnet start to last receipt (ms). */
  readonly budgetMs: number;
}

export const DEFAULT_CLIQUE: CliqueBenchOptions = {
  clusters: 30,
  gapMs: 20,
  periodSeconds: 2,
  portOffset: 1_000,
  budgetMs: 170_000,
};

const SIGNERS = 3;
/** Votes sent per batch besides the proposal: with 3 neighbours, proposal + 2 votes is the 3-of-4 majority. */
const NEIGHBOURS = 2;
/** Radius (metres) of the circle the bench's clusters lie on. */
const CIRCLE_RADIUS = 100_000;
const TRANSFER_GAS = 21_000n;
/** Gas limit of a setup or batch tx sent without an estimate (the devnet's estimate is the bare gas used). */
const TX_GAS = 600_000n;
const DEPLOY_GAS = 12_000_000n;
const GWEI = 10n ** 9n;
const DAY_S = 86_400n;
const WEEK_S = 7n * DAY_S;
const POLL_MS = 1_000;
/**
 * A tx still unmined this long after the last send is sent again to every node: a node can drop a tx it
 * took (seen once here: a pool held 3 later nonces of a sender behind a gap, and the run waited out its budget).
 */
const RESEND_MS = 20_000;
/**
 * A node executing a large block (tens of seconds on EthereumJS) answers "State trie does not contain state
 * root" or not at all ("unreachable"): asked again for up to a minute.
 */
const BUSY_RETRIES = 240;
const BUSY_RETRY_MS = 250;

/** What one burst's inclusion looked like. */
export interface BurstStats {
  txs: number;
  /** Blocks holding at least one of the txs. */
  blocksWithTxs: number;
  maxPerBlock: number;
  meanPerBlock: number;
  /** Mean block time from the burst's parent block to the block of its last tx (s). */
  blockTimeS: number;
  /** Txs per second from the parent block's timestamp to the last inclusion's (block timestamps). */
  txPerSecond: number;
}

/** One burst's raw inclusion: the block of each tx, the burst's parent block, the last inclusion's time. */
export interface BurstSegment {
  txBlocks: readonly number[];
  parent: { number: number; timestamp: number };
  lastTimestamp: number;
}

/**
 * Burst figures from one or more segments sent one after the other: txs over the sum of the segments' spans
 * (a wait between two segments is not counted), block time over the sum of their blocks. Block timestamps
 * have a 1 s resolution: a span under 1 s counts as 1 s.
 */
export function burstStats(segments: readonly BurstSegment[]): BurstStats {
  const counts = new Map<number, number>();
  let txs = 0;
  let spanS = 0;
  let blocks = 0;
  for (const { txBlocks, parent, lastTimestamp } of segments) {
    if (txBlocks.length === 0) throw new BenchInputError("burst stats need at least one included tx");
    for (const b of txBlocks) {
      if (b <= parent.number)
        throw new BenchInputError(`tx in block ${b}, not after the parent ${parent.number}`);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    txs += txBlocks.length;
    spanS += Math.max(lastTimestamp - parent.timestamp, 1);
    blocks += Math.max(...txBlocks) - parent.number;
  }
  if (txs === 0) throw new BenchInputError("burst stats need at least one included tx");
  return {
    txs,
    blocksWithTxs: counts.size,
    maxPerBlock: Math.max(...counts.values()),
    meanPerBlock: txs / counts.size,
    blockTimeS: spanS / blocks,
    txPerSecond: txs / spanS,
  };
}

/** The bench's clusters on a circle (integer metres): every cluster sees the same neighbourhood. */
export function benchSites(parents: readonly string[]): ClusterSite[] {
  return parents.map((parent, i) => {
    const angle = (2 * Math.PI * i) / parents.length;
    return {
      clusterId: i + 1,
      parent,
      x: BigInt(Math.round(CIRCLE_RADIUS * Math.cos(angle))),
      y: BigInt(Math.round(CIRCLE_RADIUS * Math.sin(angle))),
      meterCount: 0,
    };
  });
}

/**
 * SPEC 2's neighbours of the bench's clusters, as cluster ids in ranking order: the TypeScript plan, which is
 * what the registry accepts. Each cluster votes with its first `NEIGHBOURS` (3 of 4 voters decide), so every
 * cluster needs that many; some cluster counts leave the last clusters short of free roles and are refused.
 */
export function benchNeighbours(parents: readonly string[]): number[][] {
  const sites = benchSites(parents);
  const clusterOf = new Map(parents.map((p, i) => [p.toLowerCase(), i + 1]));
  const plan = planNeighbourAssignments(sites).map((step) =>
    step.neighbours.map((n) => clusterOf.get(n.node.toLowerCase()) as number),
  );
  const short = plan.findIndex((ns) => ns.length < NEIGHBOURS);
  if (short >= 0) {
    throw new BenchInputError(
      `cluster ${short + 1} of ${parents.length} gets ${plan[short]?.length} neighbours under SPEC 2; the bench votes with ${NEIGHBOURS}`,
    );
  }
  return plan;
}

/** A burst's inclusion: its stats, the gas of the blocks holding it (nothing else runs on this chain). */
export interface Burst {
  segment: BurstSegment;
  gasUsed: number;
  fromBlock: number;
  toBlock: number;
}

export interface SignedTx {
  raw: string;
  hash: string;
  from: string;
  nonce: number;
}

/** One devnet run: RPC urls, fee and a deadline every wait is bounded by. */
export class Run {
  readonly urls: string[];
  maxFee = 0n;
  /** How long the last tx of a burst may take to be mined once sent (ms). */
  inclusionWaitMs = 90_000;

  constructor(
    readonly state: DevnetState,
    readonly deadline: number,
    readonly log: (s: string) => void,
  ) {
    this.urls = state.nodes.map((n) => n.rpcUrl);
  }

  remaining(): number {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new BenchInputError("live devnet bench ran out of its time budget");
    return left;
  }

  /** One JSON-RPC call; a node busy executing its new head is asked again (see BUSY_RETRIES). */
  async rpc(method: string, params: readonly unknown[], url = this.urls[0] as string): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await httpTransport(url, method, params);
      } catch (error) {
        if (attempt >= BUSY_RETRIES || !/state root|unreachable/.test(String(error))) throw error;
        await sleep(BUSY_RETRY_MS);
      }
    }
  }

  async sign(
    wallet: Wallet,
    tx: { to: string | null; data?: string; value?: bigint; nonce: number; gas: bigint; tip: bigint },
  ): Promise<SignedTx> {
    const raw = await wallet.signTransaction({
      type: 2,
      chainId: this.state.chainId,
      to: tx.to,
      data: tx.data ?? "0x",
      value: tx.value ?? 0n,
      nonce: tx.nonce,
      gasLimit: tx.gas,
      maxFeePerGas: this.maxFee + tx.tip,
      maxPriorityFeePerGas: tx.tip,
    });
    return { raw, hash: keccak256(raw), from: wallet.address, nonce: tx.nonce };
  }

  /**
   * Sends a signed tx to one node (`rpc` asks again while the node executes its new head: the identical
   * bytes cannot apply twice). A node that already holds the tx (gossip was faster) has it.
   */
  async send(tx: SignedTx, url: string): Promise<void> {
    try {
      await this.rpc("eth_sendRawTransaction", [tx.raw], url);
    } catch (error) {
      // Gossip from another node got there first: the node holds the tx, which is all that is asked.
      if (!String(error).includes("already in the TxPool")) throw error;
    }
  }

  /**
   * Paced sending to `laneCount` nodes, then the blocks after the burst's parent are read until every tx is
   * in one.
   */
  async burst(
    txs: readonly SignedTx[],
    gapMs: number,
    what: string,
    laneCount = this.urls.length,
  ): Promise<Burst> {
    const parent = await this.head();
    for (const tx of txs) {
      await this.sendEverywhere(tx, laneCount);
      if (gapMs > 0) await sleep(gapMs);
    }
    this.log(`${what}: ${txs.length} txs sent`);
    return this.included(txs, parent, what);
  }

  /**
   * Sends tx i at `start + i * intervalMs` (an even offered load, whatever each send takes), then waits for
   * every tx to be in a block.
   */
  async paced(txs: readonly SignedTx[], intervalMs: number, what: string): Promise<Burst> {
    const parent = await this.head();
    const start = Date.now();
    for (const [i, tx] of txs.entries()) {
      const wait = start + i * intervalMs - Date.now();
      if (wait > 0) await sleep(wait);
      await this.sendEverywhere(tx, this.urls.length);
    }
    this.log(`${what}: ${txs.length} txs sent in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return this.included(txs, parent, what);
  }

  async head(): Promise<{ number: number; timestamp: number }> {
    const head = (await this.rpc("eth_getBlockByNumber", ["latest", false])) as {
      number: string;
      timestamp: string;
    };
    return { number: Number(head.number), timestamp: Number(head.timestamp) };
  }

  /**
   * Every tx goes to every signer (in send order): EthereumJS gossips txs slowly, and a tx held only by the
   * next in-turn signer's peers would land late. One node must take it; the others may already know it from
   * gossip, or have mined it already (a node busy executing a block answers late).
   */
  private async sendEverywhere(tx: SignedTx, laneCount: number): Promise<void> {
    const results = await Promise.allSettled(this.urls.slice(0, laneCount).map((url) => this.send(tx, url)));
    if (results.every((r) => r.status === "rejected")) throw (results[0] as PromiseRejectedResult).reason;
  }

  /**
   * Those of `hashes` mined on the canonical chain (lib/clique/inclusion's receipt check, which ignores a
   * receipt a reorg made stale): each tx's block, and each of those blocks' gas and time, once.
   */
  private async minedOutOfSight(hashes: ReadonlySet<string>): Promise<{
    txs: { hash: string; block: number }[];
    blocks: { gasUsed: number; timestamp: number }[];
  }> {
    const rpc: RpcTransport = (url, method, params) => this.rpc(method, params, url);
    const txs = [];
    for (const hash of hashes) {
      const at = await inclusionOf(this.urls[0] as string, hash, 1, rpc);
      if (at.state === "included") txs.push({ hash, block: at.blockNumber });
    }
    const blocks = [];
    for (const n of new Set(txs.map((t) => t.block))) {
      const b = await blockHeader(this.urls[0] as string, n, rpc);
      blocks.push({ gasUsed: Number(b.gasUsed), timestamp: Number(b.timestamp) });
    }
    return { txs, blocks };
  }

  /** Reads the blocks after `parent` until every tx is in one. */
  private async included(
    txs: readonly SignedTx[],
    parent: { number: number; timestamp: number },
    what: string,
  ): Promise<Burst> {
    const wanted = new Set(txs.map((t) => t.hash));
    const byHash = new Map(txs.map((t) => [t.hash, t]));
    let sentAt = Date.now();
    const txBlocks: number[] = [];
    let gasUsed = 0;
    let lastTimestamp = parent.timestamp;
    let next = parent.number + 1;
    await waitFor(
      `${txs.length} ${what} txs mined`,
      async () => {
        for (;;) {
          const block = (await this.rpc("eth_getBlockByNumber", [`0x${next.toString(16)}`, false])) as {
            transactions: string[];
            gasUsed: string;
            timestamp: string;
          } | null;
          if (block === null) {
            if (Date.now() - sentAt > RESEND_MS) {
              sentAt = Date.now();
              // A tx a reorg moved into a block already read here has a receipt but was never seen: taken
              // from its receipt (seen here: 13 setup txs mined so, waited for until the budget ran out).
              const seen = await this.minedOutOfSight(wanted);
              for (const t of seen.txs) {
                wanted.delete(t.hash);
                txBlocks.push(t.block);
              }
              for (const b of seen.blocks) {
                gasUsed += b.gasUsed;
                lastTimestamp = Math.max(lastTimestamp, b.timestamp);
              }
              if (wanted.size === 0) return true;
              const pending = [...wanted].map((h) => byHash.get(h) as SignedTx);
              this.log(`${what}: ${pending.length} txs not mined yet, sent again`);
              // Identical bytes: a node that holds or mined one refuses the copy, which is fine.
              await Promise.allSettled(pending.map((tx) => this.sendEverywhere(tx, this.urls.length)));
            }
            return undefined;
          }
          const mine = block.transactions.filter((h) => wanted.delete(h));
          for (const _ of mine) txBlocks.push(next);
          if (mine.length > 0) {
            gasUsed += Number(block.gasUsed);
            lastTimestamp = Number(block.timestamp);
          }
          next++;
          if (wanted.size === 0) return true;
        }
      },
      Math.min(this.inclusionWaitMs, this.remaining()),
      POLL_MS,
    );
    this.log(`${what}: mined in blocks ${parent.number + 1}..${next - 1}`);
    return {
      segment: { txBlocks, parent, lastTimestamp },
      gasUsed,
      fromBlock: parent.number + 1,
      toBlock: next - 1,
    };
  }

  /** A view call decoded with `iface`. */
  async call(to: string, iface: Interface, fn: string, args: readonly unknown[]): Promise<Result> {
    const data = (await this.rpc("eth_call", [
      { to, data: iface.encodeFunctionData(fn, args) },
      "latest",
    ])) as string;
    return iface.decodeFunctionResult(fn, data);
  }

  /** Logs of `address` with `topic` in the blocks that hold a burst. */
  async logCount(address: string, topic: string | undefined, burst: Burst): Promise<number> {
    const logs = (await this.rpc("eth_getLogs", [
      {
        address,
        fromBlock: `0x${burst.fromBlock.toString(16)}`,
        toBlock: `0x${burst.toBlock.toString(16)}`,
        topics: [[topic]],
      },
    ])) as unknown[];
    return logs.length;
  }

  /**
   * `count` plain transfers of 1 wei, sender i paying sender i + 1 round-robin, at the nonces given (advanced
   * in place): the baseline of a burst, same senders, same chain.
   */
  async signTransfers(senders: readonly Wallet[], nonces: number[], count: number): Promise<SignedTx[]> {
    const out: SignedTx[] = [];
    for (let t = 0; t < count; t++) {
      const i = t % senders.length;
      out.push(
        await this.sign(senders[i] as Wallet, {
          to: (senders[(i + 1) % senders.length] as Wallet).address,
          value: 1n,
          nonce: (nonces[i] as number)++,
          gas: TRANSFER_GAS,
          tip: GWEI,
        }),
      );
    }
    return out;
  }

  async nonceOf(address: string): Promise<number> {
    return Number((await this.rpc("eth_getTransactionCount", [address, "pending"])) as string);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The batch txs measured on the devnet and their transfer baseline. */
export interface LiveChain {
  batch: BurstStats;
  transfer: BurstStats;
  /** Mean gas used per batch tx (one submission). */
  gasPerBatchTx: number;
  /** Mean gas of one batch: its submission. */
  gasPerBatch: number;
  reverted: number;
  clusters: number;
}

async function runLive(networks: NetworkManager, o: CliqueBenchOptions, run: Run): Promise<LiveChain> {
  const s = run.state;
  const url = run.urls[0] as string;
  const latest = await blockHeader(url, "latest");
  run.maxFee = BigInt(latest.baseFeePerGas ?? "0x0") * 4n + GWEI;
  const operator = new Wallet(s.operatorKeys[0] as string);
  const parents = s.operatorKeys.slice(1, o.clusters + 1).map((k) => new Wallet(k));

  // Deploy with the project's artifacts through hardhat's ethers (bytecode + ABI); the txs themselves are
  // signed here with explicit nonces and gas limits.
  const connection = await networks.create({
    network: "clique",
    override: { url, accounts: [operator.privateKey] },
  });
  try {
    const { ethers } = connection;
    const Registry = await ethers.getContractFactory("ClusterRegistry");
    const Ledger = await ethers.getContractFactory("BatchLedger");
    // An epoch a week back: the current period is well past 0 whatever the weekday.
    const epoch = mondayOnOrBefore(BigInt(latest.timestamp) - WEEK_S);
    let nonce = await run.nonceOf(operator.address);
    const registryAddr = getCreateAddress({ from: operator.address, nonce });
    const ledgerAddr = getCreateAddress({ from: operator.address, nonce: nonce + 1 });
    const deployRegistry = await Registry.getDeployTransaction(operator.address, operator.address, epoch, 4);
    const deployLedger = await Ledger.getDeployTransaction(registryAddr);
    const deploys = [
      await run.sign(operator, {
        to: null,
        data: deployRegistry.data,
        nonce: nonce++,
        gas: DEPLOY_GAS,
        tip: GWEI,
      }),
      await run.sign(operator, {
        to: null,
        data: deployLedger.data,
        nonce: nonce++,
        gas: DEPLOY_GAS,
        tip: GWEI,
      }),
    ];
    await run.burst(deploys, 0, "deploy", 1);
    if (((await run.rpc("eth_getCode", [ledgerAddr, "latest"])) as string).length <= 2) {
      throw new BenchInputError("the ledger deployment reverted on the devnet");
    }

    // Topology: every parent a node and a cluster parent on a circle; neighbours as SPEC 2 ranks them.
    const reg = new Interface(Registry.interface.fragments as InterfaceAbi);
    const led = new Interface(Ledger.interface.fragments as InterfaceAbi);
    const setup: SignedTx[] = [];
    const op = (data: string) =>
      run.sign(operator, { to: registryAddr, data, nonce: nonce++, gas: TX_GAS, tip: GWEI });
    // The registry pushes every cluster's voters to the ledger from here on.
    setup.push(await op(reg.encodeFunctionData("setLedger", [ledgerAddr])));
    for (const s of benchSites(parents.map((p) => p.address))) {
      setup.push(await op(reg.encodeFunctionData("addNode", [s.parent, s.x, s.y])));
      setup.push(await op(reg.encodeFunctionData("createCluster", [s.parent, s.x, s.y])));
    }
    // SPEC 2: in cluster order, each gets its ranking's first 3 (the registry accepts nothing else).
    const neighbours = benchNeighbours(parents.map((p) => p.address));
    for (let c = 1; c <= o.clusters; c++) {
      const ns = (neighbours[c - 1] as number[]).map((n) => (parents[n - 1] as Wallet).address);
      setup.push(await op(reg.encodeFunctionData("setNeighbours", [c, ns])));
    }
    await run.burst(setup, 0, "topology", 1);
    const voters = (await run.call(registryAddr, reg, "votersOf", [o.clusters]))[0] as string[];
    if (voters.length < 1 + NEIGHBOURS) {
      throw new BenchInputError(
        `topology not in place on the devnet: cluster ${o.clusters} has ${voters.length} voters`,
      );
    }

    const [current] = (await run.call(registryAddr, reg, "currentPeriod", [])) as unknown as [bigint];
    const period = Number(current) - 1;
    if (period < 0) throw new BenchInputError(`no previous period to attest (current ${current})`);

    // Batch burst: each parent submits its cluster-period carrying its neighbours' attestations (SPEC 6: one
    // transaction decides the batch).
    const header = (c: number) => ({
      clusterId: c,
      period,
      root: `0x${c.toString(16).padStart(16, "0")}`,
      leafCount: 4,
      totalLoadWh: 5_200n,
      totalGenerationWh: 3_100n,
    });
    const chainId = BigInt((await run.rpc("eth_chainId", [])) as string);
    const domain = ledgerDomain(chainId, ledgerAddr);
    // Parents are fresh genesis-funded accounts: their first nonce is 0.
    const pNonce = parents.map(() => 0);
    const submissions: SignedTx[] = [];
    for (let c = 1; c <= o.clusters; c++) {
      const h = header(c);
      const voters = [c, ...(neighbours[c - 1] as number[])].map((n) => parents[n - 1] as Wallet);
      const attestations = await Promise.all(voters.map((v) => signAttestation(v, domain, attestationOf(h))));
      const items = [{ header: h, voters: voters.map((v) => v.address), attestations }];
      submissions.push(
        await run.sign(parents[c - 1] as Wallet, {
          to: ledgerAddr,
          data: led.encodeFunctionData("submit", [encodeSubmission(items)]),
          nonce: (pNonce[c - 1] as number)++,
          gas: TX_GAS,
          tip: GWEI,
        }),
      );
    }
    const submitted = await run.burst(submissions, o.gapMs, "submissions");
    const batchTxs = submissions;
    // A submission that did not revert decided its batch: exactly one BatchAccepted.
    const accepted = await run.logCount(ledgerAddr, led.getEvent("BatchAccepted")?.topicHash, submitted);

    // Baseline: the same count of plain transfers, same senders, same pacing, same chain.
    const transfers = await run.signTransfers(parents, pNonce, batchTxs.length);
    const transfer = await run.burst(transfers, o.gapMs, "transfer");
    return {
      batch: burstStats([submitted.segment]),
      transfer: burstStats([transfer.segment]),
      gasPerBatchTx: submitted.gasUsed / batchTxs.length,
      gasPerBatch: submitted.gasUsed / o.clusters,
      reverted: batchTxs.length - accepted,
      clusters: o.clusters,
    };
  } finally {
    await connection.close();
  }
}

const GROUP = "chain";

/** Figures of a live run (pure: unit-tested). */
export function liveFigures(
  live: LiveChain,
  periodSeconds: number,
  gasLimit = Number(DEFAULT_GAS_LIMIT),
): Figure[] {
  const b = live.batch;
  const t = live.transfer;
  const txsPerBatch = 1 + NEIGHBOURS;
  const note = `${live.clusters} batches (one submission with ${NEIGHBOURS + 1} attestations each) = ${b.txs} txs, ${live.reverted} reverted; 3 signers, ${periodSeconds} s period`;
  return [
    figure({
      group: GROUP,
      id: "clique.live.batch.txPerSecond",
      label: "Clique devnet: batch submissions per second (live, 3 signers)",
      value: b.txPerSecond,
      unit: "tx/s",
      baseline: { label: "same count of plain transfers", value: t.txPerSecond },
      note,
    }),
    figure({
      group: GROUP,
      id: "clique.live.batch.txPerBlockMax",
      label: "Clique devnet: batch txs in the fullest block",
      value: b.maxPerBlock,
      unit: "tx/block",
      baseline: { label: "plain transfers", value: t.maxPerBlock },
      limit: { label: "paper: 1,000 tx/block", value: PAPER_TX_PER_BLOCK },
    }),
    figure({
      group: GROUP,
      id: "clique.live.batch.txPerBlockMean",
      label: "Clique devnet: batch txs per block (mean over blocks holding them)",
      value: b.meanPerBlock,
      unit: "tx/block",
      baseline: { label: "plain transfers", value: t.meanPerBlock },
    }),
    figure({
      group: GROUP,
      id: "clique.live.blockTime",
      label: "Clique devnet: block time during the batch burst",
      value: b.blockTimeS,
      unit: "s",
      baseline: { label: "configured period", value: periodSeconds },
    }),
    figure({
      group: GROUP,
      id: "clique.live.gasPerBatchTx",
      label: "Clique devnet: gas used per batch tx (receipts)",
      value: live.gasPerBatchTx,
      unit: "gas",
      baseline: { label: "plain transfer", value: Number(TRANSFER_GAS) },
    }),
    figure({
      group: GROUP,
      id: "clique.live.batchesPerBlock",
      label: `Clique devnet: whole batches (one submission, ${NEIGHBOURS + 1} attestations) per block at the genesis gas limit`,
      value: Math.floor(gasLimit / live.gasPerBatch),
      unit: "batches/block",
      baseline: {
        label: `paper: 1,000 tx/block = ${Math.floor(PAPER_TX_PER_BLOCK / txsPerBatch)} batches`,
        value: Math.floor(PAPER_TX_PER_BLOCK / txsPerBatch),
      },
      limit: {
        label: "gas limit / measured gas per batch",
        value: gasLimit / live.gasPerBatch,
        computed: `${gasLimit} / ${Math.round(live.gasPerBatch)}`,
      },
    }),
    figure({
      group: GROUP,
      id: "clique.live.batchTxsPerBlock",
      label: "Clique devnet: batch txs per block at the genesis gas limit (measured gas)",
      value: Math.floor(gasLimit / live.gasPerBatchTx),
      unit: "tx/block",
      baseline: { label: "paper: 1,000 tx/block", value: PAPER_TX_PER_BLOCK },
    }),
  ];
}

/** Live figure ids, reported as not measured (with the error) when the devnet run fails. */
const LIVE_IDS: readonly [string, string, string][] = [
  ["clique.live.batch.txPerSecond", "Clique devnet: batch submissions per second (live, 3 signers)", "tx/s"],
  ["clique.live.batch.txPerBlockMax", "Clique devnet: batch txs in the fullest block", "tx/block"],
  [
    "clique.live.batchesPerBlock",
    "Clique devnet: whole batches per block at the genesis gas limit",
    "batches/block",
  ],
];

/** How a live bench runs its devnet. */
export interface DevnetRun {
  /** Folder under `.devnet/` (kept after a failed run for diagnosis, removed after a measured one). */
  readonly dir: string;
  readonly periodSeconds: number;
  readonly operators: number;
  readonly portOffset: number;
  readonly budgetMs: number;
}

/**
 * Starts a 3-signer devnet, runs `measure` on it, stops every node whatever happened. Never throws: a failure
 * gives `failed(reason)`'s figures.
 */
export async function onDevnet(
  d: DevnetRun,
  log: (s: string) => void,
  measure: (run: Run) => Promise<Figure[]>,
  failed: (reason: string) => Figure[],
): Promise<Figure[]> {
  const deadline = Date.now() + d.budgetMs;
  let state: DevnetState | undefined;
  const baseDir = path.join(ROOT, ".devnet", d.dir);
  let measured = false;
  try {
    state = await startDevnet(
      {
        baseDir,
        signers: SIGNERS,
        periodSeconds: d.periodSeconds,
        operators: d.operators,
        clientCli: CLIENT_CLI,
        portOffset: d.portOffset,
      },
      Math.min(60_000, d.budgetMs),
    );
    const figures = await measure(new Run(state, deadline, log));
    measured = true;
    return figures;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    log(`live devnet (${d.dir}): ${reason}`);
    return failed(reason);
  } finally {
    if (state !== undefined) await stopDevnet(state);
    if (measured) rmSync(baseDir, { recursive: true, force: true });
  }
}

/** Starts the devnet, measures, stops every node whatever happened. Never throws. */
export async function benchClique(
  networks: NetworkManager,
  o: CliqueBenchOptions = DEFAULT_CLIQUE,
  log: (s: string) => void = () => {},
): Promise<Figure[]> {
  return onDevnet(
    { dir: "bench", operators: 1 + o.clusters, ...o },
    log,
    async (run) => {
      log(`devnet up (${SIGNERS} signers): deploying and sending ${o.clusters * (1 + NEIGHBOURS)} batch txs`);
      return liveFigures(await runLive(networks, o, run), o.periodSeconds);
    },
    (reason) => LIVE_IDS.map(([id, label, unit]) => notMeasured(GROUP, id, label, unit, reason)),
  );
}
