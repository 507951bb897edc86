import {
  formatBatchList,
  listBatches,
  parseBatchListArgs,
  type BatchRangeArgs,
} from "../../lib/batches/ops.js";
import { printResult, taskAction } from "../action.js";

export default taskAction(async (args: BatchRangeArgs & { json: boolean }, ctx) => {
  const request = parseBatchListArgs(args);
  printResult(await listBatches(await ctx.session(), request), args.json, formatBatchList);
});
