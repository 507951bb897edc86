import { applyNeighbourPlan, formatNeighbourPlan, planNeighbours } from "../../lib/registry/ops.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: { dryRun: boolean; registry: string }, ctx) => {
  const registry = await ctx.contract("ClusterRegistry", args.registry);
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
});
