import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { addMeter } from "../../lib/registry/ops.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { cluster: string; meter: string; kind: string; registry: string },
  hre: HardhatRuntimeEnvironment,
) {
  const registry = await connectContract<ClusterRegistry>(hre, "ClusterRegistry", args.registry);
  await addMeter(registry, args);
  console.log(`${args.kind} meter ${args.meter} added to cluster ${args.cluster}`);
}
