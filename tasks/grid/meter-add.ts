import { addMeter } from "../../lib/registry/ops.js";
import { taskAction } from "../action.js";

export default taskAction(
  async (args: { cluster: string; meter: string; kind: string; registry: string }, ctx) => {
    const registry = await ctx.contract("ClusterRegistry", args.registry);
    await addMeter(registry, args);
    console.log(`${args.kind} meter ${args.meter} added to cluster ${args.cluster}`);
  },
);
