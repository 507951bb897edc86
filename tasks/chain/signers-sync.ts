import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import { parseList, parseSeconds } from "../../lib/args.js";
import { syncSigners } from "../../lib/clique/signers.js";
import { connectContract } from "../connect.js";

export default async function (
  args: { signerUrls: string; timeout: string; registry: string },
  hre: HardhatRuntimeEnvironment,
) {
  const signerUrls = parseList(args.signerUrls);
  if (signerUrls.length === 0)
    throw new InvalidArgumentError("signer-urls", "give the JSON-RPC URL of every signer");
  const timeout = parseSeconds("timeout", args.timeout);
  const registry = await connectContract<ClusterRegistry>(hre, "ClusterRegistry", args.registry);
  const nodes = [...(await registry.nodes())];
  const report = await syncSigners({ signerUrls, nodes, timeoutMs: timeout * 1000 });
  if (report.changes.length === 0) {
    console.log(`signer set already equals the registry's ${nodes.length} nodes`);
    return;
  }
  for (const c of report.changes) console.log(`${c.authorize ? "added  " : "removed"} ${c.address}`);
  console.log(`signers now: ${report.after.join(", ")}`);
}
