import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { ContractName } from "../lib/chain/contracts.js";
import { resolveContract } from "../lib/chain/deployment.js";

/**
 * The network connection tasks share with whatever else runs in the process (getOrCreate), and the
 * GridShare contract they act on.
 */
export async function connectContract<T>(
  hre: HardhatRuntimeEnvironment,
  name: ContractName,
  explicit: string,
): Promise<T> {
  const connection = await hre.network.getOrCreate();
  const { chainId } = await connection.ethers.provider.getNetwork();
  const address = resolveContract(name, chainId, explicit || undefined);
  const [signer] = await connection.ethers.getSigners();
  return (await connection.ethers.getContractAt(name, address, signer)) as unknown as T;
}
