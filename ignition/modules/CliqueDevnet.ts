import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Registry + ledger only: what the Clique devnet test needs to run one batch period. The full
 * deployment is ignition/modules/GridShare.ts. Parameters: epoch (a Monday 00:00 UTC).
 */
export default buildModule("CliqueDevnet", (m) => {
  const utility = m.getAccount(0);
  const epoch = m.getParameter<bigint>("epoch");
  const registry = m.contract("ClusterRegistry", [utility, utility, epoch, 4]);
  const ledger = m.contract("BatchLedger", [registry]);
  // The registry pushes every cluster's voters to the ledger from now on (its vote path reads no registry).
  m.call(registry, "setLedger", [ledger]);
  return { registry, ledger };
});
