import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { replaceMeter } from "../../lib/registry/ops.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { old: string; new: string; permit: string; registry: string },
  hre: HardhatRuntimeEnvironment,
) {
  const registry = await connectContract<ClusterRegistry>(hre, "ClusterRegistry", args.registry);
  await replaceMeter(registry, args);
  console.log(
    `meter ${args.old} replaced by ${args.new} (work permit ${args.permit}); certificates need DGMD re-confirmation`,
  );
}
