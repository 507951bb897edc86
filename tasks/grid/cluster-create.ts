import { createCluster } from "../../lib/registry/ops.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: { parent: string; x: string; y: string; registry: string }, ctx) => {
  const registry = await ctx.contract("ClusterRegistry", args.registry);
  await createCluster(registry, args);
  console.log(`cluster ${await registry.clusterCount()} created with parent ${args.parent}`);
});
