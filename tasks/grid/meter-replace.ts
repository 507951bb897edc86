import { replaceMeter } from "../../lib/registry/ops.js";
import { taskAction } from "../action.js";

export default taskAction(
  async (args: { old: string; new: string; permit: string; registry: string }, ctx) => {
    const registry = await ctx.contract("ClusterRegistry", args.registry);
    await replaceMeter(registry, args);
    console.log(
      `meter ${args.old} replaced by ${args.new} (work permit ${args.permit}); certificates need DGMD re-confirmation`,
    );
  },
);
