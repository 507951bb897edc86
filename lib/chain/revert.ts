/**
 * A contract's refusal in words: the revert data of a failed call or transaction is decoded with the GridShare
 * contracts' ABIs (the chain schema; every GridShare error is declared in contracts/interfaces/, the inherited
 * OpenZeppelin ones come with the ABIs), its values named, and what to do added where we know it.
 */
import { Interface, ZeroHash, id, isHexString, type JsonFragment, type ParamType } from "ethers";
import { GridShareError } from "../errors.js";
import { CONTRACT_NAMES } from "./contracts.js";
import { abis, enumMemberName } from "./schema.js";

/** A decoded custom error: its name and each argument by name, as text. */
export interface DecodedRevert {
  readonly error: string;
  readonly args: Readonly<Record<string, string>>;
}

/** The chain refused a call or transaction: nothing was changed. */
export class ContractRevertError extends GridShareError {
  /** The decoded error, when the revert data is one the GridShare contracts declare. */
  readonly revert?: DecodedRevert;

  constructor(message: string, revert: DecodedRevert | undefined, cause: unknown) {
    super("CONTRACT_REVERT", message, { cause });
    if (revert !== undefined) this.revert = revert;
  }
}

/** Every error fragment of the deployable contracts, once each (several contracts share an interface). */
const ERROR_FRAGMENTS: JsonFragment[] = [
  ...new Map(
    CONTRACT_NAMES.flatMap((n) => abis[n])
      .filter((f) => f.type === "error")
      .map((f) => [`${f.name}(${(f.inputs ?? []).map((i) => i.type).join(",")})`, f] as const),
  ).values(),
];
const ERRORS = new Interface(ERROR_FRAGMENTS);

/** The roles AccessControl names by hash (ClusterRegistry: DEFAULT_ADMIN_ROLE is the utility's). */
const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ZeroHash]: "DEFAULT_ADMIN_ROLE (the utility)",
  [id("DGMD_ROLE")]: "DGMD_ROLE (the DGMD)",
};

/** What to do about a refusal, by error name; the arguments are the decoded ones. */
type Hint = (args: Readonly<Record<string, string>>) => string;

const NEEDS_ROLE: Hint = (a) =>
  `act with the account that holds the role (--from utility or --from dgmd; ${a.account ?? "this account"} does not)`;
const SHOW_GRID: Hint = () => "npx hardhat grid:show lists the topology and the meters";

export const REVERT_HINTS: Readonly<Record<string, Hint>> = {
  AccessControlUnauthorizedAccount: NEEDS_ROLE,
  NotDgmd: () => "act as the DGMD (--from dgmd)",
  SignerNotDgmd: () => "sign with the DGMD's key (--from dgmd)",
  UnknownCluster: SHOW_GRID,
  UnknownMeter: SHOW_GRID,
  UnknownNode: () => "register the node first (grid:node:add)",
  NodeAlreadyRegistered: SHOW_GRID,
  NodeAlreadyParent: SHOW_GRID,
  ClusterFull: () => "choose another cluster",
  MeterAlreadyKnown: () => "a meter key is never reused: use a new key",
  MeterNotActive: SHOW_GRID,
  EmptyWorkPermit: () => "pass the work-permit reference (--permit)",
  InvalidEpoch: () => "the epoch must be a Monday 00:00 UTC",
  BeforeEpoch: () => "the grid's epoch has not begun: wait for it",
  NoTariff: (a) =>
    `no tariff has been published yet, so week ${a.week} cannot be priced: the DGMD ` +
    "publishes each week's tariff before the week starts (dgmd:forecast --publish)",
  TariffNotFixedYet: (a) =>
    `week ${a.week} is before the first published tariff (week ${a.firstWeek}), which prices it once week ` +
    `${a.firstWeek} has started: quote or settle from then on`,
  WeekAlreadyStarted: () => "a tariff is published before its week starts: publish a later week",
  WeekNotDecided: () => "wait until every batch of the week is decided, or finalize the abandoned ones",
  IncompleteBill: (a) =>
    `give the proof of period ${a.period} as well, or its absence proof when its batch lacks the meter's ` +
    "reading (--proofs or --gateway)",
  AlreadySettled: () => "a meter-week is settled once; bill:quote shows the bill",
  ToleranceOutOfRange: (a) => `choose --bps from ${a.minBps} to ${a.maxBps}`,
  CertIdUsed: () => "certificate ids are never reused: submit under a new id",
  AlreadyCertified: () => "the meter holds a certificate: revoke it first (dgmd:revoke)",
  UnknownCertificate: () => "check the certificate id",
  NothingToRevoke: () => "the meter has no certificate in force",
  CertificateExpired: () => "choose a validity window that has not ended",
  MeterNotEligible: () => "only an active prosumer meter can be certified",
  CertificateVoided: () =>
    "issue a new certificate dated after the meter's latest revocation, deauthorization or replacement",
  CertIdCancelled: () => "the DGMD cancelled this id: submit a new certificate",
  NotRankedNeighbours: () => "assign SPEC 2's ranking (grid:neighbours)",
  NeighbourRoleLimit: () => "a node neighbours at most 3 clusters: grid:neighbours assigns the ranking",
};

