/**
 * A node's gateway, composed: store + ingest + scheduler + outbox over one chain connection, and the
 * attestation exchange with the other voters (SPEC 6). No HTTP here (server.ts puts fastify in front), so every behaviour is testable by calling methods. What an operator
 * must know (chain outages, refused or reverted transactions, closed periods) goes to the log it is
 * given (the server's pino logger) and shows in health().
 */
import { Wallet, getAddress, type Provider, type TypedDataDomain } from "ethers";
import { PERIOD_SECONDS } from "../constants.js";
import { GridShareError } from "../errors.js";
import {
  attestationOf,
  ledgerDomain,
  signAttestation,
  type SignedAttestation,
} from "../batches/attestation.js";
import { gridDomain } from "../batches/reading.js";
import { receiveAttestations, type AttestationVerdict } from "./attestations.js";
import { CachedChainView, CLOCK_TTL_MS } from "./chain-cache.js";
import { EthersChainView } from "./chain.js";
import {
  ChainUnavailableError,
  ingestReport,
  type IngestContext,
  type IngestOptions,
  type IngestReport,
  type Verdict,
} from "./ingest.js";
import { GroupCommit } from "./group-commit.js";
import { renderMetrics, type Gauge } from "./metrics.js";
import { Outbox, type AttestationTiming, type OutboxOptions, type PumpResult } from "./outbox.js";
import { Scheduler, type TickResult } from "./scheduler.js";
import { GatewayStore, type OutboxRow } from "./store.js";
import type { AbsenceProof, AttestationPeers, BatchBuilder, ChainView, ReadingProof } from "./types.js";
import { ReadingHasher } from "./verify/digest.js";
import { RecoveryPool, type RecoveryInfo } from "./verify/pool.js";

/** The logger the gateway writes to: pino's (and so fastify's) `(object, message)` methods. */
export interface GatewayLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const SILENT: GatewayLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A rejected or reverted transaction keeps /health degraded for one period after it ended. */
export const FAILED_TX_WINDOW_MS = PERIOD_SECONDS * 1000;

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
  /** Override the chain view (tests, fault injection); used as given, without the cache. */
  readonly chain?: ChainView;
  /** Signature-recovery worker threads (default: one per core; 0 recovers on the main thread). */
  readonly recoveryThreads?: number;
  /** Quarantine rows kept at most. */
  readonly quarantineCap?: number;
  readonly log?: GatewayLog;
  /** When to submit attestations (default: outbox.ts DEFAULT_ATTESTATION_TIMING). */
  readonly timing?: AttestationTiming;
  /** Where this node's attestations go after a period closes (the parent's gateway); none: self-submit only. */
  readonly peers?: AttestationPeers;
}

export interface ChainStatus {
  readonly reachable: boolean;
  /** When the current outage began (ISO time), null while reachable. */
  readonly downSince: string | null;
  readonly lastError: string | null;
}

export interface Health {
  readonly status: "ok" | "degraded";
  /** Why it is degraded, each a sentence an operator can act on (empty when ok). */
  readonly reasons: string[];
  readonly node: string;
  /** The EIP-712 domain readings must be signed for. */
  readonly domain: { chainId: string; verifyingContract: string };
  readonly chain: ChainStatus;
  readonly recovery: RecoveryInfo;
  readonly served: { clusterId: number; role: string; nextPeriod: number | undefined }[];
  readonly lastTickAt: number | null;
  readonly lastError: string | null;
  readonly openOutbox: number;
  readonly quarantined: number;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]?.slice(0, 300) ?? "";
}

/** A proof the gateway serves, or why not: none held here, or held against a batch the ledger did not accept. */
export type Served<T> =
  | { readonly kind: "served"; readonly value: T }
  | { readonly kind: "notHeld" }
  | { readonly kind: "notAccepted"; readonly reason: string };

export class Gateway {
  readonly node: string;
  private lastTickAt: number | null = null;
  private lastError: string | null = null;
  private chainDownSince: number | null = null;
  private chainError: string | null = null;
  private log: GatewayLog;
  private readonly hasher: ReadingHasher;
  private readonly commits: GroupCommit;
  /** Requests turned away by the refusal limit since start (in memory: a 429 must cost no disk write). */
  private limited = 0;

