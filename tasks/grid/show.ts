import { formatTopology, readTopology } from "../../lib/registry/ops.js";
import { printResult, taskAction } from "../action.js";

export default taskAction(async (args: { json: boolean; registry: string }, ctx) => {
  const registry = await ctx.contract("ClusterRegistry", args.registry);
  printResult(await readTopology(registry), args.json, formatTopology);
});
