import { formatReplacement, replaceMeter } from "../../lib/registry/ops.js";
import { taskAction } from "../action.js";

export default taskAction(
  async (args: { old: string; new: string; permit: string; registry: string }, ctx) => {
    const registry = await ctx.contract("ClusterRegistry", args.registry);
    console.log(formatReplacement(await replaceMeter(registry, args)));
  },
);
