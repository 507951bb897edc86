/**
 * What the demo needs of a node: take meter readings, close finished periods (the parent proposes, each
 * neighbour votes for the header it computed itself), and hand out a reading's Merkle proof later.
 *
 * `InProcessNode` is a STAND-IN until lib/gateway/ (fastify + SQLite gateway with scheduler and outbox)
 * lands on main: it keeps readings in memory and calls lib/reading.ts, lib/batch.ts and lib/merkle64.ts
 * directly. The demo only talks to `NodePort`, so the real gateway replaces it in startNodes().
 */
import type { TypedDataDomain } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BatchLedger, ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { buildBatch, type BatchHeader, type BuiltBatch } from "../batch.js";
import { getProof } from "../merkle64.js";
import { checkReading, verifyReadingSignature, type SignedReading } from "../reading.js";
import { GridShareError } from "../errors.js";

export interface NodeVerdict {
  readonly ok: boolean;
  readonly meter: string;
  readonly period: number;
  /** Refusal code and reason (when not ok). */
  readonly code?: string;
  readonly reason?: string;
}

/** IBatchLedger.ReadingProof. */
export interface ReadingProof {
  readonly reading: SignedReading["reading"];
  readonly signature: string;
  readonly index: number;
  readonly proof: readonly string[];
}

/** A fault the demo injects into a node's batch header (SPEC 12 parent-node intervention). */
export type HeaderFault = (header: BatchHeader) => BatchHeader;

export interface NodePort {
  readonly node: string;
  ingest(readings: readonly SignedReading[]): Promise<NodeVerdict[]>;
  /** Close every period before the chain's current one for each served cluster. */
  tick(): Promise<void>;
  proofFor(meter: string, period: number): ReadingProof | undefined;
  close(): Promise<void>;
}

const METER_KIND = ["none", "consumer", "prosumer"] as const;

export class InProcessNode implements NodePort {
  readonly node: string;
  private readonly readings = new Map<string, SignedReading>();
  private readonly batches = new Map<string, BuiltBatch>();
  private readonly cursor = new Map<number, number>();
  /** Cluster id -> whether this node is its parent. */
  private served = new Map<number, boolean>();

  constructor(
    private readonly signer: HardhatEthersSigner,
    private readonly registry: ClusterRegistry,
    private readonly ledger: BatchLedger,
    private readonly domain: TypedDataDomain,
    private readonly startPeriod: number,
    /** Fault injection: alter the header this node submits for a cluster-period. */
    private readonly fault?: (clusterId: number, period: number) => HeaderFault | undefined,
  ) {
    this.node = signer.address;
  }

  async refresh(): Promise<void> {
    const count = Number(await this.registry.clusterCount());
    const served = new Map<number, boolean>();
    for (let c = 1; c <= count; c++) {
      const voters = await this.registry.votersOf(c);
      const slot = voters.findIndex((v) => v.toLowerCase() === this.node.toLowerCase());
      if (slot >= 0) served.set(c, slot === 0);
    }
    this.served = served;
  }

  async ingest(list: readonly SignedReading[]): Promise<NodeVerdict[]> {
    const out: NodeVerdict[] = [];
    for (const s of list) out.push(await this.ingestOne(s));
    return out;
  }

  private async ingestOne(s: SignedReading): Promise<NodeVerdict> {
    const { meter, period } = s.reading;
    const refuse = (code: string, reason: string): NodeVerdict => ({
      ok: false,
      meter,
      period,
      code,
      reason,
    });
    try {
      verifyReadingSignature(this.domain, s);
    } catch (e) {
      return refuse((e as GridShareError).code ?? "BAD_SIGNATURE", (e as Error).message);
    }
    const info = await this.registry.meterInfo(meter);
    const clusterId = Number(info.clusterId);
    if (clusterId === 0) return refuse("UNKNOWN_METER", `meter ${meter} is not registered`);
    if (!this.served.has(clusterId))
      return refuse("CLUSTER_NOT_SERVED", `cluster ${clusterId} is not served by ${this.node}`);
    if (!(await this.registry.isReadingAllowed(meter, clusterId, period))) {
      return refuse(
        "METER_NOT_ALLOWED",
        `meter ${meter} does not count in period ${period} (tampered, replaced or removed)`,
      );
    }
    try {
      checkReading(s.reading, {
        kind: METER_KIND[Number(info.kind)] === "consumer" ? "consumer" : "prosumer",
      });
    } catch (e) {
      return refuse((e as GridShareError).code ?? "INVALID_READING", (e as Error).message);
    }
    const key = `${clusterId}:${period}:${meter.toLowerCase()}`;
    const held = this.readings.get(key);
    if (held && held.signature !== s.signature) {
      return refuse("COMPROMISED_METER", `meter ${meter} signed two different readings for period ${period}`);
    }
    this.readings.set(key, s);
    return { ok: true, meter, period };
  }

  async tick(): Promise<void> {
    const current = Number(await this.registry.currentPeriod());
    for (const [clusterId, isParent] of this.served) {
      for (let p = this.cursor.get(clusterId) ?? this.startPeriod; p < current; p++) {
        this.cursor.set(clusterId, p + 1);
        const held = [...this.readings.entries()]
          .filter(([k]) => k.startsWith(`${clusterId}:${p}:`))
          .map(([, s]) => s);
        if (held.length === 0) continue;
        const built = buildBatch(clusterId, p, held);
        this.batches.set(`${clusterId}:${p}`, built);
        const header = this.fault?.(clusterId, p)?.(built.header) ?? built.header;
        const ledger = this.ledger.connect(this.signer);
        try {
          await (await (isParent ? ledger.propose(header) : ledger.vote(header))).wait();
        } catch (e) {
          // A decided batch refuses late proposals; anything else is a real failure.
          if (!String((e as Error).message).includes("BatchAlreadyDecided")) throw e;
        }
      }
    }
  }

  proofFor(meter: string, period: number): ReadingProof | undefined {
    for (const [key, b] of this.batches) {
      if (!key.endsWith(`:${period}`)) continue;
      const index = b.readings.findIndex((s) => s.reading.meter.toLowerCase() === meter.toLowerCase());
      if (index < 0) continue;
      const s = b.readings[index]!;
      return { reading: s.reading, signature: s.signature, index, proof: getProof(b.tree, index) };
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.readings.clear();
  }
}
