/**
 * The gateway's view of the chain through ethers: the registry (topology, meters, clock) and the batch
 * ledger (vote state). Human-readable ABIs so the gateway runs without compile artifacts.
 */
import { Contract, Interface, getAddress, type Provider } from "ethers";
import { GridShareError } from "../errors.js";
import { registryChangesOf, type ChainHead, type RegistryChanges, type RegistryFeed } from "./chain-cache.js";
import type {
  BatchHeader,
  ChainView,
  MeterKindName,
  MeterRecord,
  MeterStatusName,
  ServedCluster,
} from "./types.js";

const HEADER_TUPLE =
  "(uint32 clusterId, uint32 period, bytes8 root, uint32 leafCount, uint64 totalLoadWh, uint64 totalGenerationWh)";

export const REGISTRY_ABI = [
  "function epoch() view returns (uint64)",
  "function currentPeriod() view returns (uint32)",
  "function meterInfo(address meter) view returns ((uint32 clusterId, uint8 kind, uint8 status, uint32 fromPeriod, uint32 untilPeriod, address replacedBy, address replaces))",
  "function isReadingAllowed(address meter, uint32 clusterId, uint32 period) view returns (bool)",
  "function votersOf(uint32 clusterId) view returns (address[])",
  "function metersOf(uint32 clusterId) view returns (address[])",
  "function clusterCount() view returns (uint32)",
  "function reportTamper(address meter)",
  "event NodeAdded(address indexed node, int64 x, int64 y)",
  "event NodeRemoved(address indexed node)",
  "event ClusterCreated(uint32 indexed clusterId, address indexed parent, int64 x, int64 y)",
  "event NeighboursSet(uint32 indexed clusterId, address[] neighbours)",
  "event MeterAdded(uint32 indexed clusterId, address indexed meter, uint8 kind, uint32 fromPeriod)",
  "event MeterRemoved(uint32 indexed clusterId, address indexed meter, uint32 untilPeriod)",
  "event TamperAlarm(uint32 indexed clusterId, address indexed meter, address indexed reporter, uint64 detectedAt, uint32 untilPeriod)",
  "event MeterReplaced(uint32 indexed clusterId, address indexed oldMeter, address indexed newMeter, string workPermit, uint32 atPeriod)",
  "error UnknownMeter(address meter)",
  "error MeterNotActive(address meter, uint8 status)",
  "error NotParentOfMeter(address caller, address meter)",
  "error BeforeEpoch(uint256 timestamp, uint64 epoch)",
];

export const LEDGER_ABI = [
  `function propose(${HEADER_TUPLE} header)`,
  `function vote(${HEADER_TUPLE} header)`,
  "function registry() view returns (address)",
  "function votesOf(uint32 clusterId, uint32 period) view returns ((uint8 status, uint8 voterCount, uint8 votedMask, bytes32[] candidates, uint8[] counts, uint8[] choiceOf, uint8 winner, bool parentOverruled))",
  "function batchOf(uint32 clusterId, uint32 period) view returns ((uint8 status, bytes8 root, uint32 leafCount, uint64 totalLoadWh, uint64 totalGenerationWh, uint64 psa, uint40 decidedAt, bool parentOverruled))",
  "error FuturePeriod(uint32 clusterId, uint32 period, uint32 currentPeriod)",
  "error VotingClosed(uint32 clusterId, uint32 period, uint32 currentPeriod)",
  "error NotParent(uint32 clusterId, address caller, address parent)",
  "error NotAssignedNeighbour(uint32 clusterId, address caller)",
  "error NotAssignedVoter(uint32 clusterId, address caller)",
  "error VoterAfterSnapshot(uint32 clusterId, uint32 period, address voter, uint256 slot, uint8 voterCount)",
  "error AlreadyProposed(uint32 clusterId, uint32 period, address parent)",
  "error AlreadyVoted(uint32 clusterId, uint32 period, address voter)",
  "error BatchAlreadyDecided(uint32 clusterId, uint32 period, uint8 status)",
  "error UnknownCluster(uint32 clusterId)",
];

export const registryInterface = new Interface(REGISTRY_ABI);
export const ledgerInterface = new Interface(LEDGER_ABI);

const KINDS: readonly MeterKindName[] = ["none", "consumer", "prosumer"];
const STATUSES: readonly MeterStatusName[] = ["none", "active", "tampered", "replaced", "removed"];