const DEFAULT_HINT = "nothing was changed; check the arguments against the chain's state";

/** A decoded argument as a person reads it: enums by member, roles by name, numbers in decimal. */
function formatValue(param: ParamType, internalType: string | undefined, value: unknown): string {
  const enumName = internalType?.startsWith("enum ") ? internalType.slice("enum ".length) : undefined;
  if (enumName !== undefined && typeof value === "bigint")
    return enumMemberName(enumName, value) ?? String(value);
  if (param.type === "bytes32" && typeof value === "string") return ROLE_NAMES[value] ?? value;
  if (Array.isArray(value)) return `[${value.map(String).join(", ")}]`;
  return String(value);
}

/** The revert data carried by a failed call's error (ethers, Hardhat and JSON-RPC errors nest it differently). */
export function revertDataOf(e: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof e !== "object" || e === null) return undefined;
  const o = e as Record<string, unknown>;
  if (typeof o.data === "string" && isHexString(o.data)) return o.data;
  for (const key of ["data", "error", "cause", "info"]) {
    const found = revertDataOf(o[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The error the revert data encodes, if a GridShare contract (or Solidity's Error/Panic) declares it. */
export function decodeRevert(data: string): DecodedRevert | undefined {
  let parsed;
  try {
    parsed = ERRORS.parseError(data);
  } catch {
    return undefined;
  }
  if (parsed === null) return undefined;
  const declared = ERROR_FRAGMENTS.find((f) => f.name === parsed.name)?.inputs ?? [];
  const args: Record<string, string> = {};
  parsed.fragment.inputs.forEach((param, i) => {
    args[param.name || `arg${i}`] = formatValue(param, declared[i]?.internalType, parsed.args[i]);
  });
  return { error: parsed.name, args };
}

/** `NoTariff(week: 0)` */
export function formatRevert(r: DecodedRevert): string {
  return `${r.error}(${Object.entries(r.args)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")})`;
}

/** A failed call or transaction that reverted (as opposed to a network or tool failure). */
function isRevert(e: object): boolean {
  const o = e as Record<string, unknown>;
  return o.code === "CALL_EXCEPTION" || o.code === 3 || o.name === "SolidityError";
}

/** The refusal an error reports, when it is a contract's; undefined for any other failure. */
export function contractRevertOf(e: unknown): ContractRevertError | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const data = revertDataOf(e);
  const decoded = data === undefined ? undefined : decodeRevert(data);
  if (decoded !== undefined) {
    const hint = REVERT_HINTS[decoded.error]?.(decoded.args) ?? DEFAULT_HINT;
    return new ContractRevertError(`the contract refused: ${formatRevert(decoded)}: ${hint}`, decoded, e);
  }
  if (data !== undefined && data !== "0x") {
    return new ContractRevertError(
      `the contract refused with error data ${data.slice(0, 10)}, which no GridShare contract declares: ` +
        "is the address a GridShare contract of this build?",
      undefined,
      e,
    );
  }
  if (!isRevert(e)) return undefined;
  return new ContractRevertError(
    "the contract refused without a reason: check that the address is the GridShare contract the task needs",
    undefined,
    e,
  );
}
