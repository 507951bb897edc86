/**
 * Where the GridShare contracts of a chain live: an explicit address wins, then the environment
 * (`GRIDSHARE_<NAME>`), then Ignition's deployment file for the chain id.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, isAddress } from "ethers";
import { InvalidArgumentError, GridShareError } from "../errors.js";

export const CONTRACT_NAMES = [
  "ClusterRegistry",
  "BatchLedger",
  "CapacityCertificates",
  "TariffSchedule",
  "Billing",
  "ReadingEvidence",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** The Ignition module id that deploys GridShare (ignition/modules/GridShare.ts). */
export const IGNITION_MODULE_ID = "GridShare";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const ENV_KEYS: Record<ContractName, string> = {
  ClusterRegistry: "GRIDSHARE_REGISTRY",
  BatchLedger: "GRIDSHARE_LEDGER",
  CapacityCertificates: "GRIDSHARE_CERTIFICATES",
  TariffSchedule: "GRIDSHARE_TARIFFS",
  Billing: "GRIDSHARE_BILLING",
  ReadingEvidence: "GRIDSHARE_EVIDENCE",
};

export function deploymentFile(chainId: bigint, root = REPO_ROOT): string {
  return path.join(root, "ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

/** Parse `value` as an address; `what` names the argument in the error. */
export function parseAddress(what: string, value: string): string {
  if (!isAddress(value))
    throw new InvalidArgumentError(what, `"${value}" is not an address (0x followed by 40 hex digits)`);
  return getAddress(value);
}

export function resolveContract(name: ContractName, chainId: bigint, explicit?: string): string {
  if (explicit) return parseAddress(name, explicit);
  const fromEnv = process.env[ENV_KEYS[name]];
  if (fromEnv) return parseAddress(ENV_KEYS[name], fromEnv);
  const file = deploymentFile(chainId);
  if (existsSync(file)) {
    const deployed = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    const found = deployed[`${IGNITION_MODULE_ID}#${name}`];
    if (found) return parseAddress(file, found);
  }
  throw new GridShareError(
    "NO_DEPLOYMENT",
    `no ${name} address for chain ${chainId}: pass it explicitly, set ${ENV_KEYS[name]}, or deploy with Ignition first`,
  );
}
