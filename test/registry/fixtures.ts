import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { mondayOnOrBefore } from "../../lib/time.js";
import { deployClusterRegistry } from "../../lab/fixtures/grid.js";

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
