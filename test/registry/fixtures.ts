import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { Wallet } from "ethers";
import { mondayOnOrBefore } from "../../lib/time.js";
import { deployClusterRegistry } from "../../lab/fixtures/grid.js";
import type { ClusterSite } from "../../lib/registry/ranking.js";

export const PROSUMER = 2;
export const CONSUMER = 1;

export interface RegistryFixture {
  ethers: Awaited<ReturnType<typeof network.connect>>["ethers"];
  networkHelpers: Awaited<ReturnType<typeof network.connect>>["networkHelpers"];
  registry: ClusterRegistry;
  utility: HardhatEthersSigner;
  dgmd: HardhatEthersSigner;
  nodes: HardhatEthersSigner[];
  outsider: HardhatEthersSigner;
  epoch: bigint;
}

/** A fresh in-process chain with a registry whose epoch is the Monday before now. */
export async function deployRegistry(maxMeters = 4): Promise<RegistryFixture> {
  const { ethers, networkHelpers } = await network.connect();
  const [utility, dgmd, outsider, ...nodes] = await ethers.getSigners();
  const now = BigInt(await networkHelpers.time.latest());
  const epoch = mondayOnOrBefore(now);
  const registry = await deployClusterRegistry(ethers, utility, dgmd, epoch, maxMeters);
  return { ethers, networkHelpers, registry, utility, dgmd, nodes, outsider, epoch };
}

/** A seeded generator (an LCG): `rand(n)` is in 0..n-1, and one seed gives one layout. */
export function seeded(seed: number): (n: number) => number {
  let state = seed;
  return (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
}

/**
 * `count` clusters, each with a fresh parent node at `place(rand)` and `meters(rand)` prosumer meters, registered
 * in order; returns their sites (what lib/registry/ranking.ts ranks).
 */
export async function randomClusters(
  f: RegistryFixture,
  count: number,
  place: () => [bigint, bigint],
  meters: () => number,
): Promise<ClusterSite[]> {
  const sites: ClusterSite[] = [];
  for (let id = 1; id <= count; id++) {
    const node = Wallet.createRandom().address;
    const [x, y] = place();
    const meterCount = meters();
    await f.registry.addNode(node, x, y);
    await f.registry.createCluster(node, x, y);
    for (let m = 0; m < meterCount; m++)
      await f.registry.addMeter(id, Wallet.createRandom().address, PROSUMER);
    sites.push({ clusterId: id, parent: node, x, y, meterCount });
  }
  return sites;
}
