/**
 * Group commit: the admissions of concurrent requests are written in one SQLite transaction, so one fsync
 * (synchronous=FULL) serves them all, and each request is answered only after that commit. A group is
 * written as soon as every request in progress is waiting for it, or `MAX_WAIT_MS` after its first
 * request, whichever comes first: with 8 posts in flight one commit carries up to 8 of them.
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
  /** Requests between begin() and end(): those that may still join the next group. */
  private active = 0;

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
    if (this.queue.length >= this.active) {
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
      outcomes = this.store.admitGroup(group);
    } catch (e) {
      for (const w of group) w.reject(e);
      return;
    }
    group.forEach((w, i) => {
      const o = outcomes[i];
      if (o && "outcomes" in o) w.resolve(o.outcomes);
      else w.reject(o?.error ?? new Error("group commit lost a request"));
    });
  }
}
