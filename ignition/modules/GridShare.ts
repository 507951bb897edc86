import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { DEFAULT_TARIFF_PARAMS } from "../../lib/tariffs/tariff.js";

/**
 * GridShare's contracts, one module for the in-process network and the Clique chain alike.
 * Parameters: utility (admin), dgmd, epoch (a Monday 00:00 UTC), maxMetersPerCluster, and the tariff rule's
 * parameters (baseImportRate, baseExportRate, floorRate, ceilingRate, sensitivityBps).
 * ReadingEvidence marks meters only once the utility grants it the registry's EVIDENCE_ROLE
 * (`appointEvidence` in lib/registry/ops.ts): the deploying node is not the utility (SPEC 2's genesis rule).
 */
export default buildModule("GridShare", (m) => {
  const utility = m.getParameter("utility", m.getAccount(0));
  const dgmd = m.getParameter("dgmd", m.getAccount(1));
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
  const certificates = m.contract("CapacityCertificates", [registry, ledger]);
  const tariffs = m.contract("TariffSchedule", [registry, tariffParams]);
  const billing = m.contract("Billing", [registry, ledger, certificates, tariffs]);
  const evidence = m.contract("ReadingEvidence", [registry, ledger]);

  return { registry, ledger, certificates, tariffs, billing, evidence };
});
