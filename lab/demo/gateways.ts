/**
 * The nodes' meter gateways, started in-process for the demo: one lib/gateway `Gateway` (SQLite store,
 * scheduler, outbox) behind its fastify HTTP server per node, on a loopback port. Meters post their signed
 * readings over HTTP (lab/simulator/fleet.ts); each tick the gateways close finished periods, hand their
 * attestations to the parents over HTTP (POST /attestations) and the parents submit them on-chain with the
 * node's own key; a neighbour whose attestation is still missing later submits its own (`fallback`).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet, type Provider } from "ethers";
import type { FastifyInstance } from "fastify";
import { Gateway } from "../../lib/gateway/gateway.js";
import { HttpPeers } from "../../lib/gateway/peers.js";
import { buildServer } from "../../lib/gateway/server.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import type { BatchBuilder, ReadingProof } from "../../lib/gateway/types.js";
import { sendReading } from "../simulator/fleet.js";
import type { SignedReading } from "../../lib/batches/reading.js";
import { GridShareError } from "../../lib/errors.js";
import type { GridSetup } from "./setup.js";

/** The embedded network's accounts (Hardhat's EDR default mnemonic and HD path). */
const EMBEDDED_MNEMONIC = "test test test test test test test test test test test junk";
const EMBEDDED_HD_PATH = "m/44'/60'/0'/0";
/**
 * Where the gateways' SQLite files go: tmpfs when there is one. The store commits with synchronous=FULL
 * (an fsync per transaction, right for a node); the demo's gateways live for one run, and on a busy disk
 * the fsyncs alone would double its time.
 */
const DB_BASE = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
/** Outbox tuning for an automining chain: receipts are there at once. */
export const FAST_OUTBOX = { baseBackoffMs: 1, receiptPollMs: 1, receiptPolls: 3 } as const;

/** How one gateway answered one reading. */
export interface NodeVerdict {
  readonly ok: boolean;
  readonly node: string;
  readonly meter: string;
  readonly period: number;
  readonly code?: string;
  readonly reason?: string;
}

export class UnknownNodeKeyError extends GridShareError {
  constructor(node: string) {
    super(
      "UNKNOWN_NODE_KEY",
      `node ${node} is not one of the embedded network's accounts: the demo runs its gateways on the ` +
        "in-process network only (on Clique, start scripts/gateway.ts with each node's key)",
    );
  }
}

/** The private key of an embedded-network account (its first `count` accounts are searched). */
export function embeddedAccountKey(address: string, count = 30): string {
  for (let i = 0; i < count; i++) {
    const w = HDNodeWallet.fromPhrase(EMBEDDED_MNEMONIC, undefined, `${EMBEDDED_HD_PATH}/${i}`);
    if (w.address.toLowerCase() === address.toLowerCase()) return w.privateKey;
  }
  throw new UnknownNodeKeyError(address);
}

interface Running {
  readonly node: string;
  readonly gw: Gateway;
  readonly app: FastifyInstance;
  readonly url: string;
}

export class GatewayFailedError extends GridShareError {
  constructor(node: string, problem: string) {
    super("GATEWAY_FAILED", `gateway of node ${node} could not reach the chain: ${problem}`);
  }
}

export class DemoGateways {
  private constructor(
    private readonly running: readonly Running[],
    private readonly dir: string,
    private readonly voters: ReadonlyMap<number, readonly string[]>,
  ) {}

