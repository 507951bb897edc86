/**
 * Where the GridShare contracts of a chain live: an explicit address wins, then the environment
 * (`GRIDSHARE_<NAME>`), then Ignition's deployment file for the chain id.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GridShareError } from "../errors.js";
import { parseAddress } from "../args.js";
import { CONTRACT_OPTIONS, ENV_KEYS, type ContractName } from "./contracts.js";

/** The Ignition module id that deploys GridShare (ignition/modules/GridShare.ts). */
export const IGNITION_MODULE_ID = "GridShare";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export function deploymentFile(chainId: bigint, root = REPO_ROOT): string {
  return path.join(root, "ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

export function resolveContract(name: ContractName, chainId: bigint, explicit?: string): string {
  if (explicit) return parseAddress(CONTRACT_OPTIONS[name], explicit);
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
