/**
 * The gateway's embedded database (better-sqlite3, WAL, synchronous=FULL): accepted readings, the
 * quarantine, compromised-meter alarms, built batches with their proofs, the transaction outbox and
 * durable counters. Every multi-row change is one SQLite transaction, so a process killed at any moment
 * (kill -9) leaves either the whole change or none of it.
 */
import Database from "better-sqlite3";
import type { Reading, SignedReading } from "../batches/reading.js";
import { GridShareError } from "../errors.js";
import type { BatchHeader, ProvenBatch, ReadingProof, Role } from "./types.js";

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readings (
  meter TEXT NOT NULL, period INTEGER NOT NULL, cluster_id INTEGER NOT NULL,
  import_wh TEXT NOT NULL, export_wh TEXT NOT NULL, load_wh TEXT NOT NULL, generation_wh TEXT NOT NULL,
  peak_load_w INTEGER NOT NULL, peak_generation_w INTEGER NOT NULL, signature TEXT NOT NULL,
  received_at INTEGER NOT NULL, late INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (meter, period)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS readings_cluster_period ON readings (cluster_id, period);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT, meter TEXT, period INTEGER, cluster_id INTEGER,
  code TEXT NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_period ON quarantine (period);
CREATE TABLE IF NOT EXISTS compromised (
  meter TEXT NOT NULL, period INTEGER NOT NULL, cluster_id INTEGER NOT NULL, detected_at INTEGER NOT NULL,
  PRIMARY KEY (meter, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
  cluster_id INTEGER NOT NULL, period INTEGER NOT NULL, role TEXT NOT NULL,
  root TEXT NOT NULL, leaf_count INTEGER NOT NULL, total_load_wh TEXT NOT NULL,
  total_generation_wh TEXT NOT NULL, digest TEXT NOT NULL, built_at INTEGER NOT NULL,
  PRIMARY KEY (cluster_id, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_leaves (
  cluster_id INTEGER NOT NULL, period INTEGER NOT NULL, leaf_index INTEGER NOT NULL,
  meter TEXT NOT NULL, proof TEXT NOT NULL,
  PRIMARY KEY (cluster_id, period, leaf_index)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS batch_leaves_meter ON batch_leaves (meter, period);
CREATE TABLE IF NOT EXISTS cursors (cluster_id INTEGER PRIMARY KEY, role TEXT NOT NULL, next_period INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, cluster_id INTEGER NOT NULL,
  period INTEGER NOT NULL, target TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
  nonce INTEGER, raw_tx TEXT, tx_hash TEXT, attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (kind, cluster_id, period, target)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** Counters exported at /metrics; kept in the database so they survive restarts. */
export const COUNTERS = [
  "readings_accepted",
  "readings_duplicate",
  "readings_withdrawn",
  "readings_late",
  "readings_quarantined",
  "meters_compromised",
  "batches_built",
  "batches_empty",
  "batches_proposed",
  "votes_cast",
  "tamper_reports",
  "actions_superseded",
  "tx_sent",
  "tx_retries",
  "tx_reverted",
] as const;
export type CounterName = (typeof COUNTERS)[number];

export type OutboxKind = "propose" | "vote" | "reportTamper";
/**
 * pending: intent recorded, nothing signed. signed: nonce, raw tx and hash recorded before broadcast.
 * confirmed: mined and succeeded, or the chain already shows the effect. reverted: mined and failed.
 * superseded: not sent, the batch was already accepted with this very digest (the others were faster).
 * rejected: refused before sending (the call would revert for a reason waiting cannot fix).
 */
export type OutboxStatus = "pending" | "signed" | "confirmed" | "superseded" | "reverted" | "rejected";

export interface OutboxRow {
  readonly id: number;
  readonly kind: OutboxKind;
  readonly clusterId: number;
  readonly period: number;
  /** The batch digest (propose/vote) or the meter (reportTamper): part of the idempotency key. */
  readonly target: string;
  readonly payload: string;
  readonly status: OutboxStatus;
  readonly nonce: number | null;
  readonly rawTx: string | null;
  readonly txHash: string | null;
  readonly attempts: number;
  readonly notBefore: number;
  readonly lastError: string | null;
}

export interface QuarantineRecord {
  readonly meter: string | null;
  readonly period: number | null;
  readonly clusterId: number | null;
  readonly code: string;
  readonly reason: string;
  /** The body as received (truncated to `MAX_QUARANTINE_BODY` characters). */
  readonly body: string;
}

export interface StoredBatch {
  readonly header: BatchHeader;
  readonly role: Role;
  readonly digest: string;
}

/** Quarantined bodies are kept for inspection, but never more than this much of one. */
export const MAX_QUARANTINE_BODY = 4096;

export class StoreError extends GridShareError {
  constructor(problem: string) {
    super("GATEWAY_STORE", problem);
  }
}

interface ReadingRow {
  meter: string;
  period: number;
  cluster_id: number;
  import_wh: string;
  export_wh: string;
  load_wh: string;
  generation_wh: string;
  peak_load_w: number;
  peak_generation_w: number;
  signature: string;
  late: number;
}

interface OutboxDbRow {
  id: number;
  kind: OutboxKind;
  cluster_id: number;
  period: number;
  target: string;
  payload: string;
  status: OutboxStatus;
  nonce: number | null;
  raw_tx: string | null;
  tx_hash: string | null;
  attempts: number;
  not_before: number;
  last_error: string | null;
}

function rowToSigned(r: ReadingRow): SignedReading {
  return {
    reading: {
      meter: r.meter,
      period: r.period,
      importWh: BigInt(r.import_wh),
      exportWh: BigInt(r.export_wh),
      loadWh: BigInt(r.load_wh),
      generationWh: BigInt(r.generation_wh),
      peakLoadW: r.peak_load_w,
      peakGenerationW: r.peak_generation_w,
    },
    signature: r.signature,
  };
}

function outboxFromDb(r: OutboxDbRow): OutboxRow {
  return {
    id: r.id,
    kind: r.kind,
    clusterId: r.cluster_id,
    period: r.period,
    target: r.target,
    payload: r.payload,
    status: r.status,
    nonce: r.nonce,
    rawTx: r.raw_tx,
    txHash: r.tx_hash,
    attempts: r.attempts,
    notBefore: r.not_before,
    lastError: r.last_error,
  };
}

/** Whether two signed readings are the same leaf (same fields, same signature). */
export function sameSignedReading(a: SignedReading, b: SignedReading): boolean {
  const x = a.reading;
  const y = b.reading;
  return (
    x.meter === y.meter &&
    x.period === y.period &&
    x.importWh === y.importWh &&
    x.exportWh === y.exportWh &&
    x.loadWh === y.loadWh &&
    x.generationWh === y.generationWh &&
    x.peakLoadW === y.peakLoadW &&
    x.peakGenerationW === y.peakGenerationW &&
    a.signature.toLowerCase() === b.signature.toLowerCase()
  );
}

/** Outcome of storing a verified reading. */
export type StoreOutcome =
  | { readonly kind: "accepted"; readonly late: boolean }
  | { readonly kind: "duplicate" }
  /** A different reading for the same meter-period (or one already marked compromised): both quarantined. */
  | { readonly kind: "compromised"; readonly firstAlarm: boolean };

export class GatewayStore {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    // FULL: a committed transaction survives power loss, not only a process crash.
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.exec(SCHEMA);
    const v = this.getMeta("schema_version");
    if (v === undefined) this.setMeta("schema_version", String(SCHEMA_VERSION));
    else if (Number(v) !== SCHEMA_VERSION) {
      throw new StoreError(`database schema ${v} is not ${SCHEMA_VERSION}: migrate or start a new file`);
    }
    for (const c of COUNTERS) this.db.prepare("INSERT OR IGNORE INTO counters VALUES (?, 0)").run(c);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------------------------------------ meta

  getMeta(key: string): string | undefined {
    const r = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      { value: string } | undefined;
    return r?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(key, value);
  }

  /**
   * Pin the database to one deployment and node: reopening it for another chain, registry or node would
   * mix two grids' data, so it is refused.
   */
  bindIdentity(identity: Record<string, string>): void {
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(identity)) {
        const key = `identity.${k}`;
        const have = this.getMeta(key);
        if (have === undefined) this.setMeta(key, v);
        else if (have !== v) {
          throw new StoreError(`this database belongs to ${k} ${have}, not ${v}: use another --db file`);
        }
      }
    })();
  }

  // -------------------------------------------------------------------------------------- counters

  bump(name: CounterName, by = 1): void {
    this.db.prepare("UPDATE counters SET value = value + ? WHERE name = ?").run(by, name);
  }

  counters(): Record<CounterName, number> {
    const rows = this.db.prepare("SELECT name, value FROM counters").all() as {
      name: CounterName;
      value: number;
    }[];
    const out = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
    for (const r of rows) out[r.name] = r.value;
    return out;
  }

  // -------------------------------------------------------------------------------------- readings

  getReading(meter: string, period: number): SignedReading | undefined {
    const r = this.db.prepare("SELECT * FROM readings WHERE meter = ? AND period = ?").get(meter, period) as
      ReadingRow | undefined;
    return r ? rowToSigned(r) : undefined;
  }

  /** Accepted, in-batch readings of a cluster-period, meter ascending (late ones excluded). */
  readingsOf(clusterId: number, period: number): SignedReading[] {
    const rows = this.db
      .prepare("SELECT * FROM readings WHERE cluster_id = ? AND period = ? AND late = 0 ORDER BY meter")
      .all(clusterId, period) as ReadingRow[];
    return rows.map(rowToSigned);
  }

  countReadings(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM readings").get() as { n: number }).n;
  }

  /**
   * Store a verified reading for `clusterId`. Idempotent for the same signed reading; a different one for
   * the same meter-period quarantines both and marks the meter-period compromised (SPEC 5). A reading for
   * a period whose batch is already built is kept but flagged late (it cannot join a committed batch).
   */
  storeVerified(signed: SignedReading, clusterId: number, body: string, now: number): StoreOutcome {
    return this.db.transaction((): StoreOutcome => {
      const { meter, period } = signed.reading;
      if (this.isCompromised(meter, period)) {
        this.quarantineInTx(
          {
            meter,
            period,
            clusterId,
            code: "COMPROMISED_METER",
            reason: compromisedReason(meter, period),
            body,
          },
          now,
        );
        return { kind: "compromised", firstAlarm: false };
      }
      const existing = this.getReading(meter, period);
      if (existing) {
        if (sameSignedReading(existing, signed)) {
          this.bump("readings_duplicate");
          return { kind: "duplicate" };
        }
        // Two different meter-signed readings: the key is compromised. Neither may be trusted; the first
        // is withdrawn unless it is already committed in a built batch (then it stays provable).
        const committed =
          this.db.prepare("SELECT 1 FROM batch_leaves WHERE meter = ? AND period = ?").get(meter, period) !==
          undefined;
        if (!committed) {
          this.db.prepare("DELETE FROM readings WHERE meter = ? AND period = ?").run(meter, period);
          this.bump("readings_withdrawn");
        }
        this.quarantineInTx(
          {
            meter,
            period,
            clusterId,
            code: "COMPROMISED_METER",
            reason:
              compromisedReason(meter, period) +
              (committed
                ? " (first reading, already in a built batch: kept there)"
                : " (first reading, withdrawn)"),
            body: JSON.stringify(signedToPlain(existing)),
          },
          now,
        );
        this.quarantineInTx(
          {
            meter,
            period,
            clusterId,
            code: "COMPROMISED_METER",
            reason: compromisedReason(meter, period),
            body,
          },
          now,
        );
        this.db.prepare("INSERT INTO compromised VALUES (?, ?, ?, ?)").run(meter, period, clusterId, now);
        this.bump("meters_compromised");
        return { kind: "compromised", firstAlarm: true };
      }
      const late = this.getBatch(clusterId, period) !== undefined;
      const r = signed.reading;
      this.db
        .prepare("INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(
          meter,
          period,
          clusterId,
          r.importWh.toString(),
          r.exportWh.toString(),
          r.loadWh.toString(),
          r.generationWh.toString(),
          r.peakLoadW,
          r.peakGenerationW,
          signed.signature.toLowerCase(),
          now,
          late ? 1 : 0,
        );
      this.bump("readings_accepted");
      if (late) this.bump("readings_late");
      return { kind: "accepted", late };
    })();
  }

  isCompromised(meter: string, period: number): boolean {
    return (
      this.db.prepare("SELECT 1 FROM compromised WHERE meter = ? AND period = ?").get(meter, period) !==
      undefined
    );
  }

  compromisedMeters(): { meter: string; period: number; clusterId: number }[] {
    return (
      this.db
        .prepare("SELECT meter, period, cluster_id FROM compromised ORDER BY detected_at, meter")
        .all() as {
        meter: string;
        period: number;
        cluster_id: number;
      }[]
    ).map((r) => ({ meter: r.meter, period: r.period, clusterId: r.cluster_id }));
  }

  // ------------------------------------------------------------------------------------ quarantine

  quarantine(rec: QuarantineRecord, now: number): void {
    this.db.transaction(() => this.quarantineInTx(rec, now))();
  }

  private quarantineInTx(rec: QuarantineRecord, now: number): void {
    this.db
      .prepare(
        "INSERT INTO quarantine (meter, period, cluster_id, code, reason, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        rec.meter,
        rec.period,
        rec.clusterId,
        rec.code,
        rec.reason,
        rec.body.slice(0, MAX_QUARANTINE_BODY),
        now,
      );
    this.bump("readings_quarantined");
  }

  quarantined(): QuarantineRecord[] {
    const rows = this.db
      .prepare("SELECT meter, period, cluster_id, code, reason, body FROM quarantine ORDER BY id")
      .all() as {
      meter: string | null;
      period: number | null;
      cluster_id: number | null;
      code: string;
      reason: string;
      body: string;
    }[];
    return rows.map((r) => ({
      meter: r.meter,
      period: r.period,
      clusterId: r.cluster_id,
      code: r.code,
      reason: r.reason,
      body: r.body,
    }));
  }

  // --------------------------------------------------------------------------------------- batches

  getBatch(clusterId: number, period: number): StoredBatch | undefined {
    const r = this.db
      .prepare("SELECT * FROM batches WHERE cluster_id = ? AND period = ?")
      .get(clusterId, period) as
      | {
          cluster_id: number;
          period: number;
          role: Role;
          root: string;
          leaf_count: number;
          total_load_wh: string;
          total_generation_wh: string;
          digest: string;
        }
      | undefined;
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

  // ------------------------------------------------------------------------------------- cursors

  /** The next period to close for a cluster, or undefined when the cluster was never seen. */
  cursor(clusterId: number): number | undefined {
    const r = this.db.prepare("SELECT next_period FROM cursors WHERE cluster_id = ?").get(clusterId) as
      { next_period: number } | undefined;
    return r?.next_period;
  }

  initCursor(clusterId: number, role: Role, period: number): void {
    this.db.prepare("INSERT OR IGNORE INTO cursors VALUES (?, ?, ?)").run(clusterId, role, period);
  }

  /**
   * Close a cluster-period in one transaction: record the batch and its proofs, enqueue the on-chain
   * intent (propose or vote), and move the cursor past it. An empty period (no reading) moves the cursor
   * only. Refuses to close any period but the cursor's, so no period is skipped or closed twice.
   */
  closePeriod(clusterId: number, period: number, role: Role, built: ProvenBatch | null, now: number): void {
    this.db.transaction(() => {
      const at = this.cursor(clusterId);
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
        this.db
          .prepare("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .run(
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
        const leaf = this.db.prepare("INSERT INTO batch_leaves VALUES (?, ?, ?, ?, ?)");
        for (const l of built.leaves)
          leaf.run(clusterId, period, l.index, l.signed.reading.meter, JSON.stringify(l.proof));
        this.enqueueInTx(
          role === "parent" ? "propose" : "vote",
          clusterId,
          period,
          built.digest,
          headerToJson(h),
          now,
        );
        this.bump("batches_built");
      } else {
        this.bump("batches_empty");
      }
      this.db.prepare("UPDATE cursors SET next_period = ? WHERE cluster_id = ?").run(period + 1, clusterId);
    })();
  }

  /** SPEC 5 / issue: any accepted, batched reading can be proven later (billing, capacity checks). */
  proofFor(meter: string, period: number): ReadingProof | undefined {
    const l = this.db
      .prepare("SELECT cluster_id, leaf_index, proof FROM batch_leaves WHERE meter = ? AND period = ?")
      .get(meter, period) as { cluster_id: number; leaf_index: number; proof: string } | undefined;
    if (!l) return undefined;
    const s = this.getReading(meter, period);
    if (!s) return undefined;
    return {
      reading: s.reading,
      signature: s.signature,
      index: l.leaf_index,
      proof: JSON.parse(l.proof) as string[],
    };
  }

  // ---------------------------------------------------------------------------------------- outbox

  enqueue(
    kind: OutboxKind,
    clusterId: number,
    period: number,
    target: string,
    payload: string,
    now: number,
  ): void {
    this.db.transaction(() => this.enqueueInTx(kind, clusterId, period, target, payload, now))();
  }

  private enqueueInTx(
    kind: OutboxKind,
    clusterId: number,
    period: number,
    target: string,
    payload: string,
    now: number,
  ): void {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO outbox (kind, cluster_id, period, target, payload, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
      )
      .run(kind, clusterId, period, target, payload, now, now);
  }

  /** Rows still to act on (pending or signed), oldest first. */
  openOutbox(limit: number): OutboxRow[] {
    return (
      this.db
        .prepare("SELECT * FROM outbox WHERE status IN ('pending', 'signed') ORDER BY id LIMIT ?")
        .all(limit) as OutboxDbRow[]
    ).map(outboxFromDb);
  }

  outbox(): OutboxRow[] {
    return (this.db.prepare("SELECT * FROM outbox ORDER BY id").all() as OutboxDbRow[]).map(outboxFromDb);
  }

  /** Record the signed transaction BEFORE broadcasting it, so a restart re-broadcasts the same bytes. */
  markSigned(id: number, nonce: number, rawTx: string, txHash: string, now: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          "UPDATE outbox SET status = 'signed', nonce = ?, raw_tx = ?, tx_hash = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
        )
        .run(nonce, rawTx, txHash, now, id);
      const next = Number(this.getMeta("next_nonce") ?? "0");
      if (nonce + 1 > next) this.setMeta("next_nonce", String(nonce + 1));
    })();
  }

  /** The lowest nonce this node has not yet used, as far as this database knows. */
  nextNonce(): number {
    return Number(this.getMeta("next_nonce") ?? "0");
  }

  /** Final state; bumps the matching counter once (the status guard makes it idempotent). */
  finish(
    id: number,
    status: "confirmed" | "superseded" | "reverted" | "rejected",
    note: string | null,
    now: number,
  ): void {
    this.db.transaction(() => {
      const row = this.db.prepare("SELECT * FROM outbox WHERE id = ?").get(id) as OutboxDbRow | undefined;
      if (!row || (row.status !== "pending" && row.status !== "signed")) return;
      this.db
        .prepare("UPDATE outbox SET status = ?, last_error = ?, updated_at = ? WHERE id = ?")
        .run(status, note, now, id);
      if (status === "confirmed") {
        if (row.kind === "propose") this.bump("batches_proposed");
        else if (row.kind === "vote") this.bump("votes_cast");
        else this.bump("tamper_reports");
      } else if (status === "reverted") this.bump("tx_reverted");
      else if (status === "superseded") this.bump("actions_superseded");
    })();
  }

  /** Back to pending (the signed tx was dropped or its nonce taken): it will be re-signed. */
  resetToPending(id: number, note: string, now: number): void {
    this.db
      .prepare(
        "UPDATE outbox SET status = 'pending', nonce = NULL, raw_tx = NULL, tx_hash = NULL, last_error = ?, updated_at = ? WHERE id = ?",
      )
      .run(note, now, id);
  }

  /** A transient failure: try again no earlier than `notBefore` (ms since 1970). */
  deferOutbox(id: number, error: string, notBefore: number, now: number): void {
    this.db
      .prepare(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ?, updated_at = ? WHERE id = ?",
      )
      .run(error, notBefore, now, id);
    this.bump("tx_retries");
  }

  // --------------------------------------------------------------------------------------- pruning

  /**
   * SPEC 3: drop raw data older than `beforePeriod`, but only for cluster-periods that are anchored (their
   * batch's transaction is final) or closed empty. Quarantine and alarms older than that go too.
   * @returns the number of readings deleted.
   */
  prune(beforePeriod: number): number {
    return this.db.transaction(() => {
      const anchored = `(
        EXISTS (SELECT 1 FROM outbox o WHERE o.cluster_id = readings.cluster_id AND o.period = readings.period
                AND o.kind IN ('propose','vote') AND o.status IN ('confirmed','superseded','reverted','rejected'))
        OR (NOT EXISTS (SELECT 1 FROM batches b WHERE b.cluster_id = readings.cluster_id AND b.period = readings.period)
            AND EXISTS (SELECT 1 FROM cursors c WHERE c.cluster_id = readings.cluster_id AND c.next_period > readings.period)))`;
      const n = this.db
        .prepare(`DELETE FROM readings WHERE period < ? AND ${anchored}`)
        .run(beforePeriod).changes;
      this.db
        .prepare(
          `DELETE FROM batch_leaves WHERE period < ? AND NOT EXISTS (SELECT 1 FROM readings r WHERE r.meter = batch_leaves.meter AND r.period = batch_leaves.period)`,
        )
        .run(beforePeriod);
      this.db.prepare("DELETE FROM quarantine WHERE period < ?").run(beforePeriod);
      this.db.prepare("DELETE FROM compromised WHERE period < ?").run(beforePeriod);
      return n;
    })();
  }
}

function compromisedReason(meter: string, period: number): string {
  return `meter ${meter} signed two different readings for period ${period}: its key is compromised; both are quarantined and a tamper alarm is raised`;
}

function signedToPlain(s: SignedReading): unknown {
  const r = s.reading;
  return {
    reading: {
      ...r,
      importWh: r.importWh.toString(),
      exportWh: r.exportWh.toString(),
      loadWh: r.loadWh.toString(),
      generationWh: r.generationWh.toString(),
    },
    signature: s.signature,
  };
}

/** Header as JSON (energies as decimal strings) for the outbox payload. */
export function headerToJson(h: BatchHeader): string {
  return JSON.stringify({
    ...h,
    totalLoadWh: h.totalLoadWh.toString(),
    totalGenerationWh: h.totalGenerationWh.toString(),
  });
}

export function headerFromJson(s: string): BatchHeader {
  const o = JSON.parse(s) as {
    clusterId: number;
    period: number;
    root: string;
    leafCount: number;
    totalLoadWh: string;
    totalGenerationWh: string;
  };
  return { ...o, totalLoadWh: BigInt(o.totalLoadWh), totalGenerationWh: BigInt(o.totalGenerationWh) };
}

export type { Reading };
