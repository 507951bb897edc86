import { formatSignerSync, parseSignerSyncArgs, syncSigners } from "../../lib/clique/signers.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: { signerUrls: string; timeout: string; registry: string }, ctx) => {
  const request = parseSignerSyncArgs(args);
  const registry = await ctx.contract("ClusterRegistry", args.registry);
  const nodes = [...(await registry.nodes())];
  console.log(formatSignerSync(await syncSigners({ ...request, nodes }), nodes.length));
});
