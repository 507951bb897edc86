import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Billing } from "../../types/ethers-contracts/index.js";
import { formatBill, parseBillArgs, quoteBill } from "../../lib/ops/billing.js";
import { toJson } from "../../lib/format/table.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { meter: string; week: string; proofs: string; json: boolean; billing: string },
  hre: HardhatRuntimeEnvironment,
) {
  const bill = parseBillArgs(args);
  const billing = await connectContract<Billing>(hre, "Billing", args.billing);
  const quote = await quoteBill(billing, bill);
  console.log(args.json ? toJson(quote) : formatBill(quote));
}
