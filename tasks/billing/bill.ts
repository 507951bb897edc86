import type { Billing } from "../../types/ethers-contracts/index.js";
import { parseBillArgs, readingCountsOf, resolveBillArgs, type BillArgs } from "../../lib/billing/ops.js";
import { printResult, taskAction } from "../action.js";

interface BillTaskArgs {
  meter: string;
  week: string;
  proofs: string;
  gateway: string;
  json: boolean;
  billing: string;
}

/** bill:quote and bill:settle: the same options and steps, another operation on the bill. */
export function billAction<R>(
  run: (billing: Billing, bill: BillArgs) => Promise<R>,
  format: (r: R) => string,
) {
  return taskAction(async (args: BillTaskArgs, ctx) => {
    // Every argument is checked before the chain or the gateway is contacted.
    const request = parseBillArgs(args);
    const billing = await ctx.contract("Billing", args.billing);
    const counts =
      request.source.kind === "gateway" ? await readingCountsOf(billing, request.meter) : undefined;
    printResult(await run(billing, await resolveBillArgs(request, undefined, counts)), args.json, format);
  });
}
