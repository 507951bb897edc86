/**
 * Contract addresses for operator tasks: an explicit `--<name>` option wins; otherwise the Ignition deployment
 * file `ignition/deployments/chain-<id>/deployed_addresses.json` (keys like "GridShare#CapacityCertificates").
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import { InvalidArgumentError, InvalidFileError, GridShareError } from "./errors.js";

export const DEPLOYMENT_MODULE = "GridShare";

export function deploymentFile(chainId: bigint, root = process.cwd()): string {
  return path.join(root, "ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

/** Validate an address option (checksummed on return). */
export function parseAddressOption(argument: string, value: string): string {
  if (!isAddress(value)) throw new InvalidArgumentError(argument, `"${value}" is not an address`);
  return getAddress(value);
}

/**
 * The address of `contractName`: `option` when given (validated), else the deployment file's
 * "GridShare#<contractName>" entry.
 */
export function resolveContractAddress(
  argument: string,
  option: string,
  contractName: string,
  chainId: bigint,
  root = process.cwd(),
): string {
  if (option !== "") return parseAddressOption(argument, option);
  const file = deploymentFile(chainId, root);
  if (!existsSync(file)) {
    throw new GridShareError(
      "NO_DEPLOYMENT",
      `no --${argument} given and no deployment file ${file}: pass --${argument} <address> or deploy first`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidFileError(file, `malformed JSON (${(e as Error).message})`);
  }
  const key = `${DEPLOYMENT_MODULE}#${contractName}`;
  const v = typeof json === "object" && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  if (typeof v !== "string" || !isAddress(v)) {
    throw new InvalidFileError(file, `no address for "${key}": pass --${argument} <address>`);
  }
  return getAddress(v);
}