  /** Start one gateway per node. `builderOf` lets the demo give one node a faulty batch builder. */
  static async start(
    grid: GridSetup,
    startPeriod: number,
    builderOf: (node: string) => BatchBuilder = () => buildClusterBatch,
  ): Promise<DemoGateways> {
    const dir = mkdtempSync(path.join(DB_BASE, "gridshare-demo-gateways-"));
    const running: Running[] = [];
    // Each node's peers are the other gateways: filled as they start listening.
    const urls = new Map<string, string>();
    try {
      for (const n of grid.nodes) {
        const node = n.signer.address;
        const gw = await Gateway.open({
          dbFile: path.join(dir, `node-${n.clusterId}.db`),
          provider: grid.connection.ethers.provider as unknown as Provider,
          nodeKey: embeddedAccountKey(node),
          registry: grid.contracts.ClusterRegistry!,
          ledger: grid.contracts.BatchLedger!,
          build: builderOf(node),
          startPeriod,
          peers: new HttpPeers(urls),
          outbox: FAST_OUTBOX,
        });
        // The demo's own output is stdout (or JSON): the gateways' warnings and errors go to stderr.
        const app = buildServer(gw, { logger: { level: "warn", stream: process.stderr } });
        const url = await app.listen({ host: "127.0.0.1", port: 0 });
        urls.set(gw.node, url);
        running.push({ node, gw, app, url });
      }
    } catch (e) {
      await closeAll(running, dir);
      throw e;
    }
    const voters = new Map<number, string[]>();
    for (const c of grid.clusters) {
      voters.set(c.clusterId, [...(await grid.registry.votersOf(c.clusterId))]);
    }
    return new DemoGateways(running, dir, voters);
  }

  /** The gateways of a cluster's voters, parent first. */
  private votersOf(clusterId: number): Running[] {
    const list = this.voters.get(clusterId) ?? [];
    return list.map((v) => this.running.find((r) => r.node.toLowerCase() === v.toLowerCase())!);
  }

  urls(): string[] {
    return this.running.map((r) => r.url);
  }

  /** A meter sends its reading to its cluster's parent and neighbours, over HTTP. */
  async send(clusterId: number, signed: SignedReading): Promise<NodeVerdict[]> {
    const to = this.votersOf(clusterId);
    const answers = await sendReading(
      to.map((r) => r.url),
      signed,
    );
    return answers.map((a, i) => {
      const body = (a.body ?? {}) as { error?: string; reason?: string };
      return {
        ok: a.status < 300,
        node: to[i]!.node,
        meter: signed.reading.meter,
        period: signed.reading.period,
        ...(a.status < 300 ? {} : { code: body.error ?? String(a.status), reason: body.reason ?? "" }),
      };
    });
  }

  /**
   * Every gateway closes its finished periods and hands its attestations to the parents; then every outbox is
   * pumped twice: the parents, holding every voter's attestation, submit them (one transaction per
   * cluster-period), and the neighbours find theirs on chain.
   */
  async tick(): Promise<void> {
    for (const r of this.running) {
      const tick = await r.gw.closePeriods();
      if (tick === null) throw new GatewayFailedError(r.node, r.gw.health().lastError ?? "tick failed");
    }
    await this.pump();
    await this.pump();
  }

  /** Every gateway acts on its outbox once (the clock may have moved past the self-submit delay). */
  async pump(): Promise<void> {
    for (const r of this.running) {
      if ((await r.gw.pumpOutbox()) === null)
        throw new GatewayFailedError(r.node, r.gw.health().lastError ?? "outbox failed");
    }
  }

  /** On-chain actions (attestations, tamper reports) not yet final, over all gateways. */
  openActions(): number {
    return this.running.reduce((n, r) => n + r.gw.store.openOutbox(1000).length, 0);
  }

  /** A batched reading's proof from any voter of its cluster that holds it. */
  proofsOf(clusterId: number, meter: string, period: number): ReadingProof[] {
    const out: ReadingProof[] = [];
    for (const r of this.votersOf(clusterId)) {
      const p = r.gw.proofFor(meter, period);
      if (p) out.push(p);
    }
    return out;
  }

  /** Each gateway's Prometheus-style counters. */
  counters(): { node: string; counters: Record<string, number> }[] {
    return this.running.map((r) => ({ node: r.node, counters: r.gw.store.counters() }));
  }

  async close(): Promise<void> {
    await closeAll(this.running, this.dir);
  }
}

async function closeAll(running: readonly Running[], dir: string): Promise<void> {
  for (const r of running) {
    await r.app.close();
    r.gw.close();
  }
  rmSync(dir, { recursive: true, force: true });
}
