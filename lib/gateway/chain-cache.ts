/**
 * The chain view the gateway checks readings against, cached: meter records, cluster meters and served
 * clusters are kept in memory and dropped when a registry event names them; the clock (latest block
 * time) is re-read at most once per `clockTtlMs`. Without it every reading cost two eth_calls.
 *
 * A cached answer can only be as old as the last sync (each tick, and each ingest once the clock is
 * older than its TTL); a refusal that depends on chain state is re-checked after a fresh sync by ingest,
 * and the scheduler re-checks every reading against a fresh sync when it closes a period.
 */
import { getAddress, type LogDescription } from "ethers";
import { checksumAddress } from "../address.js";
import type { ChainView, MeterRecord, ServedCluster } from "./types.js";

export interface ChainHead {
  readonly number: number;
  readonly timestamp: bigint;
}

/** What registry events in a block range touched. */
export interface RegistryChanges {
  /** Meters whose record changed (added, removed, tampered, replaced). */
  readonly meters: readonly string[];
  /** Clusters whose meter list changed. */
  readonly clusters: readonly number[];
  /** Nodes, clusters or neighbours changed: served clusters must be re-read. */
  readonly topology: boolean;
}

/** A chain view that can say what changed in the registry. */
export interface RegistryFeed {
  head(): Promise<ChainHead>;
  registryChanges(from: number, to: number): Promise<RegistryChanges>;
}

const METER_EVENTS = new Set(["MeterAdded", "MeterRemoved", "TamperAlarm", "MeterReplaced"]);

/** Changes named by decoded registry logs (null: a log this ABI does not know, so assume anything). */
export function registryChangesOf(logs: readonly (LogDescription | null)[]): RegistryChanges {
  const meters = new Set<string>();
  const clusters = new Set<number>();
  let topology = false;
  for (const l of logs) {
    if (!l) {
      topology = true;
      continue;
    }
    if (METER_EVENTS.has(l.name)) {
      clusters.add(Number(l.args.getValue("clusterId")));
      for (const key of ["meter", "oldMeter", "newMeter"]) {
        if (l.fragment.inputs.some((i) => i.name === key))
          meters.add(getAddress(String(l.args.getValue(key))));
      }
    } else topology = true;
  }
  return { meters: [...meters], clusters: [...clusters], topology };
}

/** Blocks re-scanned at each sync, so a shallow reorganisation of the chain is not missed. */
const REORG_OVERLAP_BLOCKS = 6;
/** Meter records kept at most (unknown addresses are cached too, so junk must not grow it forever). */
const MAX_CACHED_METERS = 200_000;
/** Default age of the cached clock before ingest re-reads it. */
export const CLOCK_TTL_MS = 1_000;

export class CachedChainView implements ChainView {
  private readonly meters = new Map<string, MeterRecord>();
  private readonly clusterMeters = new Map<number, string[]>();
  private served: { node: string; list: ServedCluster[] } | undefined;
  private scanned: number | undefined;
  private clock: { timestamp: bigint; at: number } | undefined;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly inner: ChainView & RegistryFeed,
    private readonly wall: () => number = Date.now,
  ) {}

  /** Milliseconds since the last successful sync (Infinity before the first). */
  age(): number {
    return this.clock ? this.wall() - this.clock.at : Infinity;
  }

  /** Read the head, drop what registry events since the last sync touched. Concurrent calls share one. */
  sync(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const head = await this.inner.head();
    if (this.scanned !== undefined && head.number > this.scanned - REORG_OVERLAP_BLOCKS) {
      const from = Math.max(0, this.scanned + 1 - REORG_OVERLAP_BLOCKS);
      const changes = await this.inner.registryChanges(from, head.number);
      for (const m of changes.meters) this.meters.delete(m);
      for (const c of changes.clusters) this.clusterMeters.delete(c);
      if (changes.topology) this.served = undefined;
    }
    this.scanned = head.number;
    this.clock = { timestamp: head.timestamp, at: this.wall() };
  }

  async now(): Promise<bigint> {
    if (!this.clock || this.age() > CLOCK_TTL_MS) await this.sync();
    return (this.clock as { timestamp: bigint }).timestamp;
  }

  epoch(): Promise<bigint> {
    return this.inner.epoch();
  }

  async meterInfo(meter: string): Promise<MeterRecord> {
    const key = checksumAddress(meter);
    const hit = this.meters.get(key);
    if (hit) return hit;
    const m = await this.inner.meterInfo(key);
    if (this.meters.size >= MAX_CACHED_METERS) this.meters.clear();
    this.meters.set(key, m);
    return m;
  }

  /** ClusterRegistry.isReadingAllowed, from the cached meter record. */
  async isReadingAllowed(meter: string, clusterId: number, period: number): Promise<boolean> {
    const m = await this.meterInfo(meter);
    return m.clusterId === clusterId && clusterId !== 0 && period >= m.fromPeriod && period < m.untilPeriod;
  }

  async metersOf(clusterId: number): Promise<string[]> {
    let list = this.clusterMeters.get(clusterId);
    if (!list) {
      list = await this.inner.metersOf(clusterId);
      this.clusterMeters.set(clusterId, list);
    }
    return [...list];
  }

  async servedClusters(node: string): Promise<ServedCluster[]> {
    const key = getAddress(node);
    if (this.served?.node !== key) this.served = { node: key, list: await this.inner.servedClusters(key) };
    return [...this.served.list];
  }

  decision(clusterId: number, period: number): ReturnType<ChainView["decision"]> {
    return this.inner.decision(clusterId, period);
  }

  hasVoted(clusterId: number, period: number, node: string): Promise<boolean> {
    return this.inner.hasVoted(clusterId, period, node);
  }

  batchVoters(clusterId: number, period: number): Promise<string[]> {
    return this.inner.batchVoters(clusterId, period);
  }

  pendingVotes(clusterId: number, period: number, digest: string): Promise<number> {
    return this.inner.pendingVotes(clusterId, period, digest);
  }
}
