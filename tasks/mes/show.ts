import { formatMesView, parseMesArgs, readMesView } from "../../lib/mes/ops.js";
import { printResult, taskAction } from "../action.js";

export default taskAction(
  async (args: { cluster: string; period: string; json: boolean; billing: string }, ctx) => {
    const { clusterId, period } = parseMesArgs(args);
    const billing = await ctx.contract("Billing", args.billing);
    printResult(await readMesView(billing, clusterId, period), args.json, formatMesView);
  },
);