  private constructor(
    readonly store: GatewayStore,
    readonly chain: ChainView,
    readonly domain: TypedDataDomain,
    /** The ledger's EIP-712 domain: attestations are signed and verified in it. */
    readonly ledgerDomain: TypedDataDomain,
    readonly scheduler: Scheduler,
    readonly outbox: Outbox,
    readonly recovery: RecoveryPool,
    private readonly cache: CachedChainView | null,
    private readonly wallet: Wallet,
    private readonly peers: AttestationPeers | undefined,
    log: GatewayLog,
  ) {
    this.node = getAddress(wallet.address);
    this.log = log;
    this.hasher = new ReadingHasher(domain);
    this.commits = new GroupCommit(store);
  }

  static async open(cfg: GatewayConfig): Promise<Gateway> {
    const wallet = new Wallet(cfg.nodeKey, cfg.provider);
    const { chainId } = await cfg.provider.getNetwork();
    let raw: ChainView;
    let cache: CachedChainView | null = null;
    if (cfg.chain) raw = cfg.chain;
    else {
      const ethersView = new EthersChainView(cfg.provider, cfg.registry, cfg.ledger);
      // Before anything is bound to these addresses: a swapped pair must not pin the database.
      await ethersView.checkDeployment();
      raw = ethersView;
      cache = new CachedChainView(ethersView);
      await cache.sync();
    }
    const view = cache ?? raw;
    const store = new GatewayStore(cfg.dbFile, { quarantineCap: cfg.quarantineCap });
    let recovery: RecoveryPool | undefined;
    try {
      const scheduler = new Scheduler({
        store,
        chain: view,
        node: wallet.address,
        build: cfg.build,
        graceSeconds: cfg.graceSeconds,
        startPeriod: cfg.startPeriod,
      });
      await scheduler.refresh();
      // Only now, with the chain answering as a GridShare deployment, is the database bound to it.
      store.bindIdentity({
        chainId: chainId.toString(),
        registry: getAddress(cfg.registry),
        ledger: getAddress(cfg.ledger),
        node: getAddress(wallet.address),
      });
      let gateway: Gateway | undefined;
      const userStep = cfg.outbox?.onStep;
      const outbox = new Outbox({
        store,
        // The outbox asks whether an effect is already on chain: always fresh, never cached.
        chain: raw,
        wallet,
        ledger: cfg.ledger,
        registry: cfg.registry,
        ...(cfg.timing ? { timing: cfg.timing } : {}),
        ...cfg.outbox,
        onStep: (step, row) => {
          if (step === "final") gateway?.finished(row);
          userStep?.(step, row);
        },
      });
      recovery = new RecoveryPool(cfg.recoveryThreads);
      gateway = new Gateway(
        store,
        view,
        gridDomain(chainId, cfg.registry),
        ledgerDomain(chainId, cfg.ledger),
        scheduler,
        outbox,
        recovery,
        cache,
        wallet,
        cfg.peers,
        cfg.log ?? SILENT,
      );
      return gateway;
    } catch (e) {
      void recovery?.close();
      store.close();
      throw e;
    }
  }

  /** Send the gateway's events to `log` (the server passes fastify's logger). */
  useLog(log: GatewayLog): void {
    this.log = log;
  }

  private get ctx(): IngestContext {
    return {
      store: this.store,
      chain: this.chain,
      domain: this.domain,
      hasher: this.hasher,
      recovery: this.recovery,
      served: () => this.scheduler.servedClusters(),
      admit: (items, now, allowance) => this.commits.admit(items, now, allowance),
      ...(this.cache ? { refresh: () => this.syncCache() } : {}),
    };
  }

  private async syncCache(): Promise<void> {
    if (!this.cache) return;
    try {
      await this.cache.sync();
    } catch (e) {
      this.chainDown(e);
      throw new ChainUnavailableError(e);
    }
    this.chainUp();
  }

