/**
 * The transaction outbox: every on-chain action (this node's attestation of a batch, a tamper report) is an
 * intent row written in the same SQLite transaction as the batch it belongs to. Sending follows a crash-safe
 * protocol:
 *
 * 1. Before anything, ask the chain whether the effect already exists (the node's attestation is on record,
 *    sent by itself or carried by a peer; the meter is already tampered): then the row is done, nothing is
 *    sent. An attestation waits while a peer may still carry it (see `AttestationTiming`).
 * 2. Simulate (estimateGas). A revert that waiting cannot fix (voting closed, batch disputed) rejects the
 *    row; "period not over yet" defers it. A submission refused for a peer's attestation it carried is
 *    simulated again with the node's own attestation alone.
 * 3. Pick the nonce explicitly (max of the chain's pending count and our own record), sign locally, and
 *    record nonce + raw bytes + hash BEFORE broadcasting.
 * 4. Broadcast the recorded bytes (retried with backoff on transient RPC errors), then reconcile the
 *    receipt. On restart a `signed` row is reconciled: receipt found -> final; nonce consumed by another
 *    transaction -> back to step 1; otherwise the same bytes are broadcast again (same hash, so they can
 *    never be mined twice).
 */
import {
  getAddress,
  keccak256,
  type Provider,
  type TransactionRequest,
  type TypedDataDomain,
  type Wallet,
} from "ethers";
import {
  attestationOf,
  ledgerDomain,
  signAttestation,
  type SignedAttestation,
} from "../batches/attestation.js";
import { encodeSubmission } from "../batches/submission.js";
import { votesNeeded } from "../batches/tally.js";
import { GridShareError } from "../errors.js";
import { periodStart } from "../time.js";
import { ledgerInterface, registryInterface } from "./chain.js";
import { headerFromJson, type GatewayStore, type OutboxRow } from "./store.js";
import type { ChainView } from "./types.js";

/** Revert names that waiting can fix. */
const DEFERRABLE = new Set(["FuturePeriod", "BeforeEpoch"]);
/** Revert names that blame an attestation the submission carried for a peer: retried without them. */
const PEER_ATTESTATION_REFUSED = new Set([
  "UnassignedSigner",
  "WrongAttestationSlot",
  "InvalidAttestationSignature",
  "VoterMismatch",
  "SlotOutOfRange",
  "DuplicateAttestation",
]);

/**
 * When a node submits its attestation of a cluster-period, in chain seconds after the batch's window opened
 * (the end of the period). The parent carries its neighbours' attestations: it submits once it holds every
 * voter's attestation, or at `aggregateWaitSeconds` with what it holds. A neighbour hands its attestation
 * to the parent and submits it itself only if it is still not on record at `selfSubmitDelaySeconds` (the
 * fallback when a parent withholds, SPEC 6).
 */
export interface AttestationTiming {
  readonly aggregateWaitSeconds: number;
  readonly selfSubmitDelaySeconds: number;
}

/** A quarter and three eighths of the 4-hour window: room for late meters (grace) and for a retry after. */
export const DEFAULT_ATTESTATION_TIMING: AttestationTiming = {
  aggregateWaitSeconds: 3_600,
  selfSubmitDelaySeconds: 5_400,
};

export interface OutboxOptions {
  readonly store: GatewayStore;
  readonly chain: ChainView;
  /** The node's key, connected to a provider. */
  readonly wallet: Wallet;
  readonly ledger: string;
  readonly registry: string;
  /** First retry delay after a transient error (doubles per attempt, capped at `maxBackoffMs`). */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Broadcast attempts within one pump before the row is deferred. */
  readonly broadcastAttempts?: number;
  /** Receipt polls within one pump (each `receiptPollMs` apart) before the row is left for later. */
  readonly receiptPolls?: number;
  readonly receiptPollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly clock?: () => number;
  readonly timing?: AttestationTiming;
  /** Test hook: called between the protocol's steps, so a test can crash the sender at any of them. */
  readonly onStep?: (step: "checked" | "signed" | "broadcast" | "final", row: OutboxRow) => void;
}

