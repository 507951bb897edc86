/** GridShare deployed as operators deploy it (its Ignition module), for tests that need the real contracts. */
import type { NetworkConnection } from "hardhat/types/network";
import { Wallet } from "ethers";
import GridShare, { deployedAddresses } from "../../ignition/modules/GridShare.js";
import type { ContractName } from "../../lib/chain/contracts.js";
import { contractAt, MeterKind } from "../../lib/chain/schema.js";
import { mondayOnOrBefore } from "../../lib/time.js";

/**
 * Deploy GridShare on `connection` with this week's epoch; with `meter`, cluster 1 (a random parent node) and
 * that prosumer meter are registered by the utility.
 */
export async function deployContracts(
  connection: NetworkConnection<"generic">,
  meter?: string,
): Promise<Record<ContractName, string>> {
  const epoch = mondayOnOrBefore(await connection.networkHelpers.time.latest());
  const deployed = await deployedAddresses(
    await connection.ignition.deploy(GridShare, { parameters: { GridShare: { epoch } } }),
  );
  if (meter !== undefined) {
    const [utility] = await connection.ethers.getSigners();
    const registry = contractAt("ClusterRegistry", deployed.ClusterRegistry, utility);
    const parent = Wallet.createRandom().address;
    await (await registry.addNode(parent, 0, 0)).wait();
    await (await registry.createCluster(parent, 0, 0)).wait();
    await (await registry.addMeter(1, meter, MeterKind.Prosumer)).wait();
  }
  return deployed;
}
