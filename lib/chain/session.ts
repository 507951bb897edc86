/**
 * An operator's session on a GridShare chain: the acting account, the chain id, and the GridShare contracts
 * connected by name (an explicit address, else the environment, else the Ignition deployment).
 */
import type { Provider, Signer } from "ethers";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { InvalidArgumentError } from "../errors.js";
import { parseAddress, parseOptional } from "../args.js";
import type { ContractName } from "./contracts.js";
import { resolveContract } from "./deployment.js";
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
}

/**
 * Pick the acting account: `from` when given (it must be one of the configuration's accounts), else the
 * first account.
 */
export async function openSession(accounts: Accounts, from = ""): Promise<Session> {
  const wanted = parseOptional(from, (v) => parseAddress("from", v));
  const { chainId } = await accounts.provider.getNetwork();
  const signers = await accounts.getSigners();
  const signer = wanted === undefined ? signers[0] : signers.find((s) => s.address === wanted);
  if (signer === undefined) {
    throw new InvalidArgumentError("from", `${wanted} is not an account of this network's configuration`);
  }
  return { chainId, signer };
}

/** Seconds of the latest block: the chain's "now". */
export async function chainNow(s: Session): Promise<bigint> {
  const block = await s.signer.provider?.getBlock("latest");
  return BigInt(block?.timestamp ?? 0);
}

export type ContractOf<N extends ContractName> = Contracts[N];

/** A GridShare contract connected to the session's account; `explicit` ("" = not given) wins. */
export function contractAt<N extends ContractName>(s: Session, name: N, explicit: string): ContractOf<N> {
  const address = resolveContract(name, s.chainId, explicit || undefined);
  return schemaContractAt(name, address, s.signer);
}

/** The contracts that know their registry. */
export type RegistryBound = Exclude<ContractName, "ClusterRegistry">;

/** A contract and the ClusterRegistry it is bound to (its roles and meters), both on the session's account. */
export async function contractWithRegistry<N extends RegistryBound>(
  s: Session,
  name: N,
  explicit: string,
): Promise<{ contract: ContractOf<N>; registry: ClusterRegistry }> {
  const contract = contractAt(s, name, explicit);
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