  private chainDown(e: unknown): void {
    this.chainError = message(e);
    if (this.chainDownSince !== null) return;
    this.chainDownSince = Date.now();
    this.log.warn(
      { event: "chain_down", error: this.chainError },
      "chain unreachable: readings are answered 503 until it is back, no period closes",
    );
  }

  private chainUp(): void {
    if (this.chainDownSince === null) return;
    const downMs = Date.now() - this.chainDownSince;
    this.chainDownSince = null;
    this.chainError = null;
    this.log.info({ event: "chain_up", downMs }, "chain reachable again");
  }

  /** A request was answered 429 (refusal allowance spent). */
  noteLimited(): void {
    this.limited++;
  }

  /** Whether the last chain read failed (readings are then answered 503). */
  get chainReachable(): boolean {
    return this.chainDownSince === null;
  }

  /**
   * Verify and store one reading (object) or many (array) in one transaction. Throws
   * ChainUnavailableError, storing nothing, while the chain cannot be read.
   */
  async ingestReport(body: unknown, opts: IngestOptions = {}): Promise<IngestReport> {
    // The cached clock and meters are re-read when old, and on every request while the chain is down.
    this.commits.begin();
    try {
      if (this.cache && (this.chainDownSince !== null || this.cache.age() > CLOCK_TTL_MS))
        await this.syncCache();
      return await ingestReport(this.ctx, body, opts);
    } catch (e) {
      if (e instanceof ChainUnavailableError) this.chainDown(e.cause ?? e);
      throw e;
    } finally {
      this.commits.end();
    }
  }

  /** Verify and store one reading (object) or many (array). */
  async ingest(body: unknown): Promise<Verdict[]> {
    return (await this.ingestReport(body)).verdicts;
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
    let tick: TickResult | null = null;
    try {
      if (this.cache) await this.cache.sync();
      tick = await this.scheduler.tick();
      await this.forward(tick);
      this.lastError = null;
      this.chainUp();
    } catch (e) {
      this.failed(e);
    } finally {
      this.lastTickAt = Date.now();
    }
    for (const c of tick?.closed ?? []) {
      this.log.info(
        { event: "period_closed", clusterId: c.clusterId, period: c.period, readings: c.leafCount },
        `closed period ${c.period} of cluster ${c.clusterId} with ${c.leafCount} readings`,
      );
    }
    return tick;
  }

  /** Act on the outbox. Null when the chain could not be reached (see /health). */
  async pumpOutbox(): Promise<PumpResult | null> {
    try {
      return await this.outbox.pump();
    } catch (e) {
      this.failed(e);
      return null;
    }
  }

