/**
 * Reusable test fixture: a deployed ClusterRegistry + BatchLedger with nodes, clusters, neighbours and meters.
 *
 * Usage (Hardhat 3):
 *   const { ethers, networkHelpers } = await network.create();
 *   const defaultGrid = () => deployGrid(ethers, networkHelpers); // one named function per file
 *   const grid = await networkHelpers.loadFixture(defaultGrid);
 *
 * Default topology (cluster ids 1..5, node i parents cluster i + 1):
 *   cluster 1: neighbours nodes 1, 2, 3 (4 voters)    cluster 2: neighbour node 0 (2 voters)
 *   cluster 3: neighbours nodes 0, 1 (3 voters)       cluster 4: no neighbours (1 voter)
 *   cluster 5: neighbours nodes 0, 1, 2 (4 voters)
 * Each cluster holds `metersPerCluster` meters (default 4): the first half prosumers, the rest consumers.
 * Meter keys are deterministic wallets so tests can sign readings.
 */
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { PERIOD_SECONDS } from "../../lib/constants.js";
import { mondayOnOrBefore, periodStart } from "../../lib/time.js";
import type { BatchLedger, ClusterRegistry } from "../../types/ethers-contracts/index.js";

/** IClusterRegistry.MeterKind */
export const MeterKind = { Consumer: 1, Prosumer: 2 } as const;
/** IBatchLedger.BatchStatus */
export const BatchStatus = { None: 0n, Pending: 1n, Accepted: 2n, Disputed: 3n } as const;

const DAY_SECONDS = 86_400n;
const WEEK_DAYS = 7n;

export interface GridOptions {
  /** Neighbour node indexes per cluster (cluster i + 1 is parented by node i). */
  neighbours?: number[][];
  metersPerCluster?: number;
  maxMetersPerCluster?: number;
}

export const DEFAULT_NEIGHBOURS: number[][] = [[1, 2, 3], [0], [0, 1], [], [0, 1, 2]];

export interface Grid {
  registry: ClusterRegistry;
  ledger: BatchLedger;
  utility: HardhatEthersSigner;
  dgmd: HardhatEthersSigner;
  /** Node i parents cluster i + 1. */
  nodes: HardhatEthersSigner[];
  /** A funded account that is no node. */
  outsider: HardhatEthersSigner;
  /** Cluster ids, 1..n. */
  clusterIds: number[];
  /** meters[c] are the meter wallets of cluster c + 1, sorted by address. */
  meters: Wallet[][];
  /** Prosumer meter addresses (the others are consumers). */
  prosumers: Set<string>;
  epoch: bigint;
  chainId: bigint;
  /** Move the chain clock to the first second of `period` (the next block is mined at that time). */
  warpToPeriod(period: number): Promise<void>;
  /** The period of the latest block. */
  currentPeriod(): Promise<number>;
  /** voters (parent first, then neighbours) of a cluster, as signers. */
  votersOf(clusterId: number): HardhatEthersSigner[];
}

/** A Monday 00:00 UTC at least one week before `now`, so that the current period is well past 0. */
export function mondayBefore(now: bigint): bigint {
  return mondayOnOrBefore(now - WEEK_DAYS * DAY_SECONDS);
}

/** Deterministic meter key for cluster `c`, meter `i`. */
export function meterWallet(clusterId: number, i: number): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`gridshare-test-meter-${clusterId}-${i}`)));
}

export async function deployGrid(
  ethers: HardhatEthers,
  helpers: NetworkHelpers,
  options: GridOptions = {},
): Promise<Grid> {
  const neighbours = options.neighbours ?? DEFAULT_NEIGHBOURS;
  const metersPerCluster = options.metersPerCluster ?? 4;
  const signers = await ethers.getSigners();
  const [utility, dgmd] = signers;
  const nodes = signers.slice(2, 2 + neighbours.length);
  const outsider = signers[signers.length - 1];

  const latest = await helpers.time.latest();
  const epoch = mondayBefore(BigInt(latest));
  const registry = await ethers.deployContract("ClusterRegistry", [
    utility.address,
    dgmd.address,
    epoch,
    options.maxMetersPerCluster ?? Math.max(metersPerCluster, 4),
  ]);
  const ledger = await ethers.deployContract("BatchLedger", [await registry.getAddress()]);

  const clusterIds: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    await registry.addNode(nodes[i].address, i * 1000, 0);
    await registry.createCluster(nodes[i].address, i * 1000, 0);
    clusterIds.push(i + 1);
  }
  for (let i = 0; i < nodes.length; i++) {
    if (neighbours[i].length > 0) {
      await registry.setNeighbours(
        i + 1,
        neighbours[i].map((n) => nodes[n].address),
      );
    }
  }
  const meters: Wallet[][] = [];
  const prosumers = new Set<string>();
  for (const clusterId of clusterIds) {
    const list: Wallet[] = [];
    for (let m = 0; m < metersPerCluster; m++) {
      const w = meterWallet(clusterId, m);
      const kind = m < metersPerCluster / 2 ? MeterKind.Prosumer : MeterKind.Consumer;
      await registry.addMeter(clusterId, w.address, kind);
      if (kind === MeterKind.Prosumer) prosumers.add(w.address);
      list.push(w);
    }
    list.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    meters.push(list);
  }

  return {
    registry,
    ledger,
    utility,
    dgmd,
    nodes,
    outsider,
    clusterIds,
    meters,
    prosumers,
    epoch,
    chainId: (await ethers.provider.getNetwork()).chainId,
    async warpToPeriod(period: number) {
      await helpers.time.setNextBlockTimestamp(periodStart(period, epoch));
      await helpers.mine();
    },
    async currentPeriod() {
      const now = BigInt(await helpers.time.latest());
      return Number((now - epoch) / BigInt(PERIOD_SECONDS));
    },
    votersOf(clusterId: number) {
      const i = clusterId - 1;
      return [nodes[i], ...neighbours[i].map((n) => nodes[n])];
    },
  };
}
