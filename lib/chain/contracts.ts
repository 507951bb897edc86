/**
 * The GridShare contracts by name, and how an operator names each one's address: its environment variable and
 * its task option. Free of dependencies, so the task definitions can load it without slowing the CLI.
 */
export const CONTRACT_NAMES = [
  "ClusterRegistry",
  "BatchLedger",
  "CapacityCertificates",
  "TariffSchedule",
  "Billing",
  "ReadingEvidence",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export const ENV_KEYS: Record<ContractName, string> = {
  ClusterRegistry: "GRIDSHARE_REGISTRY",
  BatchLedger: "GRIDSHARE_LEDGER",
  CapacityCertificates: "GRIDSHARE_CERTIFICATES",
  TariffSchedule: "GRIDSHARE_TARIFFS",
  Billing: "GRIDSHARE_BILLING",
  ReadingEvidence: "GRIDSHARE_EVIDENCE",
};

/** The task option that names each contract's address (`--registry`, `--certificates`...). */
export const CONTRACT_OPTIONS = {
  ClusterRegistry: "registry",
  BatchLedger: "ledger",
  CapacityCertificates: "certificates",
  TariffSchedule: "tariffs",
  Billing: "billing",
  ReadingEvidence: "evidence",
} as const satisfies Record<ContractName, string>;
