/**
 * Deploying GridShare (grid:deploy): the epoch (SPEC 3: a Monday 00:00 UTC, by default the current week's),
 * the utility and DGMD accounts (by default the network configuration's role accounts), and Ignition's
 * journal: reused when its contracts are on the chain, refused when the chain no longer has them (a restarted
 * `hardhat node`) unless `--reset` deletes it. Ignition itself is the task's to call (a development tool).
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { parseAddress, parseOptional, parseWholeNumber } from "../args.js";
import { GridShareError, InvalidArgumentError } from "../errors.js";
import { renderTable } from "../format/table.js";
import { mondayOnOrBefore } from "../time.js";
import { CONTRACT_NAMES, type ContractName } from "./contracts.js";
import { deploymentDir, readDeployment } from "./deployment.js";
import { ROLE_ACCOUNT, type Role } from "./roles.js";
import { contractAt as schemaContractAt } from "./schema.js";
import { chainNow, type Accounts, type Session } from "./session.js";

const DAY_SECONDS = 86_400;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export interface DeployArgs {
  epoch: string;
  utility: string;
  dgmd: string;
  reset: boolean;
}

export interface DeployRequest {
  /** Start of period 0; undefined = the Monday 00:00 UTC of the chain's current week. */
  readonly epoch?: bigint;
  readonly utility?: string;
  readonly dgmd?: string;
  readonly reset: boolean;
}

const isoDate = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().slice(0, 10);

/** `2025-06-02` or Unix seconds; refused unless a Monday 00:00 UTC (the registry's constructor would revert). */
export function parseEpoch(option: string, value: string): bigint {
  const text = value.trim();
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = date ? Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])) : Number.NaN;
  if (date && (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text))
    throw new InvalidArgumentError(option, `"${value}" is not a date (YYYY-MM-DD)`);
  const epoch = date ? BigInt(ms / 1000) : parseWholeNumber(option, text);
  const monday = mondayOnOrBefore(epoch);
  if (epoch !== monday) {
    const day = WEEKDAYS[new Date(Number(epoch) * 1000).getUTCDay()];
    const when =
      epoch % BigInt(DAY_SECONDS) === 0n ? `${isoDate(epoch)} is a ${day}` : `${value} is not 00:00 UTC`;
    throw new InvalidArgumentError(
      option,
      `${when}: the epoch is a Monday 00:00 UTC (SPEC 3), e.g. ${isoDate(monday)}`,
    );
  }
  return epoch;
}

export function parseDeployArgs(args: DeployArgs): DeployRequest {
  const epoch = parseOptional(args.epoch, (v) => parseEpoch("epoch", v));
  const utility = parseOptional(args.utility, (v) => parseAddress("utility", v));
  const dgmd = parseOptional(args.dgmd, (v) => parseAddress("dgmd", v));
  return {
    reset: args.reset,
    ...(epoch === undefined ? {} : { epoch }),
    ...(utility === undefined ? {} : { utility }),
    ...(dgmd === undefined ? {} : { dgmd }),
  };
}

/** The Ignition module's parameters (ignition/modules/GridShare.ts). */
export interface DeployParameters {
  readonly epoch: bigint;
  readonly utility: string;
  readonly dgmd: string;
}

/** Deploys the module with these parameters from `sender`; answers the contracts' addresses. */
export type IgnitionDeploy = (
  parameters: DeployParameters,
  sender: string,
) => Promise<Record<ContractName, string>>;

export interface Deployment {
  readonly chainId: bigint;
  readonly network: string;
  readonly contracts: Record<ContractName, string>;
  readonly epoch: bigint;
  /** The role accounts the registry was deployed with (unknown for a deployment found in the journal). */
  readonly utility?: string;
  readonly dgmd?: string;
  /** Ignition's journal folder; none on the in-process network. */
  readonly journal?: string;
  /** Found complete in the journal, on the chain: nothing was sent. */
  readonly reused: boolean;
}

/** A role's address in the network configuration, for a default the operator did not give. */
async function roleAddress(accounts: Accounts, role: Role, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const signer = (await accounts.getSigners())[ROLE_ACCOUNT[role]];
  if (signer === undefined)
    throw new InvalidArgumentError(
      role,
      `the network's configuration has no ${role} account: pass --${role}`,
    );
  return signer.address;
}

/** The journal's contracts when every one is on the chain; refuses a journal the chain no longer matches. */
async function journalContracts(
  s: Session,
  root: string | undefined,
): Promise<Record<ContractName, string> | undefined> {
  const recorded = readDeployment(s.chainId, root);
  const names = CONTRACT_NAMES.filter((n) => recorded[n] !== undefined);
  const codes = await Promise.all(names.map((n) => s.signer.provider?.getCode(recorded[n] as string)));
  if (codes.some((c) => c === undefined || c === "0x")) {
    throw new GridShareError(
      "CHAIN_RESTARTED",
      `${path.relative(process.cwd(), deploymentDir(s.chainId, root))} records contracts the chain has no code for: the chain was ` +
        "restarted after that deployment: deploy anew with --reset (deletes that journal)",
    );
  }
  return names.length === CONTRACT_NAMES.length ? (recorded as Record<ContractName, string>) : undefined;
}

/**
 * Deploy GridShare from the session's account, or report the deployment the journal already holds. `accounts`
 * is the network configuration (for the role defaults).
 */
export async function deployGridShare(
  s: Session,
  accounts: Accounts,
  r: DeployRequest,
  deploy: IgnitionDeploy,
  root?: string,
): Promise<Deployment> {
  const network = s.network?.name ?? "default";
  const inProcess = s.network?.inProcess ?? false;
  const dir = deploymentDir(s.chainId, root);
  const journal = inProcess ? undefined : dir;
  if (journal !== undefined && r.reset && existsSync(dir)) rmSync(dir, { recursive: true });
  const found = journal === undefined ? undefined : await journalContracts(s, root);
  if (found !== undefined) {
    const epoch = await schemaContractAt("ClusterRegistry", found.ClusterRegistry, s.signer).epoch();
    return { chainId: s.chainId, network, contracts: found, epoch, journal: dir, reused: true };
  }
  const parameters = {
    epoch: r.epoch ?? mondayOnOrBefore(await chainNow(s)),
    utility: await roleAddress(accounts, "utility", r.utility),
    dgmd: await roleAddress(accounts, "dgmd", r.dgmd),
  };
  const contracts = await deploy(parameters, s.signer.address);
  return {
    chainId: s.chainId,
    network,
    contracts,
    ...parameters,
    ...(journal === undefined ? {} : { journal }),
    reused: false,
  };
}

export function formatDeployment(d: Deployment): string {
  const lines = [
    d.reused
      ? `GridShare is already deployed on chain ${d.chainId} (network ${d.network}); --reset deploys anew`
      : `GridShare deployed on chain ${d.chainId} (network ${d.network})`,
    `epoch ${isoDate(d.epoch)} 00:00 UTC (${d.epoch}): period 0 starts then`,
  ];
  if (d.utility !== undefined) lines.push(`utility ${d.utility}`);
  if (d.dgmd !== undefined) lines.push(`DGMD    ${d.dgmd}`);
  lines.push(
    renderTable(
      ["contract", "address"],
      CONTRACT_NAMES.map((n) => [n, d.contracts[n]]),
    ),
  );
  lines.push(
    d.journal === undefined
      ? "the in-process network ends with this command: for a chain that stays, run `npx hardhat node` and deploy with --network localhost"
      : `journal ${path.relative(process.cwd(), d.journal)}: tasks on --network ${d.network} find the contracts there`,
  );
  return lines.join("\n");
}
