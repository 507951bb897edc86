/**
 * The transaction outbox's rows: each on-chain action (an attestation, a tamper report) is recorded before it
 * is signed, and its signed bytes before they are broadcast, so a restart resumes rather than repeats.
 */
import type { Counters } from "./counters.js";
import { transaction, type Db, type Meta, type Statement } from "./db.js";

export type OutboxKind = "attest" | "reportTamper";
/**
 * pending: intent recorded, nothing signed. signed: nonce, raw tx and hash recorded before broadcast.
 * confirmed: mined and succeeded, or the chain already shows the effect. reverted: mined and failed.
 * rejected: refused before sending (the call would revert for a reason waiting cannot fix).
 */
export type OutboxStatus = "pending" | "signed" | "confirmed" | "reverted" | "rejected";
export type FinalStatus = "confirmed" | "reverted" | "rejected";

export interface OutboxRow {
  readonly id: number;
  readonly kind: OutboxKind;
  readonly clusterId: number;
  readonly period: number;
  /** The batch digest (attest) or the meter (reportTamper): part of the idempotency key. */
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
  updated_at: number;
}

/** An action that ended rejected or reverted, and when (ms since 1970). */
export interface FailedAction {
  readonly row: OutboxRow;
  readonly at: number;
}

function fromDb(r: OutboxDbRow): OutboxRow {
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

/** What to enqueue: the idempotency key (kind, cluster, period, target) and the call's payload. */
export interface OutboxIntent {
  readonly kind: OutboxKind;
  readonly clusterId: number;
  readonly period: number;
  readonly target: string;
  readonly payload: string;
}

const NEXT_NONCE = "next_nonce";

export class Outbox {
  private readonly insert: Statement<[OutboxKind, number, number, string, string, number, number]>;
  private readonly selectOpen: Statement<[number], OutboxDbRow>;
  private readonly selectAll: Statement<[], OutboxDbRow>;
  private readonly selectOne: Statement<[number], OutboxDbRow>;
  private readonly selectFailed: Statement<[number, number], OutboxDbRow>;
  private readonly setSigned: Statement<[number, string, string, number, number]>;
  private readonly setFinal: Statement<[FinalStatus, string | null, number, number]>;
  private readonly setPending: Statement<[string, number, number]>;
  private readonly setDeferred: Statement<[string, number, number, number]>;
  private readonly enqueueTx: (intent: OutboxIntent, now: number) => void;
  private readonly markSignedTx: (
    id: number,
    nonce: number,
    rawTx: string,
    txHash: string,
    now: number,
  ) => void;
  private readonly finishTx: (id: number, status: FinalStatus, note: string | null, now: number) => void;

  constructor(
    db: Db,
    private readonly meta: Meta,
    private readonly counters: Counters,
  ) {
    this.insert = db.prepare(
      "INSERT OR IGNORE INTO outbox (kind, cluster_id, period, target, payload, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
    );
    this.selectOpen = db.prepare(
      "SELECT * FROM outbox WHERE status IN ('pending', 'signed') ORDER BY id LIMIT ?",
    );
    this.selectAll = db.prepare("SELECT * FROM outbox ORDER BY id");
    this.selectOne = db.prepare("SELECT * FROM outbox WHERE id = ?");
    this.selectFailed = db.prepare(
      "SELECT * FROM outbox WHERE status IN ('rejected', 'reverted') AND updated_at >= ? ORDER BY updated_at DESC, id DESC LIMIT ?",
    );
    this.setSigned = db.prepare(
      "UPDATE outbox SET status = 'signed', nonce = ?, raw_tx = ?, tx_hash = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
    );
    this.setFinal = db.prepare("UPDATE outbox SET status = ?, last_error = ?, updated_at = ? WHERE id = ?");
    this.setPending = db.prepare(
      "UPDATE outbox SET status = 'pending', nonce = NULL, raw_tx = NULL, tx_hash = NULL, last_error = ?, updated_at = ? WHERE id = ?",
    );
    this.setDeferred = db.prepare(
      "UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ?, updated_at = ? WHERE id = ?",
    );
    this.enqueueTx = transaction(db, (intent: OutboxIntent, now: number) => this.enqueueInTx(intent, now));
    this.markSignedTx = transaction(
      db,
      (id: number, nonce: number, rawTx: string, txHash: string, now: number) => {
        this.setSigned.run(nonce, rawTx, txHash, now, id);
        if (nonce + 1 > this.nextNonce()) this.meta.set(NEXT_NONCE, String(nonce + 1));
      },
    );
    this.finishTx = transaction(db, (id: number, status: FinalStatus, note: string | null, now: number) => {
      const row = this.selectOne.get(id);
      if (!row || (row.status !== "pending" && row.status !== "signed")) return;
      this.setFinal.run(status, note, now, id);
      if (status === "confirmed") {
        if (row.kind === "attest") this.counters.bump("attestations_on_chain");
        else this.counters.bump("tamper_reports");
      } else if (status === "reverted") this.counters.bump("tx_reverted");
      else if (status === "rejected") this.counters.bump("tx_rejected");
    });
  }

  /** Record an intent in its own transaction; an intent already recorded is kept as it is. */
  enqueue(intent: OutboxIntent, now: number): void {
    this.enqueueTx(intent, now);
  }

  /** Record an intent inside the caller's transaction. */
  enqueueInTx(intent: OutboxIntent, now: number): void {
    this.insert.run(intent.kind, intent.clusterId, intent.period, intent.target, intent.payload, now, now);
  }

  /** Rows still to act on (pending or signed), oldest first. */
  open(limit: number): OutboxRow[] {
    return this.selectOpen.all(limit).map(fromDb);
  }

  get(id: number): OutboxRow | undefined {
    const r = this.selectOne.get(id);
    return r ? fromDb(r) : undefined;
  }

  /** Actions rejected or reverted at or after `since` (ms since 1970), newest first. */
  failedSince(since: number, limit: number): FailedAction[] {
    return this.selectFailed.all(since, limit).map((r) => ({ row: fromDb(r), at: r.updated_at }));
  }

  all(): OutboxRow[] {
    return this.selectAll.all().map(fromDb);
  }

  /** Record the signed transaction BEFORE broadcasting it, so a restart re-broadcasts the same bytes. */
  markSigned(id: number, nonce: number, rawTx: string, txHash: string, now: number): void {
    this.markSignedTx(id, nonce, rawTx, txHash, now);
  }

  /** The lowest nonce this node has not yet used, as far as this database knows. */
  nextNonce(): number {
    return Number(this.meta.get(NEXT_NONCE) ?? "0");
  }

  /** Final state; bumps the matching counter once (the status guard makes it idempotent). */
  finish(id: number, status: FinalStatus, note: string | null, now: number): void {
    this.finishTx(id, status, note, now);
  }

  /** Back to pending (the signed tx was dropped or its nonce taken): it will be re-signed. */
  resetToPending(id: number, note: string, now: number): void {
    this.setPending.run(note, now, id);
  }

  /** A transient failure: try again no earlier than `notBefore` (ms since 1970). */
  defer(id: number, error: string, notBefore: number, now: number): void {
    this.setDeferred.run(error, notBefore, now, id);
    this.counters.bump("tx_retries");
  }
}
