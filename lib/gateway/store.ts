/**
 * The gateway's embedded database (better-sqlite3, WAL, synchronous=FULL; reading group commits sync
 * their WAL off the event loop instead, store/wal-sync.ts): accepted readings, the
 * quarantine, compromised-meter alarms, built batches with their proofs, the other voters' attestations, the transaction
 * outbox and
 * durable counters. Every multi-row change is one SQLite transaction, so a process killed at any moment
 * (kill -9) leaves either the whole change or none of it.
 *
 * This facade keeps the store's one API; the tables live in store/ by concern, all on one handle, each
 * with its statements prepared once.
 */
import type { SignedAttestation } from "../batches/attestation.js";
import type { Statement } from "better-sqlite3";
import type { Reading, SignedReading } from "../batches/reading.js";
import { absenceNeighbours } from "../batches/merkle64.js";
import type { AbsenceProof, ProvenBatch, ReadingProof, Role } from "./types.js";
import {
  Admissions,
  type Admission,
  type AdmitOutcome,
  type AdmitRequest,
  type GroupOutcome,
} from "./store/admit.js";
import { Attestations } from "./store/attestations.js";
import { Batches, type StoredBatch } from "./store/batches.js";
import { Counters, type CounterName } from "./store/counters.js";
import { Cursors } from "./store/cursors.js";
import { openDatabase, type Db, type Meta } from "./store/db.js";
import {
  Outbox,
  type FailedAction,
  type FinalStatus,
  type OutboxKind,
  type OutboxRow,
} from "./store/outbox.js";
import {
  Alarms,
  DEFAULT_QUARANTINE_CAP,
  Quarantine,
  type MeterPeriod,
  type QuarantineEntry,
  type QuarantineRecord,
} from "./store/quarantine.js";
import { Readings, type StoreOutcome } from "./store/readings.js";
import { Retention } from "./store/retention.js";
import { WalSync } from "./store/wal-sync.js";

export { COUNTERS, type CounterName } from "./store/counters.js";
export { StoreError } from "./store/db.js";
export { headerFromJson, headerToJson, sameSignedReading } from "./store/codec.js";
export type { FailedAction, OutboxKind, OutboxRow, OutboxStatus } from "./store/outbox.js";
export {
  DEFAULT_QUARANTINE_CAP,
  MAX_QUARANTINE_BODY,
  type QuarantineEntry,
  type QuarantineRecord,
} from "./store/quarantine.js";
export { QUARANTINE_MAX_AGE_MS } from "./store/retention.js";
export type { Admission, AdmitOutcome, AdmitRequest, GroupOutcome } from "./store/admit.js";
export type { StoredBatch } from "./store/batches.js";
export type { StoreOutcome } from "./store/readings.js";
export type { Reading };

/** The store's tables, each behind its own repository. */
interface Tables {
  readonly meta: Meta;
  readonly counters: Counters;
  readonly quarantine: Quarantine;
  readonly alarms: Alarms;
  readonly cursors: Cursors;
  readonly outbox: Outbox;
  readonly batches: Batches;
  readonly readings: Readings;
  readonly retention: Retention;
  readonly admissions: Admissions;
  readonly attestations: Attestations;
}

export interface StoreOptions {
  /** Quarantine rows kept at most (default DEFAULT_QUARANTINE_CAP). */
  readonly quarantineCap?: number;
}

export class GatewayStore {
  readonly db: Db;
  private readonly t: Tables;
  /** fdatasync of the WAL off the event loop, for group commits (null: no WAL file, e.g. in memory). */
  private readonly wal: WalSync | null;
  /** `PRAGMA synchronous` for one group commit and back, prepared once. */
  private readonly syncMode: { readonly normal: Statement; readonly full: Statement };

  constructor(file: string, opts: StoreOptions = {}) {
    const { db, meta } = openDatabase(file);
    this.db = db;
    const counters = new Counters(db);
    const quarantine = new Quarantine(db, counters, opts.quarantineCap ?? DEFAULT_QUARANTINE_CAP);
    const alarms = new Alarms(db, counters);
    const cursors = new Cursors(db);
    const outbox = new Outbox(db, meta, counters);
    const batches = new Batches(db, cursors, outbox, counters);
    const readings = new Readings(db, batches, quarantine, alarms, counters);
    const retention = new Retention(db);
    const admissions = new Admissions(db, readings, quarantine, outbox, counters);
    const attestations = new Attestations(db, counters);
    this.t = {
      meta,
      counters,
      quarantine,
      alarms,
      cursors,
      outbox,
      batches,
      readings,
      retention,
      admissions,
      attestations,
    };
    const walMode = db.pragma("journal_mode", { simple: true }) === "wal";
    this.wal = walMode && !db.memory ? new WalSync(`${db.name}-wal`) : null;
    this.syncMode = {
      normal: db.prepare("PRAGMA synchronous = NORMAL"),
      full: db.prepare("PRAGMA synchronous = FULL"),
    };
  }

