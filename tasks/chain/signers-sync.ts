import {
  chooseSigners,
  formatSignerSync,
  parseSignerSyncArgs,
  readSignerCandidates,
  syncSigners,
  type SignerSyncArgs,
} from "../../lib/clique/signers.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: SignerSyncArgs & { registry: string }, ctx) => {
  const request = parseSignerSyncArgs(args);
  const registry = await ctx.contract("ClusterRegistry", args.registry);
  const nodes = await readSignerCandidates(registry);
  const wanted = chooseSigners({ nodes, maxSigners: request.maxSigners, named: request.named });
  console.log(formatSignerSync(await syncSigners({ ...request, wanted }), nodes.length));
});
