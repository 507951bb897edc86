/**
 * Built batches and their leaves' Merkle proofs, and closing a cluster-period: the batch, its proofs, the
 * on-chain intent and the cursor move in one transaction.
 */
import { packProof } from "../../batches/merkle64.js";
import type { BatchHeader, ProvenBatch, Role } from "../types.js";
import { headerToJson } from "./codec.js";
import type { Counters } from "./counters.js";
import type { Cursors } from "./cursors.js";
import { StoreError, transaction, type Db, type Statement } from "./db.js";
import type { Outbox } from "./outbox.js";

export interface StoredBatch {
  readonly header: BatchHeader;
  readonly role: Role;
  readonly digest: string;
}

/** Where a meter-period's reading sits in a built batch. */
export interface StoredLeaf {
  readonly clusterId: number;
  readonly index: number;
  /** Packed siblings (lib/batches/merkle64.ts getProof). */
  readonly proof: string;
}

interface BatchRow {
  cluster_id: number;
  period: number;
  role: Role;
  root: string;
  leaf_count: number;
  total_load_wh: string;
  total_generation_wh: string;
  digest: string;
}

/** Proofs are stored packed; a row written before packing holds a JSON array of siblings. */
function storedProof(text: string): string {
  return text.startsWith("[") ? packProof(JSON.parse(text) as string[]) : text;
}

export class Batches {
  private readonly select: Statement<[number, number], BatchRow>;
  private readonly selectExists: Statement<[number, number]>;
  private readonly insert: Statement<[number, number, Role, string, number, string, string, string, number]>;
  private readonly insertLeaf: Statement<[number, number, number, string, string]>;
  private readonly selectCommitted: Statement<[string, number]>;
  private readonly selectLeaves: Statement<
    [number, number],
    { leaf_index: number; meter: string; proof: string }
  >;
  private readonly selectLeaf: Statement<
    [string, number],
    { cluster_id: number; leaf_index: number; proof: string }
  >;
  private readonly closeTx: (
    clusterId: number,
    period: number,
    role: Role,
    built: ProvenBatch | null,
    now: number,
  ) => void;

  constructor(
    db: Db,
    private readonly cursors: Cursors,
    private readonly outbox: Outbox,
    private readonly counters: Counters,
  ) {
    this.select = db.prepare("SELECT * FROM batches WHERE cluster_id = ? AND period = ?");
    this.selectExists = db.prepare("SELECT 1 FROM batches WHERE cluster_id = ? AND period = ?");
    this.insert = db.prepare("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    this.insertLeaf = db.prepare("INSERT INTO batch_leaves VALUES (?, ?, ?, ?, ?)");
    this.selectCommitted = db.prepare("SELECT 1 FROM batch_leaves WHERE meter = ? AND period = ?");
    this.selectLeaves = db.prepare(
      "SELECT leaf_index, meter, proof FROM batch_leaves WHERE cluster_id = ? AND period = ? ORDER BY leaf_index",
    );
    this.selectLeaf = db.prepare(
      "SELECT cluster_id, leaf_index, proof FROM batch_leaves WHERE meter = ? AND period = ?",
    );
    this.closeTx = transaction(db, this.closeInTx.bind(this));
  }

  get(clusterId: number, period: number): StoredBatch | undefined {
    const r = this.select.get(clusterId, period);
    if (!r) return undefined;
    return {
      role: r.role,
      digest: r.digest,
      header: {
        clusterId: r.cluster_id,
        period: r.period,
        root: r.root,
        leafCount: r.leaf_count,
        totalLoadWh: BigInt(r.total_load_wh),
        totalGenerationWh: BigInt(r.total_generation_wh),
      },
    };
  }

  /** Whether the cluster-period's batch is built (readings for it arrive late). */
  has(clusterId: number, period: number): boolean {
    return this.selectExists.get(clusterId, period) !== undefined;
  }

  /** Whether a meter-period's reading is a leaf of a built batch (then it must stay provable). */
  isCommitted(meter: string, period: number): boolean {
    return this.selectCommitted.get(meter, period) !== undefined;
  }

  /** The leaf of a meter-period in a built batch, if it is committed in one. */
  leafOf(meter: string, period: number): StoredLeaf | undefined {
    const l = this.selectLeaf.get(meter, period);
    if (!l) return undefined;
    return { clusterId: l.cluster_id, index: l.leaf_index, proof: storedProof(l.proof) };
  }

  /** The leaves of a built batch in tree order (meter ascending): position, meter and packed proof. */
  leavesOf(clusterId: number, period: number): { index: number; meter: string; proof: string }[] {
    return this.selectLeaves
      .all(clusterId, period)
      .map((l) => ({ index: l.leaf_index, meter: l.meter, proof: storedProof(l.proof) }));
  }

  /**
   * Close a cluster-period in one transaction: record the batch and its proofs, enqueue the on-chain
   * intent (this node's attestation), and move the cursor past it. An empty period (no reading) moves the cursor
   * only. Refuses to close any period but the cursor's, so no period is skipped or closed twice.
   */
  closePeriod(clusterId: number, period: number, role: Role, built: ProvenBatch | null, now: number): void {
    this.closeTx(clusterId, period, role, built, now);
  }

  private closeInTx(
    clusterId: number,
    period: number,
    role: Role,
    built: ProvenBatch | null,
    now: number,
  ): void {
    const at = this.cursors.get(clusterId);
    if (at !== period) {
      throw new StoreError(
        `cluster ${clusterId}: cannot close period ${period}, the next open period is ${at}`,
      );
    }
    if (built) {
      const h = built.header;
      if (h.clusterId !== clusterId || h.period !== period) {
        throw new StoreError(`batch header is for ${h.clusterId}/${h.period}, not ${clusterId}/${period}`);
      }
      this.insert.run(
        clusterId,
        period,
        role,
        h.root,
        h.leafCount,
        h.totalLoadWh.toString(),
        h.totalGenerationWh.toString(),
        built.digest,
        now,
      );
      for (const l of built.leaves)
        this.insertLeaf.run(clusterId, period, l.index, l.signed.reading.meter, l.proof);
      this.outbox.enqueueInTx(
        {
          kind: "attest",
          clusterId,
          period,
          target: built.digest,
          payload: headerToJson(h),
        },
        now,
      );
      this.counters.bump("batches_built");
    } else {
      this.counters.bump("batches_empty");
    }
    this.cursors.advance(clusterId, period + 1);
  }
}
