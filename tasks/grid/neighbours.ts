import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { applyNeighbourPlan, formatNeighbourPlan, planNeighbours } from "../../lib/registry/ops.js";
import { connectContract } from "../connect.js";

export default async function (args: { dryRun: boolean; registry: string }, hre: HardhatRuntimeEnvironment) {
  const registry = await connectContract<ClusterRegistry>(hre, "ClusterRegistry", args.registry);
  const plans = await planNeighbours(registry);
  console.log(formatNeighbourPlan(plans));
  console.log(
    "ranked by distance, then meter count (more first), then address, among nodes neighbouring fewer than 3 " +
      "other clusters; assigned in cluster order; on-chain ranking agrees",
  );
  if (args.dryRun) {
    console.log(`dry run: ${plans.filter((p) => p.changed).length} cluster(s) would change; nothing sent`);
    return;
  }
  console.log(`${await applyNeighbourPlan(registry, plans)} cluster(s) updated`);
}
