/**
 * A node's gateway, composed: store + ingest + scheduler + outbox over one chain connection. No HTTP here
 * (server.ts puts fastify in front), so every behaviour is testable by calling methods.
 */
import { Wallet, getAddress, type Provider, type TypedDataDomain } from "ethers";
import { gridDomain } from "../batches/reading.js";
import { EthersChainView } from "./chain.js";
import { ingest, type IngestContext, type Verdict } from "./ingest.js";
import { renderMetrics, type Gauge } from "./metrics.js";
import { Outbox, type OutboxOptions, type PumpResult } from "./outbox.js";
import { Scheduler, type TickResult } from "./scheduler.js";
import { GatewayStore } from "./store.js";
import type { AbsenceProof, BatchBuilder, ChainView, ReadingProof } from "./types.js";

export interface GatewayConfig {
  /** SQLite file (created if missing). */
  readonly dbFile: string;
  readonly provider: Provider;
  /** The node's private key: it signs proposals, votes and tamper reports. */
  readonly nodeKey: string;
  readonly registry: string;
  readonly ledger: string;
  readonly build: BatchBuilder;
  readonly graceSeconds?: number;
  readonly startPeriod?: number;
  /** Outbox tuning (backoff, receipt polling); tests shorten it. */
  readonly outbox?: Partial<
    Pick<
      OutboxOptions,
      "baseBackoffMs" | "maxBackoffMs" | "receiptPolls" | "receiptPollMs" | "broadcastAttempts" | "onStep"
    >
  >;
  /** Override the chain view (tests, fault injection). */
  readonly chain?: ChainView;
}

export interface Health {
  readonly status: "ok" | "degraded";
  readonly node: string;
  readonly served: { clusterId: number; role: string; nextPeriod: number | undefined }[];
  readonly lastTickAt: number | null;
  readonly lastError: string | null;
  readonly openOutbox: number;
}

export class Gateway {
  readonly node: string;
  private lastTickAt: number | null = null;
  private lastError: string | null = null;

  private constructor(
    readonly store: GatewayStore,
    readonly chain: ChainView,
    readonly domain: TypedDataDomain,
    readonly scheduler: Scheduler,
    readonly outbox: Outbox,
    wallet: Wallet,
  ) {
    this.node = getAddress(wallet.address);
  }

  static async open(cfg: GatewayConfig): Promise<Gateway> {
    const wallet = new Wallet(cfg.nodeKey, cfg.provider);
    const { chainId } = await cfg.provider.getNetwork();
    const chain = cfg.chain ?? new EthersChainView(cfg.provider, cfg.registry, cfg.ledger);
    const store = new GatewayStore(cfg.dbFile);
    try {
      store.bindIdentity({
        chainId: chainId.toString(),
        registry: getAddress(cfg.registry),
        ledger: getAddress(cfg.ledger),
        node: getAddress(wallet.address),
      });
      const scheduler = new Scheduler({
        store,
        chain,
        node: wallet.address,
        build: cfg.build,
        graceSeconds: cfg.graceSeconds,
        startPeriod: cfg.startPeriod,
      });
      await scheduler.refresh();
      const outbox = new Outbox({
        store,
        chain,
        wallet,
        ledger: cfg.ledger,
        registry: cfg.registry,
        ...cfg.outbox,
      });
      return new Gateway(store, chain, gridDomain(chainId, cfg.registry), scheduler, outbox, wallet);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  private get ctx(): IngestContext {
    return {
      store: this.store,
      chain: this.chain,
      domain: this.domain,
      served: () => this.scheduler.servedClusters(),
    };
  }

  /** Verify and store one reading (object) or many (array). */
  ingest(body: unknown): Promise<Verdict[]> {
    return ingest(this.ctx, body);
  }

  /** Close ready periods, then act on the outbox. Chain errors are recorded for /health, not thrown. */
  async tick(): Promise<{ tick: TickResult | null; outbox: PumpResult | null }> {
    let tick: TickResult | null = null;
    let outbox: PumpResult | null = null;
    try {
      tick = await this.scheduler.tick();
      outbox = await this.outbox.pump();
      this.lastError = null;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
    }
    this.lastTickAt = Date.now();
    return { tick, outbox };
  }

  /** IBatchLedger.ReadingProof of an accepted, batched reading (undefined when not held). */
  proofFor(meter: string, period: number): ReadingProof | undefined {
    return this.store.proofFor(getAddress(meter), period);
  }

  /**
   * IBatchLedger.AbsenceProof that the meter's cluster-period batch this node built lacks its reading
   * (undefined when not held; see GatewayStore.absenceFor).
   */
  async absenceFor(meter: string, period: number): Promise<AbsenceProof | undefined> {
    const m = getAddress(meter);
    const { clusterId } = await this.chain.meterInfo(m);
    return clusterId === 0 ? undefined : this.store.absenceFor(m, clusterId, period);
  }

  health(): Health {
    const served = [...this.scheduler.servedClusters()].map(([clusterId, role]) => ({
      clusterId,
      role,
      nextPeriod: this.store.cursor(clusterId),
    }));
    const open = this.store.openOutbox(1000).length;
    return {
      status: this.lastError === null ? "ok" : "degraded",
      node: this.node,
      served,
      lastTickAt: this.lastTickAt,
      lastError: this.lastError,
      openOutbox: open,
    };
  }

  metrics(): string {
    const gauges: Gauge[] = [
      {
        name: "readings_stored",
        help: "Readings currently held (after pruning)",
        value: this.store.countReadings(),
      },
      {
        name: "outbox_open",
        help: "On-chain actions not yet final",
        value: this.store.openOutbox(1000).length,
      },
      { name: "up", help: "1 when the last tick reached the chain", value: this.lastError === null ? 1 : 0 },
    ];
    for (const [clusterId, role] of this.scheduler.servedClusters()) {
      gauges.push({
        name: "next_period",
        help: "Next period to close per served cluster",
        value: this.store.cursor(clusterId) ?? 0,
        labels: { cluster: clusterId, role },
      });
    }
    return renderMetrics(this.store.counters(), gauges);
  }

  close(): void {
    this.store.close();
  }
}