export interface PumpResult {
  readonly processed: number;
  readonly open: number;
}

export class OutboxError extends GridShareError {
  constructor(problem: string) {
    super("OUTBOX", problem);
  }
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message.slice(0, 500);
  return String(e).slice(0, 500);
}

/** Revert data carried by an ethers / Hardhat error, if any. */
function revertData(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && typeof cur === "object" && cur !== null; depth++) {
    const o = cur as { data?: unknown; error?: unknown; info?: unknown; cause?: unknown };
    if (typeof o.data === "string" && o.data.startsWith("0x")) return o.data;
    if (typeof o.data === "object" && o.data !== null) {
      const d = (o.data as { data?: unknown }).data;
      if (typeof d === "string" && d.startsWith("0x")) return d;
    }
    cur = o.error ?? o.cause ?? (o.info as { error?: unknown } | undefined)?.error;
  }
  return undefined;
}

/** `{ name }` of a decoded custom error, `{ name: "revert" }` for another revert, undefined when not a revert. */
export function classifyRevert(e: unknown): { name: string; detail: string } | undefined {
  const data = revertData(e);
  const code = (e as { code?: unknown }).code;
  if (data !== undefined && data !== "0x") {
    for (const iface of [ledgerInterface, registryInterface]) {
      try {
        const parsed = iface.parseError(data);
        if (parsed)
          return { name: parsed.name, detail: `${parsed.name}(${parsed.args.map(String).join(", ")})` };
      } catch {
        // not this interface's error
      }
    }
    return { name: "revert", detail: `reverted with data ${data.slice(0, 74)}` };
  }
  if (code === "CALL_EXCEPTION") return { name: "revert", detail: errorText(e) };
  return undefined;
}

/** Transaction target and calldata of a tamper report row. */
function tamperCall(row: OutboxRow, registry: string): { to: string; data: string } {
  const { meter } = JSON.parse(row.payload) as { meter: string };
  return { to: registry, data: registryInterface.encodeFunctionData("reportTamper", [meter]) };
}

export class Outbox {
  private readonly o: Required<Omit<OutboxOptions, "onStep">> & Pick<OutboxOptions, "onStep">;
  private domain: TypedDataDomain | undefined;

  constructor(opts: OutboxOptions) {
    this.o = {
      timing: DEFAULT_ATTESTATION_TIMING,
      baseBackoffMs: 500,
      maxBackoffMs: 30_000,
      broadcastAttempts: 3,
      receiptPolls: 20,
      receiptPollMs: 250,
      sleep: sleepMs,
      clock: Date.now,
      ...opts,
    };
  }

  private get provider(): Provider {
    const p = this.o.wallet.provider;
    if (!p) throw new OutboxError("the node wallet has no provider");
    return p;
  }

  /** Whether the row's effect is already on chain. */
  /**
   * The submission of this node's attestation of `row`'s batch (with the peers' attestations it holds that
   * are not on record yet), or null while it should wait for a peer to carry it.
   */
  private async attestation(
    row: OutboxRow,
  ): Promise<{ call: { to: string; data: string }; ownOnly: { to: string; data: string } } | null> {
    const { clusterId, period } = row;
    const header = headerFromJson(row.payload);
    const me = getAddress(this.o.wallet.address);
    const voters = await this.o.chain.batchVoters(clusterId, period);
    const held: SignedAttestation[] = [];
    for (const a of this.o.store.heldAttestations(clusterId, period)) {
      const signer = getAddress(a.signer);
      if (signer === me || !voters.includes(signer)) continue;
      if (!(await this.o.chain.hasVoted(clusterId, period, signer))) held.push(a);
    }
    const opened = periodStart(period + 1, await this.o.chain.epoch());
    const elapsed = Number((await this.o.chain.now()) - opened);
    const role = this.o.store.getBatch(clusterId, period)?.role ?? "parent";
    const { aggregateWaitSeconds, selfSubmitDelaySeconds } = this.o.timing;
    if (role === "neighbour" && elapsed < selfSubmitDelaySeconds) return null;
    // Every voter's attestation in one transaction when they all arrive in time, else what is held.
    if (role === "parent" && elapsed < aggregateWaitSeconds && held.length + 1 < voters.length) return null;
    this.domain ??= ledgerDomain((await this.provider.getNetwork()).chainId, this.o.ledger);
    const own = await signAttestation(this.o.wallet, this.domain, attestationOf(header));
    const submit = (attestations: SignedAttestation[]) => ({
      to: this.o.ledger,
      data: ledgerInterface.encodeFunctionData("submit", [
        encodeSubmission([{ header, voters, attestations }]),
      ]),
    });
    return { call: submit([own, ...held]), ownOnly: submit([own]) };
  }

