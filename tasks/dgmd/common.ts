/** What every dgmd:* action shares: the connection, the contract, the acting DGMD account, pre-flight checks. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type {
  CapacityCertificates,
  ClusterRegistry,
  TariffSchedule,
} from "../../types/ethers-contracts/index.js";
import { resolveContract } from "../../lib/chain/deployment.js";
import { parseAddress } from "../../lib/args.js";
import { GridShareError, InvalidArgumentError } from "../../lib/errors.js";

type Connection = Awaited<ReturnType<HardhatRuntimeEnvironment["network"]["getOrCreate"]>>;

export interface Session {
  readonly ethers: Connection["ethers"];
  readonly chainId: bigint;
  readonly signer: HardhatEthersSigner;
  /** Seconds of the latest block (the chain's "now"). */
  readonly now: bigint;
}

/**
 * Connect and pick the acting account: `--from` when given (must be one of the network's accounts), else the
 * first account.
 */
export async function openSession(hre: HardhatRuntimeEnvironment, from: string): Promise<Session> {
  const wanted = from === "" ? undefined : parseAddress("from", from);
  const { ethers } = await hre.network.getOrCreate();
  const { chainId } = await ethers.provider.getNetwork();
  const signers = await ethers.getSigners();
  const signer = wanted === undefined ? signers[0] : signers.find((s) => s.address === wanted);
  if (signer === undefined) {
    throw new InvalidArgumentError("from", `${wanted} is not an account of this network's configuration`);
  }
  const block = await ethers.provider.getBlock("latest");
  return { ethers, chainId, signer, now: BigInt(block?.timestamp ?? 0) };
}

export async function certificatesAt(
  s: Session,
  option: string,
): Promise<{ certs: CapacityCertificates; registry: ClusterRegistry }> {
  const address = resolveContract("CapacityCertificates", s.chainId, option || undefined);
  const certs = (await s.ethers.getContractAt(
    "CapacityCertificates",
    address,
    s.signer,
  )) as unknown as CapacityCertificates;
  const registry = (await s.ethers.getContractAt(
    "ClusterRegistry",
    await certs.registry(),
    s.signer,
  )) as unknown as ClusterRegistry;
  return { certs, registry };
}

export async function tariffsAt(
  s: Session,
  option: string,
): Promise<{ tariffs: TariffSchedule; registry: ClusterRegistry }> {
  const address = resolveContract("TariffSchedule", s.chainId, option || undefined);
  const tariffs = (await s.ethers.getContractAt(
    "TariffSchedule",
    address,
    s.signer,
  )) as unknown as TariffSchedule;
  const registry = (await s.ethers.getContractAt(
    "ClusterRegistry",
    await tariffs.registry(),
    s.signer,
  )) as unknown as ClusterRegistry;
  return { tariffs, registry };
}

/** Refuse before sending when the acting account lacks the DGMD role. */
export async function requireDgmd(registry: ClusterRegistry, signer: HardhatEthersSigner): Promise<void> {
  if (!(await registry.isDgmd(signer.address))) {
    throw new GridShareError(
      "NOT_DGMD",
      `${signer.address} does not hold the DGMD role: act with the DGMD account (--from <address>)`,
    );
  }
}

export const METER_KIND_NAMES = ["none", "consumer", "prosumer"] as const;
export const METER_STATUS_NAMES = ["none", "active", "tampered", "replaced", "removed"] as const;