/** Header as the ABI tuple ethers encodes. */
export function headerTuple(h: BatchHeader): [number, number, string, number, bigint, bigint] {
  return [h.clusterId, h.period, h.root, h.leafCount, h.totalLoadWh, h.totalGenerationWh];
}

/** The configured registry or ledger is not what it claims: nothing was written. */
export class DeploymentMismatchError extends GridShareError {
  constructor(problem: string) {
    super("DEPLOYMENT_MISMATCH", problem);
  }
}

/** Blocks per eth_getLogs call when catching up on registry events. */
const LOG_CHUNK_BLOCKS = 2_000;

export class EthersChainView implements ChainView, RegistryFeed {
  readonly registry: Contract;
  readonly ledger: Contract;
  private epochCache: bigint | undefined;

  constructor(
    readonly provider: Provider,
    registryAddress: string,
    ledgerAddress: string,
  ) {
    this.registry = new Contract(getAddress(registryAddress), REGISTRY_ABI, provider);
    this.ledger = new Contract(getAddress(ledgerAddress), LEDGER_ABI, provider);
  }

  async now(): Promise<bigint> {
    const b = await this.provider.getBlock("latest");
    if (!b) throw new Error("the chain returned no latest block");
    return BigInt(b.timestamp);
  }

  async epoch(): Promise<bigint> {
    // Immutable in the registry: read once.
    this.epochCache ??= (await this.registry.getFunction("epoch")()) as bigint;
    return this.epochCache;
  }

  async meterInfo(meter: string): Promise<MeterRecord> {
    const m = (await this.registry.getFunction("meterInfo")(meter)) as {
      clusterId: bigint;
      kind: bigint;
      status: bigint;
      fromPeriod: bigint;
      untilPeriod: bigint;
    };
    return {
      clusterId: Number(m.clusterId),
      kind: KINDS[Number(m.kind)] ?? "none",
      status: STATUSES[Number(m.status)] ?? "none",
      fromPeriod: Number(m.fromPeriod),
      untilPeriod: Number(m.untilPeriod),
    };
  }

  async isReadingAllowed(meter: string, clusterId: number, period: number): Promise<boolean> {
    return (await this.registry.getFunction("isReadingAllowed")(meter, clusterId, period)) as boolean;
  }

  async metersOf(clusterId: number): Promise<string[]> {
    return [...((await this.registry.getFunction("metersOf")(clusterId)) as string[])];
  }

  async servedClusters(node: string): Promise<ServedCluster[]> {
    const n = Number(await this.registry.getFunction("clusterCount")());
    const out: ServedCluster[] = [];
    const me = getAddress(node);
    for (let c = 1; c <= n; c++) {
      const voters = (await this.registry.getFunction("votersOf")(c)) as string[];
      const slot = voters.indexOf(me);
      if (slot === 0) out.push({ clusterId: c, role: "parent" });
      else if (slot > 0) out.push({ clusterId: c, role: "neighbour" });
    }
    return out;
  }

  async decision(
    clusterId: number,
    period: number,
  ): Promise<{ status: "none" | "pending" | "accepted" | "disputed"; digest: string | null }> {
    const t = (await this.ledger.getFunction("votesOf")(clusterId, period)) as {
      status: bigint;
      candidates: string[];
      winner: bigint;
    };
    const status = (["none", "pending", "accepted", "disputed"] as const)[Number(t.status)] ?? "none";
    return { status, digest: status === "accepted" ? (t.candidates[Number(t.winner)] ?? null) : null };
  }

  async hasVoted(clusterId: number, period: number, node: string): Promise<boolean> {
    const t = (await this.ledger.getFunction("votesOf")(clusterId, period)) as {
      voterCount: bigint;
      votedMask: bigint;
    };
    if (t.voterCount === 0n) return false;
    // Slots follow votersOf order (snapshotted at the first vote; the utility does not reorder mid-period).
    const voters = (await this.registry.getFunction("votersOf")(clusterId)) as string[];
    const slot = voters.indexOf(getAddress(node));
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
      await this.registry.getFunction("epoch")();
    } catch (e) {
      throw new DeploymentMismatchError(
        `${registry} is not a ClusterRegistry (epoch() failed: ${shortError(e)}): are --registry and --ledger swapped?`,
      );
    }
    let owner: string;
    try {
      owner = getAddress((await this.ledger.getFunction("registry")()) as string);
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
}

function shortError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0]?.slice(0, 160) ?? m;
}
