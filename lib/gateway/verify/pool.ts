/**
 * Signature recovery on worker threads, one per core by default: requests from concurrent HTTP posts
 * queue here and are sent to idle workers in chunks, so a bulk upload is split across every worker.
 * A request of a few items (a single post) is recovered inline when the native binding is loaded: that
 * is cheaper than the hand-off. With 0 threads, or when no worker can start, recovery runs inline on the
 * calling thread (same results).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  ADDRESS_BYTES,
  RECOVERY_IMPL,
  WORKER_ROLE,
  recoverAddresses,
  type RecoverAnswer,
  type RecoverRequest,
  type Recovered,
} from "./recover.js";

/** Items one message carries at most: large enough to amortise the message, small enough to share. */
const MAX_CHUNK = 256;
/**
 * Requests of at most this many items are recovered on the calling thread: one native recovery costs
 * less than the two thread hand-offs a worker needs (a single post's latency was dominated by them).
 */
export const INLINE_MAX_ITEMS = 4;

interface Job {
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
  readonly resolve: (address: string | null) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Jobs of the message in flight (empty when idle). */
  busy: Job[];
  dead: boolean;
}

export interface RecoveryInfo {
  /** libsecp256k1 ("native") or ethers/noble ("js"). */
  readonly impl: "native" | "js";
  /** Worker threads alive (0: inline). */
  readonly threads: number;
}

function hexAddress(r: Recovered, i: number): string | null {
  if (r.ok[i] !== 1) return null;
  return "0x" + Buffer.from(r.addresses.subarray(i * ADDRESS_BYTES, (i + 1) * ADDRESS_BYTES)).toString("hex");
}

export class RecoveryPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly inFlight = new Map<number, Slot>();
  private nextId = 1;
  private closed = false;

  /** @param threads worker threads (default: the machine's available parallelism; 0 = inline). */
  constructor(threads = availableParallelism()) {
    for (let i = 0; i < threads; i++) this.spawn();
  }

  info(): RecoveryInfo {
    return { impl: RECOVERY_IMPL, threads: this.slots.filter((s) => !s.dead).length };
  }

  private spawn(): void {
    const worker = new Worker(new URL("./recover.ts", import.meta.url), {
      workerData: { role: WORKER_ROLE },
    });
    const slot: Slot = { worker, busy: [], dead: false };
    worker.unref();
    worker.on("message", (m: RecoverAnswer | { ready: string }) => {
      if ("id" in m) this.answered(slot, m);
    });
    const fail = () => {
      if (slot.dead) return;
      slot.dead = true;
      // Its jobs go back to the front of the queue: another worker (or this thread) recovers them.
      this.queue.unshift(...slot.busy);
      slot.busy = [];
      this.dispatch();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    this.slots.push(slot);
  }

  /** Signer address (lowercase hex) of each item, or null where the signature recovers no key. */
  recover(items: readonly { digest: Uint8Array; signature: Uint8Array }[]): Promise<(string | null)[]> {
    if (items.length === 0) return Promise.resolve([]);
    const live = this.slots.some((s) => !s.dead);
    if (!live || this.closed || (items.length <= INLINE_MAX_ITEMS && RECOVERY_IMPL === "native"))
      return Promise.resolve(recoverHere(items));
    const out = Promise.all(
      items.map(
        (it) =>
          new Promise<string | null>((resolve) =>
            this.queue.push({ digest: it.digest, signature: it.signature, resolve }),
          ),
      ),
    );
    this.dispatch();
    return out;
  }

  private dispatch(): void {
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) {
      // Every worker died: finish the queue here.
      const jobs = this.queue.splice(0);
      this.recoverInline(jobs);
      return;
    }
    for (const slot of live) {
      if (this.queue.length === 0) return;
      if (slot.busy.length > 0) continue;
      const chunk = Math.min(MAX_CHUNK, Math.ceil(this.queue.length / live.length));
      const jobs = this.queue.splice(0, chunk);
      const id = this.nextId++;
      slot.busy = jobs;
      this.inFlight.set(id, slot);
      const req: RecoverRequest = {
        id,
        digests: concat(jobs.map((j) => j.digest)),
        signatures: concat(jobs.map((j) => j.signature)),
        count: jobs.length,
      };
      slot.worker.ref();
      slot.worker.postMessage(req, [req.digests.buffer, req.signatures.buffer]);
    }
  }

  private recoverInline(jobs: readonly Job[]): void {
    if (jobs.length === 0) return;
    recoverHere(jobs).forEach((a, i) => jobs[i]?.resolve(a));
  }

  private answered(slot: Slot, a: RecoverAnswer): void {
    if (this.inFlight.get(a.id) !== slot) return;
    this.inFlight.delete(a.id);
    const jobs = slot.busy;
    slot.busy = [];
    slot.worker.unref();
    jobs.forEach((j, i) => j.resolve(hexAddress(a, i)));
    this.dispatch();
  }

  /** Stop the workers; later calls recover inline. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.queue.splice(0);
    for (const s of this.slots) {
      pending.push(...s.busy);
      s.busy = [];
      s.dead = true;
    }
    this.recoverInline(pending);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** Signer addresses (lowercase hex, null: no key) recovered on this thread. */
export function recoverHere(
  items: readonly { digest: Uint8Array; signature: Uint8Array }[],
): (string | null)[] {
  const r = recoverAddresses(
    concat(items.map((x) => x.digest)),
    concat(items.map((x) => x.signature)),
    items.length,
  );
  return items.map((_, i) => hexAddress(r, i));
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const size = parts[0]?.length ?? 0;
  const out = new Uint8Array(parts.length * size);
  parts.forEach((p, i) => out.set(p, i * size));
  return out;
}