  /** A tick step failed: recorded for /health; store and logic errors are GridShareErrors, the rest the chain's. */
  private failed(e: unknown): void {
    this.lastError = message(e);
    if (e instanceof GridShareError) this.log.error({ event: "tick_failed", err: e }, "tick failed");
    else this.chainDown(e);
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

  /** An outbox row reached a final state: log it, an error when it was refused or reverted. */
  private finished(before: OutboxRow): void {
    const row = this.store.outboxRow(before.id) ?? before;
    const ctx = {
      event: "tx_final",
      kind: row.kind,
      clusterId: row.clusterId,
      period: row.period,
      status: row.status,
      txHash: row.txHash,
      reason: row.lastError,
    };
    if (row.status === "rejected" || row.status === "reverted") {
      this.log.error(
        ctx,
        `${row.kind} for cluster ${row.clusterId} period ${row.period} ${row.status}: ${row.lastError ?? "no reason given"}`,
      );
    } else this.log.info(ctx, `${row.kind} for cluster ${row.clusterId} period ${row.period} ${row.status}`);
  }

  /** IBatchLedger.ReadingProof of a batched reading as held (undefined when not held), accepted or not. */
  proofFor(meter: string, period: number): ReadingProof | undefined {
    return this.store.proofFor(getAddress(meter), period);
  }

  /**
   * A held reading proof, served only when the ledger accepted the very batch this node built: a proof
   * against a batch still open, disputed, or outvoted by another digest would not verify on chain.
   */
  async acceptedProofFor(meter: string, period: number): Promise<Served<ReadingProof>> {
    const m = getAddress(meter);
    const clusterId = this.store.batchedIn(m, period);
    const proof = this.store.proofFor(m, period);
    if (clusterId === undefined || !proof) return { kind: "notHeld" };
    return this.servedIfAccepted(clusterId, period, proof);
  }

  /**
   * IBatchLedger.AbsenceProof that the meter's cluster-period batch this node built lacks its reading
   * (`notHeld`: see GatewayStore.absenceFor), served only when the ledger accepted that batch.
   */
  async absenceFor(meter: string, period: number): Promise<Served<AbsenceProof>> {
    const m = getAddress(meter);
    const { clusterId } = await this.chain.meterInfo(m);
    const absence = clusterId === 0 ? undefined : this.store.absenceFor(m, clusterId, period);
    return absence === undefined ? { kind: "notHeld" } : this.servedIfAccepted(clusterId, period, absence);
  }

  private async servedIfAccepted<T>(clusterId: number, period: number, value: T): Promise<Served<T>> {
    const built = this.store.getBatch(clusterId, period);
    const decision = await this.chain.decision(clusterId, period);
    const what = `the batch of cluster ${clusterId} period ${period}`;
    if (decision.status !== "accepted") {
      return {
        kind: "notAccepted",
        reason: `${what} is not accepted on the ledger (status ${decision.status}): a proof against it would not verify`,
      };
    }
    if (built !== undefined && decision.digest !== built.digest) {
      return {
        kind: "notAccepted",
        reason: `the ledger accepted another digest (${decision.digest}) than this node's ${what} (${built.digest}): ask another voter`,
      };
    }
    return { kind: "served", value };
  }

  health(now = Date.now()): Health {
    const served = [...this.scheduler.servedClusters()].map(([clusterId, role]) => ({
      clusterId,
      role,
      nextPeriod: this.store.cursor(clusterId),
    }));
    const reasons: string[] = [];
    if (this.chainDownSince !== null) {
      reasons.push(
        `chain unreachable since ${new Date(this.chainDownSince).toISOString()}: ${this.chainError ?? "unknown error"}; readings are answered 503 and no period closes`,
      );
    } else if (this.lastError !== null) reasons.push(`the last tick failed: ${this.lastError}`);
    const failed = this.store.failedActions(now - FAILED_TX_WINDOW_MS, 20);
    if (failed.length > 0) {
      const last = failed[0]?.row as OutboxRow;
      reasons.push(
        `${failed.length} transaction(s) rejected or reverted in the last ${FAILED_TX_WINDOW_MS / 3_600_000} h; ` +
          `latest: ${last.kind} for cluster ${last.clusterId} period ${last.period} ${last.status}: ${last.lastError ?? "no reason given"}`,
      );
    }
    return {
      status: reasons.length === 0 ? "ok" : "degraded",
      reasons,
      node: this.node,
      domain: {
        chainId: String(this.domain.chainId),
        verifyingContract: String(this.domain.verifyingContract),
      },
      chain: {
        reachable: this.chainDownSince === null,
        downSince: this.chainDownSince === null ? null : new Date(this.chainDownSince).toISOString(),
        lastError: this.chainError,
      },
      recovery: this.recovery.info(),
      served,
      lastTickAt: this.lastTickAt,
      lastError: this.lastError,
      openOutbox: this.store.openOutbox(1000).length,
      quarantined: this.store.countQuarantined(),
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
        name: "quarantine_rows",
        help: "Refused readings held in the quarantine",
        value: this.store.countQuarantined(),
      },
      {
        name: "outbox_open",
        help: "On-chain actions not yet final",
        value: this.store.openOutbox(1000).length,
      },
      { name: "up", help: "1 when the last tick reached the chain", value: this.lastError === null ? 1 : 0 },
      {
        name: "chain_reachable",
        help: "1 unless the last chain read failed",
        value: this.chainReachable ? 1 : 0,
      },
      {
        name: "requests_limited",
        help: "Requests answered 429 since start (refusal allowance spent)",
        value: this.limited,
      },
      {
        name: "recovery_threads",
        help: "Signature-recovery worker threads alive",
        value: this.recovery.info().threads,
      },
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
    void this.recovery.close();
    this.store.close();
  }
}
