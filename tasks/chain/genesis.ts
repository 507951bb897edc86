import path from "node:path";
import {
  formatNetworkPlan,
  parseNetworkArgs,
  planNetwork,
  writeNetworkPlan,
  type NetworkArgs,
} from "../../lib/clique/network.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: NetworkArgs & { out: string }) => {
  const plan = planNetwork(parseNetworkArgs(args));
  const out = path.resolve(args.out);
  console.log(formatNetworkPlan(plan, writeNetworkPlan(plan, out), out));
});
