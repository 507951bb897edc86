/**
 * Load generator of the gateway ingest benchmark, in its own thread so that building and sending requests
 * does not share the gateway's event loop: POSTs pre-serialized bodies to `url` with `concurrency` requests in
 * flight, stopping after the last body or `maxMs`, whichever comes first.
 */
import { parentPort } from "node:worker_threads";
import { performance } from "node:perf_hooks";

export interface LoadTask {
  readonly url: string;
  /** JSON bodies, each one reading or an array of readings. */
  readonly bodies: readonly string[];
  readonly readingsPerBody: number;
  readonly concurrency: number;
  readonly maxMs: number;
}

export interface LoadResult {
  /** Readings the gateway took (2xx answers x readings per body). */
  readonly readings: number;
  /** Requests answered with a non-2xx status or failed. */
  readonly failed: number;
  readonly ms: number;
  /** The first failure, to say what went wrong. */
  readonly firstError: string | null;
}

async function run(task: LoadTask): Promise<LoadResult> {
  const start = performance.now();
  let next = 0;
  let readings = 0;
  let failed = 0;
  let firstError: string | null = null;
  const lane = async () => {
    while (next < task.bodies.length && performance.now() - start < task.maxMs) {
      const body = task.bodies[next++] as string;
      try {
        const res = await fetch(task.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        const text = await res.text();
        if (res.status >= 200 && res.status < 300) readings += task.readingsPerBody;
        else {
          failed++;
          firstError ??= `${res.status} ${text.slice(0, 200)}`;
        }
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, lane));
  return { readings, failed, ms: performance.now() - start, firstError };
}

parentPort?.on("message", (task: LoadTask) => {
  void run(task).then((r) => parentPort?.postMessage(r));
});
