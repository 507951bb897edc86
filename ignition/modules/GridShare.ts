import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * GridShare's contracts, one module for the in-process network and the Clique chain alike.
 * Parameters: utility (admin), dgmd, epoch (a Monday 00:00 UTC), maxMetersPerCluster.
 */
export default buildModule("GridShare", (m) => {
  const utility = m.getParameter("utility", m.getAccount(0));
  const dgmd = m.getParameter("dgmd", m.getAccount(1));
  const epoch = m.getParameter<bigint>("epoch");
  const maxMetersPerCluster = m.getParameter<number>("maxMetersPerCluster", 4);

  const registry = m.contract("ClusterRegistry", [utility, dgmd, epoch, maxMetersPerCluster]);
  const ledger = m.contract("BatchLedger", [registry]);

  return { registry, ledger };
});