  /**
   * Gas of `call`. A revert that blames an attestation is returned as its detail (the caller may retry
   * without the peers' attestations); any other revert settles the row (deferred or rejected): null.
   */
  private async estimate(
    row: OutboxRow,
    call: { to: string; data: string },
  ): Promise<bigint | string | null> {
    try {
      return await this.provider.estimateGas({ from: this.o.wallet.address, ...call });
    } catch (e) {
      const r = classifyRevert(e);
      if (!r) throw e; // transient: deferred by pump()
      if (PEER_ATTESTATION_REFUSED.has(r.name)) return r.detail;
      if (DEFERRABLE.has(r.name)) this.defer(row, r.detail);
      else this.finish(row, "rejected", r.detail);
      return null;
    }
  }

  private async effectDone(row: OutboxRow): Promise<boolean> {
    if (row.kind === "reportTamper") {
      const { meter } = JSON.parse(row.payload) as { meter: string };
      return (await this.o.chain.meterInfo(meter)).status !== "active";
    }
    const { clusterId, period } = row;
    if (!(await this.o.chain.hasVoted(clusterId, period, this.o.wallet.address))) return false;
    if ((await this.o.chain.decision(clusterId, period)).status !== "pending") return true;
    // Our digest may hold a majority of attestations that another voter carried as dissents, without its
    // header: the batch then waits for one; ours completes it (our attestation itself is skipped as counted).
    const voters = await this.o.chain.batchVoters(clusterId, period);
    return (await this.o.chain.pendingVotes(clusterId, period, row.target)) < votesNeeded(voters.length);
  }

  private defer(row: OutboxRow, error: string): void {
    const delay = Math.min(this.o.maxBackoffMs, this.o.baseBackoffMs * 2 ** Math.min(row.attempts, 16));
    const now = this.o.clock();
    this.o.store.deferOutbox(row.id, error, now + delay, now);
  }

  /** Act on open rows (bounded by `limit`), oldest first. Never throws for chain or network errors. */
  async pump(limit = 50): Promise<PumpResult> {
    let processed = 0;
    for (const row of this.o.store.openOutbox(limit)) {
      if (row.notBefore > this.o.clock()) continue;
      try {
        if (row.status === "signed") await this.reconcile(row);
        else await this.sendPending(row);
      } catch (e) {
        if (e instanceof OutboxError) throw e;
        this.defer(row, errorText(e));
      }
      processed++;
    }
    return { processed, open: this.o.store.openOutbox(limit).length };
  }

  private finish(row: OutboxRow, status: "confirmed" | "reverted" | "rejected", note: string | null): void {
    this.o.store.finish(row.id, status, note, this.o.clock());
    this.o.onStep?.("final", row);
  }

