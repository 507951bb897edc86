/**
 * Worker threads running the verification tasks of bench/workers/recover-task.ts: each worker loops for a
 * bounded count and time, and the pool sums their operations over the longest worker's time.
 */
import { Worker } from "node:worker_threads";
import { BenchInputError } from "./figures.js";
import type { RecoverResult, RecoverTask } from "../workers/recover-task.js";

export class RecoverWorkers {
  private readonly workers: Worker[];
  constructor(size: number) {
    this.workers = Array.from(
      { length: size },
      () =>
        /* the entry is the .ts file itself: Hardhat's TS loader applies to workers too */ new Worker(
          new URL("../workers/recover.ts", import.meta.url),
        ),
    );
  }
  run(count: number, task: RecoverTask): Promise<RecoverResult[]> {
    return Promise.all(
      this.workers.slice(0, count).map(
        (w) =>
          new Promise<RecoverResult>((resolve, reject) => {
            // Each run's listeners go when it ends: a worker runs many tasks over a benchmark.
            const done = (r: RecoverResult) => {
              w.off("error", failed);
              resolve(r);
            };
            const failed = (e: Error) => {
              w.off("message", done);
              reject(e);
            };
            w.once("message", done);
            w.once("error", failed);
            w.postMessage(task);
          }),
      ),
    );
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Total rate of parallel workers over the same wall window: summed operations over the longest worker time. */
export function recoverRate(results: readonly RecoverResult[]): number {
  const mismatches = results.reduce((a, r) => a + r.mismatches, 0);
  if (mismatches !== 0) throw new BenchInputError(`${mismatches} readings recovered to the wrong meter`);
  const ops = results.reduce((a, r) => a + r.ops, 0);
  const ms = Math.max(...results.map((r) => r.ms));
  return (ops / ms) * 1000;
}
