/**
 * An operator's session on a GridShare chain: the acting account (an address or a role, see roles.ts), the
 * chain id, and the GridShare contracts connected by name (an explicit address, else the environment, else the
 * Ignition deployment), each checked to be that contract on this chain.
 */
import type { Provider, Signer } from "ethers";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { InvalidArgumentError } from "../errors.js";
import { parseAddress, parseOptional } from "../args.js";
import type { ContractName } from "./contracts.js";
import { locateContract, requireContractCode, type NetworkInfo } from "./deployment.js";
import { isRole, ROLE_ACCOUNT, ROLE_KEY_VARIABLES, ROLES } from "./roles.js";
import { contractAt as schemaContractAt, type Contracts } from "./schema.js";

/** A signer that knows its address without asking (ethers Wallet, Hardhat's signers). */
export type AccountSigner = Signer & { readonly address: string };

/** The accounts a network configuration offers (Hardhat's `connection.ethers` is one). */
export interface Accounts {
  readonly provider: Provider;
  getSigners(): Promise<AccountSigner[]>;
}

export interface Session {
  readonly chainId: bigint;
  /** The acting account: every transaction of the session is sent from it. */
  readonly signer: AccountSigner;
  /** The network, when known: refusals about missing deployments depend on it. */
  readonly network?: NetworkInfo;
}

/** The configuration's account for `from`: a role's, an address among them, or ("") the first. */
function pickAccount(signers: readonly AccountSigner[], from: string): AccountSigner {
  if (isRole(from)) {
    const signer = signers[ROLE_ACCOUNT[from]];
    if (signer === undefined) {
      throw new InvalidArgumentError(
        "from",
        `this network's configuration has no ${from} account (account ${ROLE_ACCOUNT[from]}): ` +
          `configure its key (${ROLE_KEY_VARIABLES[from]} on clique) or pass --from <address>`,
      );
    }
    return signer;
  }
  const wanted = parseOptional(from, (v) => {
    if (v.startsWith("0x")) return parseAddress("from", v);
    throw new InvalidArgumentError("from", `"${v}" is neither an address nor a role (${ROLES.join(", ")})`);
  });
  const signer = wanted === undefined ? signers[0] : signers.find((s) => s.address === wanted);
  if (signer === undefined) {
    throw new InvalidArgumentError("from", `${wanted} is not an account of this network's configuration`);
  }
  return signer;
}

/**
 * Open a session acting as `from`: a role (`utility`, `dgmd`: that role's account of the configuration), an
 * address (one of the configuration's accounts), or "" for the first account.
 */
export async function openSession(accounts: Accounts, from = "", network?: NetworkInfo): Promise<Session> {
  const { chainId } = await accounts.provider.getNetwork();
  const signer = pickAccount(await accounts.getSigners(), from);
  return network === undefined ? { chainId, signer } : { chainId, signer, network };
}

/** Seconds of the latest block: the chain's "now". */
export async function chainNow(s: Session): Promise<bigint> {
  const block = await s.signer.provider?.getBlock("latest");
  return BigInt(block?.timestamp ?? 0);
}

export type ContractOf<N extends ContractName> = Contracts[N];

/**
 * A GridShare contract connected to the session's account; `explicit` ("" = not given) wins. Refused unless the
 * chain holds that contract's code at the address.
 */
export async function contractAt<N extends ContractName>(
  s: Session,
  name: N,
  explicit: string,
): Promise<ContractOf<N>> {
  const located = locateContract(name, s.chainId, explicit || undefined, s.network);
  const code = (await s.signer.provider?.getCode(located.address)) ?? "0x";
  requireContractCode(located, code, s.network);
  return schemaContractAt(name, located.address, s.signer);
}

/** The contracts that know their registry. */
export type RegistryBound = Exclude<ContractName, "ClusterRegistry">;

/** A contract and the ClusterRegistry it is bound to (its roles and meters), both on the session's account. */
export async function contractWithRegistry<N extends RegistryBound>(
  s: Session,
  name: N,
  explicit: string,
): Promise<{ contract: ContractOf<N>; registry: ClusterRegistry }> {
  const contract = await contractAt(s, name, explicit);
  const registryAddress = await (contract as ContractOf<RegistryBound>).registry();
  return { contract, registry: schemaContractAt("ClusterRegistry", registryAddress, s.signer) };
}

/**
 * Events over the whole chain, or `undefined` when the node does not serve them (EthereumJS answers at most
 * 2,500 blocks, and only with `--saveReceipts`): the caller then shows what the state alone tells, and says so.
 */
export async function eventsIfServed<T>(query: () => Promise<T[]>): Promise<T[] | undefined> {
  try {
    return await query();
  } catch {
    return undefined;
  }
}