  private async sendPending(row: OutboxRow): Promise<void> {
    if (await this.effectDone(row)) {
      this.finish(row, "confirmed", "effect already on chain");
      return;
    }
    let call: { to: string; data: string };
    let ownOnly: { to: string; data: string } | null = null;
    if (row.kind === "reportTamper") call = tamperCall(row, this.o.registry);
    else {
      const d = await this.o.chain.decision(row.clusterId, row.period);
      if (d.status === "disputed") {
        this.finish(row, "rejected", "batch already Disputed: no attestation counts any more");
        return;
      }
      // A neighbour whose digest lost still submits it: its dissent goes on record (SPEC 6).
      const plan = await this.attestation(row);
      if (plan === null) return; // a peer may still carry it: look again at the next pump
      ({ call, ownOnly } = plan);
    }
    let gas = await this.estimate(row, call);
    if (typeof gas === "string" && ownOnly) {
      // A peer's attestation was refused (reassigned, stale): this node's own still has to go on record.
      call = ownOnly;
      gas = await this.estimate(row, call);
    }
    if (typeof gas === "string") this.finish(row, "rejected", gas);
    if (typeof gas !== "bigint") return;
    const { to, data } = call;
    this.o.onStep?.("checked", row);
    const chainNonce = await this.provider.getTransactionCount(this.o.wallet.address, "pending");
    const nonce = Math.max(chainNonce, this.o.store.nextNonce());
    // 20% headroom: state can change between the estimate and inclusion (another attestation lands first).
    const req: TransactionRequest = { to, data, nonce, gasLimit: (gas * 12n) / 10n };
    const populated = await this.o.wallet.populateTransaction(req);
    const raw = await this.o.wallet.signTransaction(populated);
    const hash = keccak256(raw);
    this.o.store.markSigned(row.id, nonce, raw, hash, this.o.clock());
    const signed = this.o.store.outbox().find((r) => r.id === row.id);
    if (!signed) throw new OutboxError(`outbox row ${row.id} vanished`);
    this.o.onStep?.("signed", signed);
    await this.broadcastAndSettle(signed);
  }

  /** A row signed before (maybe by a process that died): settle it without ever signing a second tx. */
  private async reconcile(row: OutboxRow): Promise<void> {
    if (!row.txHash || row.rawTx === null || row.nonce === null)
      throw new OutboxError(`outbox row ${row.id} is signed without a transaction`);
    const receipt = await this.provider.getTransactionReceipt(row.txHash);
    if (receipt) {
      this.settle(row, receipt.status === 1);
      return;
    }
    const mined = await this.provider.getTransactionCount(this.o.wallet.address, "latest");
    if (mined > row.nonce) {
      // Our nonce was used, but not by this transaction: check the effect, else sign again.
      if (await this.effectDone(row))
        this.finish(row, "confirmed", "effect on chain (nonce used by another tx)");
      else
        this.o.store.resetToPending(
          row.id,
          `nonce ${row.nonce} was used by another transaction`,
          this.o.clock(),
        );
      return;
    }
    await this.broadcastAndSettle(row);
  }

  private settle(row: OutboxRow, success: boolean): void {
    if (success) {
      this.o.store.bump("tx_sent");
      this.finish(row, "confirmed", null);
    } else this.finish(row, "reverted", `transaction ${row.txHash} reverted`);
  }

  private async broadcastAndSettle(row: OutboxRow): Promise<void> {
    const raw = row.rawTx as string;
    const hash = row.txHash as string;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.provider.broadcastTransaction(raw);
        break;
      } catch (e) {
        const msg = errorText(e).toLowerCase();
        // The node already has it (our earlier broadcast) or already mined its nonce: reconcile below.
        if (
          msg.includes("already known") ||
          msg.includes("known transaction") ||
          msg.includes("nonce too low")
        )
          break;
        if (attempt + 1 >= this.o.broadcastAttempts) throw e;
        await this.o.sleep(this.o.baseBackoffMs * 2 ** attempt);
      }
    }
    this.o.onStep?.("broadcast", row);
    for (let i = 0; i < this.o.receiptPolls; i++) {
      const receipt = await this.provider.getTransactionReceipt(hash);
      if (receipt) {
        this.settle(row, receipt.status === 1);
        return;
      }
      await this.o.sleep(this.o.receiptPollMs);
    }
    // Not mined yet: stays `signed`; the next pump reconciles it.
  }
}