  close(): void {
    this.wal?.close();
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------------------------------------ meta

  getMeta(key: string): string | undefined {
    return this.t.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.t.meta.set(key, value);
  }

  /**
   * Pin the database to one deployment and node: reopening it for another chain, registry or node would
   * mix two grids' data, so it is refused.
   */
  bindIdentity(identity: Record<string, string>): void {
    this.t.meta.bindIdentity(identity);
  }

  // -------------------------------------------------------------------------------------- counters

  bump(name: CounterName, by = 1): void {
    this.t.counters.bump(name, by);
  }

  counters(): Record<CounterName, number> {
    return this.t.counters.all();
  }

  // -------------------------------------------------------------------------------------- readings

  getReading(meter: string, period: number): SignedReading | undefined {
    return this.t.readings.get(meter, period);
  }

  /** Accepted, in-batch readings of a cluster-period, meter ascending (late ones excluded). */
  readingsOf(clusterId: number, period: number): SignedReading[] {
    return this.t.readings.of(clusterId, period);
  }

  countReadings(): number {
    return this.t.readings.count();
  }

  /**
   * Store a verified reading for `clusterId`. Idempotent for the same signed reading; a different one for
   * the same meter-period quarantines both and marks the meter-period compromised (SPEC 5). A reading for
   * a period whose batch is already built is kept but flagged late (it cannot join a committed batch).
   */
  storeVerified(signed: SignedReading, clusterId: number, body: string, now: number): StoreOutcome {
    return this.t.readings.storeVerified(signed, clusterId, body, now);
  }

  /**
   * One request's verified and refused readings in one transaction (see store/admit.ts); at most
   * `quarantineAllowance` refusals are kept.
   */
  admit(items: readonly Admission[], now: number, quarantineAllowance?: number): AdmitOutcome[] {
    return this.t.admissions.admit(items, now, quarantineAllowance);
  }

  /** Several requests' admissions in one transaction, each its own savepoint (a group commit). */
  admitGroup(requests: readonly AdmitRequest[]): GroupOutcome[] {
    return this.t.admissions.admitGroup(requests);
  }

  /**
   * `admitGroup` committed without SQLite's own fsync (synchronous = NORMAL for this transaction only):
   * the group is durable once `syncCommits()`, called after it, resolves; nothing of it may be answered
   * before (store/wal-sync.ts). Without a WAL file it is `admitGroup`.
   */
  admitGroupUnsynced(requests: readonly AdmitRequest[]): GroupOutcome[] {
    if (!this.wal) return this.admitGroup(requests);
    this.syncMode.normal.run();
    try {
      return this.t.admissions.admitGroup(requests);
    } finally {
      this.syncMode.full.run();
    }
  }

  /** Resolves once every commit made before the call is on disk (one fdatasync of the WAL, shared). */
  syncCommits(): Promise<void> {
    return this.wal ? this.wal.sync() : Promise.resolve();
  }

  isCompromised(meter: string, period: number): boolean {
    return this.t.alarms.isCompromised(meter, period);
  }

  compromisedMeters(): MeterPeriod[] {
    return this.t.alarms.list();
  }

  // ------------------------------------------------------------------------------------ quarantine

  quarantine(rec: QuarantineRecord, now: number): void {
    this.t.quarantine.add(rec, now);
  }

  quarantined(): QuarantineRecord[] {
    return this.t.quarantine.list();
  }

  /** Newest quarantine records first (no bodies), below id `before`, optionally of one meter. */
  quarantineRecent(limit: number, opts: { meter?: string; before?: number } = {}): QuarantineEntry[] {
    return this.t.quarantine.recent(limit, opts);
  }

  countQuarantined(): number {
    return this.t.quarantine.count();
  }

  // ------------------------------------------------------------------------------ batches, cursors

  getBatch(clusterId: number, period: number): StoredBatch | undefined {
    return this.t.batches.get(clusterId, period);
  }

  /** The next period to close for a cluster, or undefined when the cluster was never seen. */
  cursor(clusterId: number): number | undefined {
    return this.t.cursors.get(clusterId);
  }

  initCursor(clusterId: number, role: Role, period: number): void {
    this.t.cursors.init(clusterId, role, period);
  }

  /**
   * Close a cluster-period in one transaction: record the batch and its proofs, enqueue the on-chain
   * intent (this node's attestation), and move the cursor past it. An empty period (no reading) moves the cursor
   * only. Refuses to close any period but the cursor's, so no period is skipped or closed twice.
   */
  closePeriod(clusterId: number, period: number, role: Role, built: ProvenBatch | null, now: number): void {
    this.t.batches.closePeriod(clusterId, period, role, built, now);
  }

  /** The cluster whose batch this node built holds the meter-period's reading (undefined when none). */
  batchedIn(meter: string, period: number): number | undefined {
    return this.t.batches.leafOf(meter, period)?.clusterId;
  }

  /** SPEC 5 / issue: any accepted, batched reading can be proven later (billing, capacity checks). */
  proofFor(meter: string, period: number): ReadingProof | undefined {
    const leaf = this.t.batches.leafOf(meter, period);
    if (!leaf) return undefined;
    const s = this.t.readings.get(meter, period);
    if (!s) return undefined;
    return { reading: s.reading, signature: s.signature, index: leaf.index, proof: leaf.proof };
  }

  // ---------------------------------------------------------------------------------- attestations

  /** Keep another voter's verified attestation; false when that signer's is already held. */
  holdAttestation(a: SignedAttestation, now: number): boolean {
    return this.t.attestations.hold(a, now);
  }

  /** The other voters' attestations held for a cluster-period. */
  heldAttestations(clusterId: number, period: number): SignedAttestation[] {
    return this.t.attestations.of(clusterId, period);
  }

  /**
   * SPEC 5 non-membership: when this node built the cluster-period's batch without a reading of `meter`, the
   * proofs of the leaves around the meter's address (IBatchLedger.AbsenceProof: its period is unread).
   * Undefined when no batch was built, the meter has a leaf, or a neighbour's reading is no longer held.
   */
  absenceFor(meter: string, clusterId: number, period: number): AbsenceProof | undefined {
    if (!this.t.batches.has(clusterId, period)) return undefined;
    const leaves = this.t.batches.leavesOf(clusterId, period);
    const keys = leaves.map((l) => BigInt(l.meter));
    if (keys.includes(BigInt(meter))) return undefined;
    const around: ReadingProof[] = [];
    for (const i of absenceNeighbours(keys, BigInt(meter))) {
      const leaf = leaves[i]!;
      const s = this.t.readings.get(leaf.meter, period);
      if (!s) return undefined;
      around.push({ reading: s.reading, signature: s.signature, index: leaf.index, proof: leaf.proof });
    }
    return { meter, period, around };
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
    this.t.outbox.enqueue({ kind, clusterId, period, target, payload }, now);
  }

  /** Rows still to act on (pending or signed), oldest first. */
  openOutbox(limit: number): OutboxRow[] {
    return this.t.outbox.open(limit);
  }

  outbox(): OutboxRow[] {
    return this.t.outbox.all();
  }

  outboxRow(id: number): OutboxRow | undefined {
    return this.t.outbox.get(id);
  }

  /** Actions rejected or reverted at or after `since` (ms since 1970), newest first. */
  failedActions(since: number, limit: number): FailedAction[] {
    return this.t.outbox.failedSince(since, limit);
  }

  /** Record the signed transaction BEFORE broadcasting it, so a restart re-broadcasts the same bytes. */
  markSigned(id: number, nonce: number, rawTx: string, txHash: string, now: number): void {
    this.t.outbox.markSigned(id, nonce, rawTx, txHash, now);
  }

  /** The lowest nonce this node has not yet used, as far as this database knows. */
  nextNonce(): number {
    return this.t.outbox.nextNonce();
  }

  /** Final state; bumps the matching counter once (the status guard makes it idempotent). */
  finish(id: number, status: FinalStatus, note: string | null, now: number): void {
    this.t.outbox.finish(id, status, note, now);
  }

  /** Back to pending (the signed tx was dropped or its nonce taken): it will be re-signed. */
  resetToPending(id: number, note: string, now: number): void {
    this.t.outbox.resetToPending(id, note, now);
  }

  /** A transient failure: try again no earlier than `notBefore` (ms since 1970). */
  deferOutbox(id: number, error: string, notBefore: number, now: number): void {
    this.t.outbox.defer(id, error, notBefore, now);
  }

  // --------------------------------------------------------------------------------------- pruning

  /**
   * SPEC 3: drop raw data older than `beforePeriod`, but only for cluster-periods that are anchored (their
   * batch's transaction is final) or closed empty. Alarms older than that go too, and quarantine rows
   * of older periods or older than QUARANTINE_MAX_AGE_MS at `now` (ms since 1970), NULL periods included.
   * @returns the number of readings deleted.
   */
  prune(beforePeriod: number, now = Date.now()): number {
    return this.t.retention.prune(beforePeriod, now);
  }
}
