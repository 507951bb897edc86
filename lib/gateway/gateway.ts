/**
 * A node's gateway, composed: store + ingest + scheduler + outbox over one chain connection, and the
 * attestation exchange with the other voters (SPEC 6). No HTTP here (server.ts puts fastify in front), so
 * every behaviour is testable by calling methods.
 */
import { Wallet, getAddress, type Provider, type TypedDataDomain } from "ethers";
import {
  attestationOf,
  ledgerDomain,
  signAttestation,
  type SignedAttestation,
} from "../batches/attestation.js";
import { gridDomain } from "../batches/reading.js";
import { receiveAttestations, type AttestationVerdict } from "./attestations.js";
import { EthersChainView } from "./chain.js";
import { ingest, type IngestContext, type Verdict } from "./ingest.js";
import { renderMetrics, type Gauge } from "./metrics.js";
import { Outbox, type AttestationTiming, type OutboxOptions, type PumpResult } from "./outbox.js";
import { Scheduler, type TickResult } from "./scheduler.js";
import { GatewayStore } from "./store.js";
import type { AttestationPeers, BatchBuilder, ChainView, ReadingProof } from "./types.js";

export interface GatewayConfig {
  /** SQLite file (created if missing). */
  readonly dbFile: string;
  readonly provider: Provider;
  /** The node's private key: it signs attestations, submissions and tamper reports. */
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
  /** When to submit attestations (default: outbox.ts DEFAULT_ATTESTATION_TIMING). */
  readonly timing?: AttestationTiming;
  /** Where this node's attestations go after a period closes (the parent's gateway); none: self-submit only. */
  readonly peers?: AttestationPeers;
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
    /** The ledger's EIP-712 domain: attestations are signed and verified in it. */
    readonly ledgerDomain: TypedDataDomain,
    readonly scheduler: Scheduler,
    readonly outbox: Outbox,
    private readonly wallet: Wallet,
    private readonly peers: AttestationPeers | undefined,
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
        ...(cfg.timing ? { timing: cfg.timing } : {}),
        ...cfg.outbox,
      });
      return new Gateway(
        store,
        chain,
        gridDomain(chainId, cfg.registry),
        ledgerDomain(chainId, cfg.ledger),
        scheduler,
        outbox,
        wallet,
        cfg.peers,
      );
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
    const tick = await this.closePeriods();
    const outbox = tick === null ? null : await this.pumpOutbox();
    return { tick, outbox };
  }

  /**
   * Close ready periods (build, store, enqueue this node's attestation) and hand this node's attestations of
   * the clusters it neighbours to their parents. Null when the chain could not be reached (see /health).
   */
  async closePeriods(): Promise<TickResult | null> {
    try {
      const tick = await this.scheduler.tick();
      await this.forward(tick);
      this.lastError = null;
      return tick;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      return null;
    } finally {
      this.lastTickAt = Date.now();
    }
  }

  /** Act on the outbox. Null when the chain could not be reached (see /health). */
  async pumpOutbox(): Promise<PumpResult | null> {
    try {
      return await this.outbox.pump();
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      return null;
    }
  }

  /** This node's attestation of a cluster-period it built a batch for (undefined when it built none). */
  async ownAttestation(clusterId: number, period: number): Promise<SignedAttestation | undefined> {
    const b = this.store.getBatch(clusterId, period);
    if (!b) return undefined;
    return signAttestation(this.wallet, this.ledgerDomain, attestationOf(b.header));
  }

  /** Verify and hold other voters' attestations (one or an array); each gets its own verdict. */
  receiveAttestations(body: unknown): Promise<AttestationVerdict[]> {
    return receiveAttestations(
      {
        store: this.store,
        chain: this.chain,
        domain: this.ledgerDomain,
        served: () => this.scheduler.servedClusters(),
      },
      body,
    );
  }

  /**
   * Hand this node's attestations of the batches it just built as a neighbour to each batch's parent. A peer
   * that cannot be reached is no error: the outbox submits the attestation itself later (SPEC 6 fallback).
   */
  private async forward(tick: TickResult): Promise<void> {
    if (!this.peers) return;
    for (const c of tick.closed) {
      if (c.leafCount === 0 || this.scheduler.servedClusters().get(c.clusterId) !== "neighbour") continue;
      const own = await this.ownAttestation(c.clusterId, c.period);
      const [parent] = await this.chain.batchVoters(c.clusterId, c.period);
      if (!own || !parent) continue;
      try {
        await this.peers.deliver(parent, [own]);
        this.store.bump("attestations_forwarded");
      } catch {
        // The parent is down or refused it: the attestation goes on chain by this node's own submission.
      }
    }
  }

  /** IBatchLedger.ReadingProof of an accepted, batched reading (undefined when not held). */
  proofFor(meter: string, period: number): ReadingProof | undefined {
    return this.store.proofFor(getAddress(meter), period);
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
