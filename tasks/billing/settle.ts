import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Billing } from "../../types/ethers-contracts/index.js";
import { formatBill, parseBillArgs, resolveBillArgs, settleBill } from "../../lib/billing/ops.js";
import { toJson } from "../../lib/format/table.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { meter: string; week: string; proofs: string; gateway: string; json: boolean; billing: string },
  hre: HardhatRuntimeEnvironment,
) {
  // Every argument is checked before the chain or the gateway is contacted.
  const request = parseBillArgs(args);
  const billing = await connectContract<Billing>(hre, "Billing", args.billing);
  const settled = await settleBill(billing, await resolveBillArgs(request));
  console.log(
    args.json
      ? toJson(settled)
      : `${formatBill({ ...settled, settled: true })}\nin block ${settled.blockNumber}, gas ${settled.gasUsed}`,
  );
}
