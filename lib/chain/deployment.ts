/**
 * Where the GridShare contracts of a chain live: an explicit address wins, then the environment
 * (`GRIDSHARE_<NAME>`), then Ignition's deployment file for the chain id. An address is used only once the
 * chain holds that contract's code there: a journal left from a chain that was restarted, or an address of
 * another contract, is refused with what to do instead of failing later with undecodable results.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GridShareError, InvalidArgumentError } from "../errors.js";
import { parseAddress } from "../args.js";
import { missingFunctions } from "./bytecode.js";
import { CONTRACT_OPTIONS, ENV_KEYS, type ContractName } from "./contracts.js";
import { abis } from "./schema.js";

/** The Ignition module id that deploys GridShare (ignition/modules/GridShare.ts). */
export const IGNITION_MODULE_ID = "GridShare";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The network a session runs on, for messages that depend on it. */
export interface NetworkInfo {
  /** The Hardhat network name (`default` is the in-process one). */
  readonly name: string;
  /** The in-process network: a new, empty chain on every run. */
  readonly inProcess: boolean;
}

/** Ignition's journal folder of the chain's default deployment (`--deployment-id` not given). */
export function deploymentDir(chainId: bigint, root = REPO_ROOT): string {
  return path.join(root, "ignition", "deployments", `chain-${chainId}`);
}

export function deploymentFile(chainId: bigint, root = REPO_ROOT): string {
  return path.join(deploymentDir(chainId, root), "deployed_addresses.json");
}

/** The addresses Ignition recorded for the chain, by contract name (those deployed so far). */
export function readDeployment(chainId: bigint, root = REPO_ROOT): Partial<Record<ContractName, string>> {
  const file = deploymentFile(chainId, root);
  if (!existsSync(file)) return {};
  const deployed = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  const found: Partial<Record<ContractName, string>> = {};
  for (const [key, address] of Object.entries(deployed)) {
    const [module, name] = key.split("#");
    if (module === IGNITION_MODULE_ID && name !== undefined && name in CONTRACT_OPTIONS)
      found[name as ContractName] = parseAddress(file, address);
  }
  return found;
}

/** Where a contract's address came from: it decides what a refusal tells the operator to fix. */
export type AddressSource =
  | { readonly kind: "option"; readonly option: string }
  | { readonly kind: "env"; readonly variable: string }
  | { readonly kind: "ignition"; readonly file: string };

export interface LocatedContract {
  readonly name: ContractName;
  readonly address: string;
  readonly source: AddressSource;
}

/** How to get a deployment on this network, for the refusals that lack one. */
function deployAdvice(network?: NetworkInfo): string {
  if (network?.inProcess)
    return (
      "the in-process network starts empty on every run: start a node (npx hardhat node), deploy there " +
      "(npx hardhat grid:deploy --network localhost) and add --network localhost"
    );
  return `deploy GridShare (npx hardhat grid:deploy --network ${network?.name ?? "<network>"})`;
}

/** The contract's address from the option, the environment or the Ignition deployment, in that order. */
export function locateContract(
  name: ContractName,
  chainId: bigint,
  explicit?: string,
  network?: NetworkInfo,
  root = REPO_ROOT,
): LocatedContract {
  const option = CONTRACT_OPTIONS[name];
  if (explicit) return { name, address: parseAddress(option, explicit), source: { kind: "option", option } };
  const variable = ENV_KEYS[name];
  const fromEnv = process.env[variable];
  if (fromEnv) return { name, address: parseAddress(variable, fromEnv), source: { kind: "env", variable } };
  const deployed = readDeployment(chainId, root)[name];
  if (deployed !== undefined)
    return { name, address: deployed, source: { kind: "ignition", file: deploymentFile(chainId, root) } };
  throw new GridShareError(
    "NO_DEPLOYMENT",
    `no ${name} address for chain ${chainId}: ${deployAdvice(network)}, or pass --${option} / set ${variable}`,
  );
}

/** The chain restarted (or was replaced) after Ignition recorded the deployment: its addresses hold no code. */
export class ChainRestartedError extends GridShareError {
  constructor(located: LocatedContract & { source: { kind: "ignition" } }, network?: NetworkInfo) {
    const journal = path.relative(process.cwd(), path.dirname(located.source.file)) || ".";
    const cause = network?.inProcess
      ? deployAdvice(network)
      : "the chain was restarted after that deployment: deploy again " +
        `(npx hardhat grid:deploy --network ${network?.name ?? "<network>"} --reset)`;
    super(
      "CHAIN_RESTARTED",
      `${journal} records ${located.name} at ${located.address}, but the chain has no code there: ${cause}`,
    );
  }
}

/** A located address is refused in the words of where it came from. */
function refuseAddress(located: LocatedContract, problem: string): GridShareError {
  const fix = `give the ${located.name}'s address`;
  switch (located.source.kind) {
    case "option":
      return new InvalidArgumentError(located.source.option, `${problem}: ${fix}`);
    case "env":
      return new GridShareError(
        "INVALID_ENV",
        `${located.source.variable}=${located.address}: ${problem}: ${fix}`,
      );
    case "ignition":
      return new GridShareError(
        "WRONG_CONTRACT",
        `${located.source.file}: ${problem}: redeploy with --reset`,
      );
  }
}

/**
 * Refuse an address without the contract's code: no code at all (a restarted chain, a wrong address), or the
 * code of another contract (one whose dispatcher lacks this contract's functions).
 */
export function requireContractCode(located: LocatedContract, code: string, network?: NetworkInfo): void {
  if (code === "0x") {
    if (located.source.kind === "ignition")
      throw new ChainRestartedError({ ...located, source: located.source }, network);
    throw refuseAddress(located, `no contract at ${located.address} on this chain`);
  }
  const missing = missingFunctions(code, abis[located.name]);
  if (missing.length > 0) {
    const some = missing.slice(0, 3).join(", ") + (missing.length > 3 ? ", ..." : "");
    throw refuseAddress(located, `${located.address} is not a ${located.name} (its code has no ${some})`);
  }
}
