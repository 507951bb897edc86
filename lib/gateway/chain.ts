/**
 * The gateway's view of the chain through ethers: the registry (topology, meters, clock) and the batch
 * ledger (attestations on record, decisions, the voter set a batch counts against). Human-readable ABIs so the gateway runs without compile artifacts.
 */
import { Contract, Interface, getAddress, type Provider } from "ethers";
import type { ChainView, MeterKindName, MeterRecord, MeterStatusName, ServedCluster } from "./types.js";

export const REGISTRY_ABI = [
  "function epoch() view returns (uint64)",
  "function currentPeriod() view returns (uint32)",
  "function meterInfo(address meter) view returns ((uint32 clusterId, uint8 kind, uint8 status, uint32 fromPeriod, uint32 untilPeriod, address replacedBy, address replaces))",
  "function isReadingAllowed(address meter, uint32 clusterId, uint32 period) view returns (bool)",
  "function votersOf(uint32 clusterId) view returns (address[])",
  "function metersOf(uint32 clusterId) view returns (address[])",
  "function clusterCount() view returns (uint32)",
  "function reportTamper(address meter)",
  "error UnknownMeter(address meter)",
  "error MeterNotActive(address meter, uint8 status)",
  "error NotParentOfMeter(address caller, address meter)",
  "error BeforeEpoch(uint256 timestamp, uint64 epoch)",
];

export const LEDGER_ABI = [
  "function submit(bytes items)",
  "function pendingSlots(uint32 clusterId, uint32 period, bytes32 digest) view returns (uint8)",
  "function votesOf(uint32 clusterId, uint32 period) view returns ((uint8 status, uint32 voterSetVersion, address[] voters, uint8 votedMask, uint8 agreedMask, bytes32 digest, bool missedVotesRecorded))",
  "function batchOf(uint32 clusterId, uint32 period) view returns ((uint8 status, bytes8 root, uint32 leafCount, uint64 totalLoadWh, uint64 totalGenerationWh, uint64 psa, bool parentOverruled))",
  "error FuturePeriod(uint32 clusterId, uint32 period, uint32 currentPeriod)",
  "error VotingClosed(uint32 clusterId, uint32 period, uint32 currentPeriod)",
  "error BatchAlreadyDecided(uint32 clusterId, uint32 period, uint8 status)",
  "error UnknownCluster(uint32 clusterId)",
  "error EmptySubmission()",
  "error TooManyItems(uint256 max)",
  "error MalformedSubmission(uint256 offset)",
  "error ItemsOutOfOrder(uint32 clusterId, uint32 period)",
  "error NoAttestations(uint32 clusterId, uint32 period)",
  "error SlotOutOfRange(uint32 clusterId, uint32 period, uint8 slot, uint256 voterCount)",
  "error DuplicateAttestation(uint32 clusterId, uint32 period, uint8 slot)",
  "error InvalidAttestationSignature(uint32 clusterId, uint32 period, uint8 slot)",
  "error UnassignedSigner(uint32 clusterId, uint32 period, uint8 slot, address signer, address voter)",
  "error WrongAttestationSlot(uint32 clusterId, uint32 period, uint8 slot, address signer)",
  "error VoterMismatch(uint32 clusterId, uint32 period, uint8 slot, address given, address voter)",
];

export const registryInterface = new Interface(REGISTRY_ABI);
export const ledgerInterface = new Interface(LEDGER_ABI);

const KINDS: readonly MeterKindName[] = ["none", "consumer", "prosumer"];
const STATUSES: readonly MeterStatusName[] = ["none", "active", "tampered", "replaced", "removed"];

export class EthersChainView implements ChainView {
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
  ): Promise<{ status: "none" | "pending" | "accepted" | "disputed"; digest: string | null }> {
    const t = await this.tally(clusterId, period);
    const status = (["none", "pending", "accepted", "disputed"] as const)[Number(t.status)] ?? "none";
    return { status, digest: status === "accepted" ? t.digest : null };
  }

  async hasVoted(clusterId: number, period: number, node: string): Promise<boolean> {
    const t = await this.tally(clusterId, period);
    const slot = t.voters.map((v) => getAddress(v)).indexOf(getAddress(node));
    return slot >= 0 && (t.votedMask & (1n << BigInt(slot))) !== 0n;
  }

  async pendingVotes(clusterId: number, period: number, digest: string): Promise<number> {
    const slots = Number(await this.ledger.getFunction("pendingSlots")(clusterId, period, digest));
    return [0, 1, 2, 3].filter((s) => (slots & (1 << s)) !== 0).length;
  }

  async batchVoters(clusterId: number, period: number): Promise<string[]> {
    return (await this.tally(clusterId, period)).voters.map((v) => getAddress(v));
  }
}
