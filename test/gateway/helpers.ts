/**
 * A grid of real homes for gateway tests: registry + ledger deployed on a network connection, node keys
 * the gateways sign with (local wallets, funded), meters of Buildings 1..n in clusters of 4, each cluster
 * neighboured by every other cluster's parent (up to 3).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, keccak256, parseEther, toUtf8Bytes, type Provider } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { MeterKind } from "../../lib/chain/schema.js";
import { gridDomain } from "../../lib/batches/reading.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { Gateway, type GatewayConfig } from "../../lib/gateway/gateway.js";
import { periodStart } from "../../lib/time.js";
import { nextMonday } from "../../lab/demo/setup.js";
import { meterWallet } from "../../lab/fixtures/demo-grid.js";
import { deployClusterRegistry } from "../../lab/fixtures/grid.js";
import { MeterFleet, type FleetMeter } from "../../lab/simulator/fleet.js";
import type { BatchLedger, ClusterRegistry } from "../../types/ethers-contracts/index.js";

export interface TestGrid {
  registry: ClusterRegistry;
  ledger: BatchLedger;
  registryAddress: string;
  ledgerAddress: string;
  epoch: bigint;
  /** The connection's provider, as the gateways take it. */
  provider: Provider;
  /** nodeKeys[i] parents cluster i + 1. */
  nodeKeys: string[];
  nodes: string[];
  /** voters[c - 1] = node indexes voting for cluster c (parent first). */
  voters: number[][];
  fleet: MeterFleet;
  /** Move the chain to `seconds` into `period` and mine a block there. */
  warp(period: number, seconds?: number): Promise<void>;
}

export function nodeKey(i: number): string {
  return keccak256(toUtf8Bytes(`gridshare-test-gateway-node-${i}`));
}

export async function deployTestGrid(
  ethers: HardhatEthers,
  helpers: NetworkHelpers,
  opts: { buildings: number[]; perCluster?: number; seed?: string },
): Promise<TestGrid> {
  const per = opts.perCluster ?? 4;
  const [utility, dgmd] = await ethers.getSigners();
  const epoch = nextMonday(BigInt(await helpers.time.latest()));
  await helpers.time.increaseTo(epoch);
  const registry = await deployClusterRegistry(ethers, utility, dgmd, epoch, per);
  const registryAddress = await registry.getAddress();
  const ledger = (await ethers.deployContract("BatchLedger", [registryAddress])) as unknown as BatchLedger;
  const ledgerAddress = await ledger.getAddress();
  const clusterCount = Math.ceil(opts.buildings.length / per);
  const nodeKeys = Array.from({ length: clusterCount }, (_, i) => nodeKey(i));
  const nodes = nodeKeys.map((k) => new Wallet(k).address);
  for (const [i, n] of nodes.entries()) {
    await (await utility.sendTransaction({ to: n, value: parseEther("100") })).wait();
    await (await registry.addNode(n, i * 500, 0)).wait();
    await (await registry.createCluster(n, i * 500, 0)).wait();
  }
  // SPEC 2: each cluster gets its ranking's first 3 (the registry accepts nothing else).
  const voters: number[][] = [];
  for (let c = 0; c < clusterCount; c++) {
    const ranked = [...(await registry.rankNeighbours(c + 1))];
    if (ranked.length > 0) await (await registry.setNeighbours(c + 1, ranked)).wait();
    voters.push([c, ...ranked.map((a) => nodes.indexOf(a))]);
  }
  const meters: FleetMeter[] = [];
  for (const [i, b] of opts.buildings.entries()) {
    const wallet = meterWallet(opts.seed ?? "gateway-test", b);
    const clusterId = Math.floor(i / per) + 1;
    await (await registry.addMeter(clusterId, wallet.address, MeterKind.Prosumer)).wait();
    meters.push({ building: b, wallet, clusterId, kind: "prosumer" });
  }
  const { chainId } = await ethers.provider.getNetwork();
  const fleet = new MeterFleet(meters, gridDomain(chainId, registryAddress));
  return {
    registry,
    ledger,
    registryAddress,
    ledgerAddress,
    epoch,
    provider: asProvider(ethers.provider),
    nodeKeys,
    nodes,
    voters,
    fleet,
    async warp(period: number, seconds = 0) {
      await helpers.time.increaseTo(periodStart(period, epoch) + BigInt(seconds));
    },
  };
}

/** The hardhat-ethers provider as a plain ethers Provider (it implements the interface). */
export function asProvider(p: unknown): Provider {
  return p as Provider;
}

/**
 * The gateway of the node with key `nodeKey` on `grid`, over the grid's provider, building honest batches from
 * period 0; `options` overrides any of that.
 */
export function openGateway(
  grid: TestGrid,
  nodeKey: string,
  dbFile: string,
  options: Partial<GatewayConfig> = {},
): Promise<Gateway> {
  return Gateway.open({
    dbFile,
    provider: grid.provider,
    nodeKey,
    registry: grid.registryAddress,
    ledger: grid.ledgerAddress,
    build: buildClusterBatch,
    startPeriod: 0,
    ...options,
  });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): {
  dir: string;
  file: (name: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), `gridshare-${prefix}-`));
  return {
    dir,
    file: (n) => path.join(dir, n),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
