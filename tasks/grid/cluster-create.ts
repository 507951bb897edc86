import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { createCluster } from "../../lib/registry/ops.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { parent: string; x: string; y: string; registry: string },
  hre: HardhatRuntimeEnvironment,
) {
  const registry = await connectContract<ClusterRegistry>(hre, "ClusterRegistry", args.registry);
  await createCluster(registry, args);
  console.log(`cluster ${await registry.clusterCount()} created with parent ${args.parent}`);
}
