import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { CONTRACT_NAMES, CONTRACT_OPTIONS, type ContractName } from "../../lib/chain/contracts.js";
import { ROLE_ACCOUNT } from "../../lib/chain/roles.js";
import { DEFAULT_TARIFF_PARAMS } from "../../lib/tariffs/tariff.js";

/**
 * GridShare's contracts, one module for the in-process network and the Clique chain alike.
 * Parameters: utility (admin), dgmd, epoch (a Monday 00:00 UTC), maxMetersPerCluster, and the tariff rule's
 * parameters (baseImportRate, baseExportRate, floorRate, ceilingRate, sensitivityBps). `npx hardhat grid:deploy`
 * computes the epoch and names the role accounts; the defaults here are the network's role accounts.
 * ReadingEvidence marks meters only once the utility grants it the registry's EVIDENCE_ROLE
 * (`appointEvidence` in lib/registry/ops.ts): the deploying node is not the utility (SPEC 2's genesis rule).
 */
export default buildModule("GridShare", (m) => {
  const utility = m.getParameter("utility", m.getAccount(ROLE_ACCOUNT.utility));
  const dgmd = m.getParameter("dgmd", m.getAccount(ROLE_ACCOUNT.dgmd));
  const epoch = m.getParameter<bigint>("epoch");
  const maxMetersPerCluster = m.getParameter<number>("maxMetersPerCluster", 4);
  const tariffParams = {
    baseImportRate: m.getParameter("baseImportRate", DEFAULT_TARIFF_PARAMS.baseImportRate),
    baseExportRate: m.getParameter("baseExportRate", DEFAULT_TARIFF_PARAMS.baseExportRate),
    floorRate: m.getParameter("floorRate", DEFAULT_TARIFF_PARAMS.floorRate),
    ceilingRate: m.getParameter("ceilingRate", DEFAULT_TARIFF_PARAMS.ceilingRate),
    sensitivityBps: m.getParameter("sensitivityBps", DEFAULT_TARIFF_PARAMS.sensitivityBps),
  };

  const registry = m.contract("ClusterRegistry", [utility, dgmd, epoch, maxMetersPerCluster]);
  const ledger = m.contract("BatchLedger", [registry]);
  // The registry pushes every cluster's voters to the ledger from now on (its vote path reads no registry).
  m.call(registry, "setLedger", [ledger]);
  const certificates = m.contract("CapacityCertificates", [registry, ledger]);
  const tariffs = m.contract("TariffSchedule", [registry, tariffParams]);
  const billing = m.contract("Billing", [registry, ledger, certificates, tariffs]);
  const evidence = m.contract("ReadingEvidence", [registry, ledger]);

  return { registry, ledger, certificates, tariffs, billing, evidence };
});

/**
 * The deployed contracts' addresses by contract name, from what `ignition.deploy` of this module returns (its
 * results are named as the tasks' address options: `registry`, `ledger`, ...).
 */
export async function deployedAddresses(
  deployed: Record<(typeof CONTRACT_OPTIONS)[ContractName], { getAddress(): Promise<string> }>,
): Promise<Record<ContractName, string>> {
  const addresses = await Promise.all(CONTRACT_NAMES.map((n) => deployed[CONTRACT_OPTIONS[n]].getAddress()));
  return Object.fromEntries(CONTRACT_NAMES.map((n, i) => [n, addresses[i]])) as Record<ContractName, string>;
}
