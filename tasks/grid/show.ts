import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { formatTopology, readTopology } from "../../lib/registry/ops.js";
import { toJson } from "../../lib/format/table.js";
import { connectContract } from "../connect.js";

export default async function (args: { json: boolean; registry: string }, hre: HardhatRuntimeEnvironment) {
  const registry = await connectContract<ClusterRegistry>(hre, "ClusterRegistry", args.registry);
  const topology = await readTopology(registry);
  console.log(args.json ? toJson(topology) : formatTopology(topology));
}
