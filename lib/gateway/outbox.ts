/**
 * The transaction outbox: every on-chain action (propose, vote, reportTamper) is an intent row written in
 * the same SQLite transaction as the batch it belongs to. Sending follows a crash-safe protocol:
 *
 * 1. Before anything, ask the chain whether the effect already exists (the node already voted, the meter
 *    is already tampered): then the row is done, nothing is sent.
 * 2. Simulate (estimateGas). A revert that waiting cannot fix (voting closed, not assigned) rejects the
 *    row; "already voted/proposed" confirms it; "period not over yet" defers it.
 * 3. Pick the nonce explicitly (max of the chain's pending count and our own record), sign locally, and
 *    record nonce + raw bytes + hash BEFORE broadcasting.
 * 4. Broadcast the recorded bytes (retried with backoff on transient RPC errors), then reconcile the
 *    receipt. On restart a `signed` row is reconciled: receipt found -> final; nonce consumed by another
 *    transaction -> back to step 1; otherwise the same bytes are broadcast again (same hash, so they can
 *    never be mined twice).
 */
import { Interface, keccak256, type Provider, type TransactionRequest, type Wallet } from "ethers";
import { GridShareError } from "../errors.js";
import { headerTuple } from "../batches/batch.js";
import { ledgerInterface, registryInterface } from "./chain.js";
import { headerFromJson, type GatewayStore, type OutboxRow } from "./store.js";
import type { ChainView } from "./types.js";

/** Revert names that mean the effect is already on chain (a previous send of ours, or a crash mid-send). */
const ALREADY_DONE = new Set(["AlreadyProposed", "AlreadyVoted"]);
/** Revert names that waiting can fix. */
const DEFERRABLE = new Set(["FuturePeriod", "BeforeEpoch"]);

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

/** Transaction target and calldata for an outbox row. */
export function callOf(row: OutboxRow, ledger: string, registry: string): { to: string; data: string } {
  if (row.kind === "reportTamper") {
    const { meter } = JSON.parse(row.payload) as { meter: string };
    return { to: registry, data: registryInterface.encodeFunctionData("reportTamper", [meter]) };
  }
  const h = headerFromJson(row.payload);
  return { to: ledger, data: (ledgerInterface as Interface).encodeFunctionData(row.kind, [headerTuple(h)]) };
}

export class Outbox {
  private readonly o: Required<Omit<OutboxOptions, "onStep">> & Pick<OutboxOptions, "onStep">;

  constructor(opts: OutboxOptions) {
    this.o = {
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
  private async effectDone(row: OutboxRow): Promise<boolean> {
    if (row.kind === "reportTamper") {
      const { meter } = JSON.parse(row.payload) as { meter: string };
      return (await this.o.chain.meterInfo(meter)).status !== "active";
    }
    return this.o.chain.hasVoted(row.clusterId, row.period, this.o.wallet.address);
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

  private finish(
    row: OutboxRow,
    status: "confirmed" | "superseded" | "reverted" | "rejected",
    note: string | null,
  ): void {
    this.o.store.finish(row.id, status, note, this.o.clock());
    this.o.onStep?.("final", row);
  }

  private async sendPending(row: OutboxRow): Promise<void> {
    if (await this.effectDone(row)) {
      this.finish(row, "confirmed", "effect already on chain");
      return;
    }
    if (row.kind !== "reportTamper") {
      const d = await this.o.chain.decision(row.clusterId, row.period);
      if (d.status === "accepted" && d.digest === row.target) {
        // Decided with our digest before we were needed: a transaction would only cost gas.
        this.finish(row, "superseded", "batch already accepted with this digest");
        return;
      }
      if (row.kind === "propose" && d.status !== "none" && d.status !== "pending") {
        this.finish(
          row,
          "rejected",
          `batch already ${d.status} with digest ${d.digest}, ours is ${row.target}`,
        );
        return;
      }
      // A neighbour whose digest lost still votes it: its dissent goes on record (SPEC 6).
    }
    const { to, data } = callOf(row, this.o.ledger, this.o.registry);
    const from = this.o.wallet.address;
    let gas: bigint;
    try {
      gas = await this.provider.estimateGas({ from, to, data });
    } catch (e) {
      const r = classifyRevert(e);
      if (!r) throw e; // transient: deferred by pump()
      if (ALREADY_DONE.has(r.name)) this.finish(row, "confirmed", r.detail);
      else if (DEFERRABLE.has(r.name)) this.defer(row, r.detail);
      else this.finish(row, "rejected", r.detail);
      return;
    }
    this.o.onStep?.("checked", row);
    const chainNonce = await this.provider.getTransactionCount(from, "pending");
    const nonce = Math.max(chainNonce, this.o.store.nextNonce());
    // 20% headroom: state can change between the estimate and inclusion (another vote lands first).
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
