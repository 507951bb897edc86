import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { addNode } from "../../lib/registry/ops.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { node: string; x: string; y: string; registry: string },
  hre: HardhatRuntimeEnvironment,
) {
  const registry = await connectContract<ClusterRegistry>(hre, "ClusterRegistry", args.registry);
  const receipt = await addNode(registry, args);
  console.log(`node ${args.node} added at (${args.x}, ${args.y}) in block ${receipt?.blockNumber}`);
}
