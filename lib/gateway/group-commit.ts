/**
 * Group commit: the admissions of concurrent requests are written in one SQLite transaction, and each
 * request is answered only once that transaction is on disk. A group is written as soon as every request
 * in progress is waiting for it, or `MAX_WAIT_MS` after its first request, whichever comes first: with 8
 * posts in flight one commit carries up to 8 of them. The commit itself skips SQLite's fsync; one
 * fdatasync of the WAL on libuv's thread pool makes it durable (store/wal-sync.ts), so the event loop goes
 * on parsing and verifying the next requests (which form the next group) while the disk flushes.
 */
import type { Admission, AdmitOutcome, GatewayStore } from "./store.js";

/** Longest a request waits for others to join its commit (ms). */
export const MAX_WAIT_MS = 2;

interface Waiting {
  readonly items: readonly Admission[];
  readonly now: number;
  readonly allowance?: number;
  readonly resolve: (o: AdmitOutcome[]) => void;
  readonly reject: (e: unknown) => void;
}

export class GroupCommit {
  private queue: Waiting[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** Requests between begin() and end(). */
  private active = 0;
  /** Requests committed and waiting for their sync: in progress, but they join no further group. */
  private syncing = 0;

  constructor(private readonly store: GatewayStore) {}

  /** A request started (it may admit something soon). */
  begin(): void {
    this.active++;
  }

  /** A request ended (answered, refused or failed). */
  end(): void {
    this.active--;
    this.maybeFlush();
  }

  /** Admit one request's items in the next group; resolves after the group's commit. */
  admit(items: readonly Admission[], now: number, allowance?: number): Promise<AdmitOutcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, now, allowance, resolve, reject });
      this.maybeFlush();
    });
  }

  private maybeFlush(): void {
    if (this.queue.length === 0 || this.scheduled) return;
    if (this.queue.length >= this.active - this.syncing) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        if (!this.scheduled && this.queue.length > 0) this.flush();
      }, MAX_WAIT_MS);
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.queue;
    this.queue = [];
    let outcomes;
    try {
      outcomes = this.store.admitGroupUnsynced(group);
    } catch (e) {
      for (const w of group) w.reject(e);
      return;
    }
    this.syncing += group.length;
    const answer = (synced: unknown) => {
      this.syncing -= group.length;
      group.forEach((w, i) => {
        const o = outcomes[i];
        if (synced !== undefined) w.reject(synced);
        else if (o && "outcomes" in o) w.resolve(o.outcomes);
        else w.reject(o?.error ?? new Error("group commit lost a request"));
      });
    };
    this.store.syncCommits().then(
      () => answer(undefined),
      (e: unknown) => answer(e ?? new Error("the commit could not be synced")),
    );
  }
}
