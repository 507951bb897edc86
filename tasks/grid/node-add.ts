import { addNode } from "../../lib/registry/ops.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: { node: string; x: string; y: string; registry: string }, ctx) => {
  const registry = await ctx.contract("ClusterRegistry", args.registry);
  const receipt = await addNode(registry, args);
  console.log(`node ${args.node} added at (${args.x}, ${args.y}) in block ${receipt?.blockNumber}`);
});
