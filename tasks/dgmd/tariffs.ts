import { formatTariffs, readTariffs } from "../../lib/tariffs/ops.js";
import { printResult, taskAction } from "../action.js";

export default taskAction(async (args: { json: boolean; tariffs: string; from: string }, ctx) => {
  printResult(await readTariffs(await ctx.session(), args.tariffs), args.json, formatTariffs);
});
