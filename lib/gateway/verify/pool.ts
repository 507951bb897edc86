/**
 * Signature recovery on worker threads, one per core by default: each request's digests and signatures,
 * packed, are split into contiguous chunks (one per worker, at most 256 items) that queue here; every
 * worker holds up to two chunks, so it has the next one while this thread is busy parsing or committing.
 * A request of a few items (a single post) is recovered inline when the native binding is loaded: that
 * is cheaper than the hand-off. With 0 threads, or when no worker can start, recovery runs inline on the
 * calling thread (same results).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  ADDRESS_BYTES,
  DIGEST_BYTES,
  RECOVERY_IMPL,
  SIGNATURE_BYTES,
  WORKER_ROLE,
  recoverAddresses,
  type RecoverAnswer,
  type RecoverRequest,
  type Recovered,
} from "./recover.js";

/** Items one message carries at most: large enough to amortise the message, small enough to share. */
const MAX_CHUNK = 256;
/** Messages a worker holds at once: the one it works on and the next. */
const PIPELINE = 2;
/**
 * Requests of at most this many items are recovered on the calling thread: one native recovery costs
 * less than the two thread hand-offs a worker needs (a single post's latency was dominated by them).
 */
export const INLINE_MAX_ITEMS = 4;

/** A contiguous part of one request, recovered by one worker message. */
interface Job {
  readonly digests: Uint8Array<ArrayBuffer>;
  readonly signatures: Uint8Array<ArrayBuffer>;
  readonly count: number;
  readonly resolve: (r: Recovered) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Jobs of the messages in flight, by message id (empty when idle). */
  readonly busy: Map<number, Job>;
  dead: boolean;
}

export interface RecoveryInfo {
  /** libsecp256k1 ("native") or ethers/noble ("js"). */
  readonly impl: "native" | "js";
  /** Worker threads alive (0: inline). */
  readonly threads: number;
}

/** Signer addresses (lowercase hex, null: no key) of recovered items: one hex conversion per part. */
function hexAddresses(parts: readonly Recovered[], count: number): (string | null)[] {
  const out = new Array<string | null>(count);
  const HEX = 2 * ADDRESS_BYTES;
  let k = 0;
  for (const r of parts) {
    const hex = Buffer.from(r.addresses.buffer, r.addresses.byteOffset, r.addresses.length).toString("hex");
    for (let i = 0; i < r.ok.length; i++)
      out[k++] = r.ok[i] === 1 ? "0x" + hex.slice(i * HEX, (i + 1) * HEX) : null;
  }
  return out;
}

export class RecoveryPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
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
    const slot: Slot = { worker, busy: new Map(), dead: false };
    worker.unref();
    worker.on("message", (m: RecoverAnswer | { ready: string }) => {
      if ("id" in m) this.answered(slot, m);
    });
    const fail = () => {
      if (slot.dead) return;
      slot.dead = true;
      // Its jobs go back to the front of the queue: another worker (or this thread) recovers them.
      this.queue.unshift(...slot.busy.values());
      slot.busy.clear();
      this.dispatch();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    this.slots.push(slot);
  }

  /**
   * Signer address (lowercase hex, null where the signature recovers no key) of `count` packed items (`DIGEST_BYTES` and `SIGNATURE_BYTES` each, as
   * recoverAddresses takes them), split across the idle workers in contiguous chunks.
   */
  async recoverPacked(
    digests: Uint8Array<ArrayBuffer>,
    signatures: Uint8Array<ArrayBuffer>,
    count: number,
  ): Promise<(string | null)[]> {
    if (count === 0) return [];
    const live = this.slots.filter((s) => !s.dead).length;
    if (live === 0 || this.closed || (count <= INLINE_MAX_ITEMS && RECOVERY_IMPL === "native"))
      return recoverPackedHere(digests, signatures, count);
    const chunk = Math.min(MAX_CHUNK, Math.ceil(count / live));
    const parts: Promise<Recovered>[] = [];
    for (let from = 0; from < count; from += chunk) {
      const n = Math.min(chunk, count - from);
      parts.push(
        new Promise<Recovered>((resolve) =>
          this.queue.push({
            digests: digests.slice(from * DIGEST_BYTES, (from + n) * DIGEST_BYTES),
            signatures: signatures.slice(from * SIGNATURE_BYTES, (from + n) * SIGNATURE_BYTES),
            count: n,
            resolve,
          }),
        ),
      );
    }
    this.dispatch();
    return hexAddresses(await Promise.all(parts), count);
  }

  private dispatch(): void {
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) {
      // Every worker died: finish the queue here.
      for (const job of this.queue.splice(0)) recoverInline(job);
      return;
    }
    // Up to PIPELINE messages per worker: the next chunk is waiting when one is done, even while this
    // thread is busy (parsing or committing) and cannot hand out more.
    for (let depth = 0; depth < PIPELINE; depth++) {
      for (const slot of live) {
        if (slot.busy.size > depth) continue;
        const job = this.queue.shift();
        if (job === undefined) return;
        const id = this.nextId++;
        slot.busy.set(id, job);
        // Copies are sent (not transferred): the job keeps its buffers in case this worker dies.
        const req: RecoverRequest = {
          id,
          digests: job.digests,
          signatures: job.signatures,
          count: job.count,
        };
        slot.worker.ref();
        slot.worker.postMessage(req);
      }
    }
  }

  private answered(slot: Slot, a: RecoverAnswer): void {
    const job = slot.busy.get(a.id);
    if (job === undefined) return;
    slot.busy.delete(a.id);
    if (slot.busy.size === 0) slot.worker.unref();
    job.resolve({ addresses: a.addresses, ok: a.ok });
    this.dispatch();
  }

  /** Stop the workers; later calls recover inline. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.queue.splice(0);
    for (const s of this.slots) {
      pending.push(...s.busy.values());
      s.busy.clear();
      s.dead = true;
    }
    for (const job of pending) recoverInline(job);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

function recoverInline(job: Job): void {
  job.resolve(recoverAddresses(job.digests, job.signatures, job.count));
}

/** Signer addresses (lowercase hex, null: no key) of `count` packed items, recovered on this thread. */
export function recoverPackedHere(
  digests: Uint8Array,
  signatures: Uint8Array,
  count: number,
): (string | null)[] {
  return hexAddresses([recoverAddresses(digests, signatures, count)], count);
}
