/**
 * Per-source refusal allowance (a token bucket per client address): every refused reading spends a
 * token, valid readings spend nothing. A source with no token left is answered 429 before its body is
 * read, and its refusals beyond the tokens it had are answered but not kept in the quarantine. So junk
 * cannot grow the database or eat the CPU without bound, while a head-end sending good readings is
 * never slowed.
 */

export interface RefusalLimits {
  /** Tokens a fresh source starts with (and at most holds). */
  readonly burst: number;
  /** Tokens regained per minute. */
  readonly perMinute: number;
}

/** Two full junk bulk uploads at once, then 20 refusals a second. */
export const DEFAULT_REFUSAL_LIMITS: RefusalLimits = { burst: 2_000, perMinute: 1_200 };

/** Sources remembered at most; the least recently seen are forgotten first (they start full again). */
const MAX_SOURCES = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class RefusalBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: RefusalLimits = DEFAULT_REFUSAL_LIMITS) {}

  private bucket(source: string, now: number): Bucket {
    let b = this.buckets.get(source);
    if (b) {
      this.buckets.delete(source); // re-inserted below: Map order is least recently seen first
      b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.at) / 60_000) * this.limits.perMinute);
      b.at = now;
    } else b = { tokens: this.limits.burst, at: now };
    this.buckets.set(source, b);
    if (this.buckets.size > MAX_SOURCES) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return b;
  }

  /** Whole refusals `source` may still have kept. */
  available(source: string, now: number): number {
    return Math.floor(this.bucket(source, now).tokens);
  }

  /** Spend `refusals` tokens (never below zero). */
  charge(source: string, refusals: number, now: number): void {
    if (refusals <= 0) return;
    const b = this.bucket(source, now);
    b.tokens = Math.max(0, b.tokens - refusals);
  }

  /** Whole seconds until `source` has a token again. */
  retryAfterSeconds(source: string, now: number): number {
    const missing = 1 - this.bucket(source, now).tokens;
    return missing <= 0 ? 0 : Math.max(1, Math.ceil((missing / this.limits.perMinute) * 60));
  }
}
