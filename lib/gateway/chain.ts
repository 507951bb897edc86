/**
 * The gateway's view of the chain through ethers: the registry (topology, meters, clock) and the batch
 * ledger (attestations on record, decisions, the voter set a batch counts against), typed by TypeChain and
 * built from the compiled ABIs of lib/chain/schema.ts (which also decode every custom error the contracts can
 * revert with).
 */
import { Interface, getAddress, type Provider } from "ethers";
import type { BatchLedger, ClusterRegistry } from "../../types/ethers-contracts/index.js";
import {
  abis,
  contractAt,
  BatchStatus,
  MeterKind,
  MeterStatus,
  type BatchStatusName,
} from "../chain/schema.js";
import { GridShareError } from "../errors.js";
import { registryChangesOf, type ChainHead, type RegistryChanges, type RegistryFeed } from "./chain-cache.js";
import type { ChainView, MeterRecord, ServedCluster } from "./types.js";

export const registryInterface = new Interface(abis.ClusterRegistry);
export const ledgerInterface = new Interface(abis.BatchLedger);

/** The configured registry or ledger is not what it claims: nothing was written. */
export class DeploymentMismatchError extends GridShareError {
  constructor(problem: string) {
    super("DEPLOYMENT_MISMATCH", problem);
  }
}

/** Blocks per eth_getLogs call when catching up on registry events. */
const LOG_CHUNK_BLOCKS = 2_000;

export class EthersChainView implements ChainView, RegistryFeed {
  readonly registry: ClusterRegistry;
  readonly ledger: BatchLedger;
  private epochCache: bigint | undefined;

  constructor(
    readonly provider: Provider,
    registryAddress: string,
    ledgerAddress: string,
  ) {
    this.registry = contractAt("ClusterRegistry", getAddress(registryAddress), provider);
    this.ledger = contractAt("BatchLedger", getAddress(ledgerAddress), provider);
  }

  async now(): Promise<bigint> {
    const b = await this.provider.getBlock("latest");
    if (!b) throw new Error("the chain returned no latest block");
    return BigInt(b.timestamp);
  }

  async epoch(): Promise<bigint> {
    // Immutable in the registry: read once.
    this.epochCache ??= await this.registry.epoch();
    return this.epochCache;
  }

  async meterInfo(meter: string): Promise<MeterRecord> {
    const m = await this.registry.meterInfo(meter);
    return {
      clusterId: Number(m.clusterId),
      kind: MeterKind.nameOf(m.kind),
      status: MeterStatus.nameOf(m.status),
      fromPeriod: Number(m.fromPeriod),
      untilPeriod: Number(m.untilPeriod),
    };
  }

  async isReadingAllowed(meter: string, clusterId: number, period: number): Promise<boolean> {
    return this.registry.isReadingAllowed(meter, clusterId, period);
  }

  async metersOf(clusterId: number): Promise<string[]> {
    return [...(await this.registry.metersOf(clusterId))];
  }

  async servedClusters(node: string): Promise<ServedCluster[]> {
    const n = Number(await this.registry.clusterCount());
    const out: ServedCluster[] = [];
    const me = getAddress(node);
    for (let c = 1; c <= n; c++) {
      const voters = await this.registry.votersOf(c);
      const slot = voters.indexOf(me);
      if (slot === 0) out.push({ clusterId: c, role: "parent" });
      else if (slot > 0) out.push({ clusterId: c, role: "neighbour" });
    }
    return out;
  }

  private async tally(clusterId: number, period: number) {
    return (await this.ledger.getFunction("votesOf")(clusterId, period)) as {
      status: bigint;
      voters: string[];
      votedMask: bigint;
      digest: string;
    };
  }

  async decision(
    clusterId: number,
    period: number,
  ): Promise<{ status: BatchStatusName; digest: string | null }> {
    const t = await this.ledger.votesOf(clusterId, period);
    return {
      status: BatchStatus.nameOf(t.status),
      digest: t.status === BatchStatus.Accepted ? t.digest : null,
    };
  }

  async hasVoted(clusterId: number, period: number, node: string): Promise<boolean> {
    const t = await this.ledger.votesOf(clusterId, period);
    const slot = t.voters.map((v) => getAddress(v)).indexOf(getAddress(node));
    return slot >= 0 && (t.votedMask & (1n << BigInt(slot))) !== 0n;
  }

  /** Latest block number and time, in one call. */
  async head(): Promise<ChainHead> {
    const b = await this.provider.getBlock("latest");
    if (!b) throw new Error("the chain returned no latest block");
    return { number: b.number, timestamp: BigInt(b.timestamp) };
  }

  /** Meters and clusters named by registry events in blocks `from..to`. */
  async registryChanges(from: number, to: number): Promise<RegistryChanges> {
    const logs = [];
    const address = await this.registry.getAddress();
    for (let a = from; a <= to; a += LOG_CHUNK_BLOCKS) {
      const b = Math.min(to, a + LOG_CHUNK_BLOCKS - 1);
      logs.push(...(await this.provider.getLogs({ address, fromBlock: a, toBlock: b })));
    }
    return registryChangesOf(logs.map((l) => registryInterface.parseLog(l)));
  }

  /**
   * Refuse a registry that is not a ClusterRegistry, or a ledger that belongs to another registry (the
   * two addresses swapped, or a stale deployment), before any state is bound to them.
   */
  async checkDeployment(): Promise<void> {
    const registry = await this.registry.getAddress();
    const ledger = await this.ledger.getAddress();
    try {
      await this.registry.epoch();
    } catch (e) {
      throw new DeploymentMismatchError(
        `${registry} is not a ClusterRegistry (epoch() failed: ${shortError(e)}): are --registry and --ledger swapped?`,
      );
    }
    let owner: string;
    try {
      owner = getAddress(await this.ledger.registry());
    } catch (e) {
      throw new DeploymentMismatchError(
        `${ledger} is not a BatchLedger (registry() failed: ${shortError(e)}): are --registry and --ledger swapped?`,
      );
    }
    if (owner !== registry) {
      throw new DeploymentMismatchError(
        `ledger ${ledger} belongs to registry ${owner}, not ${registry}: use the addresses of one deployment`,
      );
    }
  }

  /** How many of the batch's voters have attested this digest and wait for it to be submitted. */
  async pendingVotes(clusterId: number, period: number, digest: string): Promise<number> {
    const slots = Number(await this.ledger.pendingSlots(clusterId, period, digest));
    return [0, 1, 2, 3].filter((s) => (slots & (1 << s)) !== 0).length;
  }

  /** The voter set fixed at the batch's first vote. */
  async batchVoters(clusterId: number, period: number): Promise<string[]> {
    return (await this.ledger.votesOf(clusterId, period)).voters.map((v) => getAddress(v));
  }
}

function shortError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0]?.slice(0, 160) ?? m;
}
