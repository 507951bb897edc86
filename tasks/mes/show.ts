import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Billing } from "../../types/ethers-contracts/index.js";
import { formatMesView, readMesView } from "../../lib/mes/ops.js";
import { parseClusterId, parseUint32 } from "../../lib/args.js";
import { toJson } from "../../lib/format/table.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { cluster: string; period: string; json: boolean; billing: string },
  hre: HardhatRuntimeEnvironment,
) {
  const clusterId = parseClusterId("cluster", args.cluster);
  const period = parseUint32("period", args.period);
  const billing = await connectContract<Billing>(hre, "Billing", args.billing);
  const view = await readMesView(billing, clusterId, period);
  console.log(args.json ? toJson(view) : formatMesView(view));
}
