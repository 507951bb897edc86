/**
 * Bounded throughput measurement. Every loop stops at a count AND a time budget, whichever comes first, and
 * subject and baseline are interleaved round by round so that machine noise hits both alike.
 */
import { performance } from "node:perf_hooks";
import { BenchInputError } from "./figures.js";

export interface LoopBounds {
  /** Operations per round at most. */
  readonly maxOps: number;
  /** Milliseconds per round at most (checked every `batch` operations). */
  readonly maxMs: number;
  /** Operations between clock checks. */
  readonly batch?: number;
}

/** Run `op(i)` until `maxOps` or `maxMs`; returns operations per second. */
export function opsPerSecond(op: (i: number) => void, bounds: LoopBounds): number {
  const batch = bounds.batch ?? 16;
  if (bounds.maxOps < 1 || bounds.maxMs <= 0 || batch < 1) {
    throw new BenchInputError(`loop bounds must be positive, got ${JSON.stringify(bounds)}`);
  }
  const start = performance.now();
  let done = 0;
  let elapsed = 0;
  while (done < bounds.maxOps) {
    const end = Math.min(done + batch, bounds.maxOps);
    for (; done < end; done++) op(done);
    elapsed = performance.now() - start;
    if (elapsed >= bounds.maxMs) break;
  }
  return (done / Math.max(elapsed, 1e-3)) * 1000;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new BenchInputError("median of no values");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Alternate rounds of `subject` and `baseline` (each returns a rate), `rounds` times; the medians of each.
 * Interleaving keeps the ratio meaningful when other processes load the machine.
 */
export function interleaved(
  rounds: number,
  subject: () => number,
  baseline: () => number,
): { subject: number; baseline: number } {
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new BenchInputError(`rounds must be >= 1, got ${rounds}`);
  const s: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    b.push(baseline());
    s.push(subject());
  }
  return { subject: median(s), baseline: median(b) };
}
