/**
 * Load generator of the gateway ingest benchmark, in its own thread so that building and sending requests
 * does not share the gateway's event loop: POSTs pre-serialized bodies to `url` over keep-alive HTTP/1.1
 * connections with `concurrency` requests in flight, stopping after the last body or `maxMs`, whichever
 * comes first; every request's latency is kept.
 */
import { Agent, request } from "node:http";
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
  /** Latency of each answered request, ms. */
  readonly latenciesMs: number[];
}

function post(agent: Agent, url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function run(task: LoadTask): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: task.concurrency });
  const url = new URL(task.url);
  const start = performance.now();
  let next = 0;
  let readings = 0;
  let failed = 0;
  let firstError: string | null = null;
  const latenciesMs: number[] = [];
  const lane = async () => {
    while (next < task.bodies.length && performance.now() - start < task.maxMs) {
      const body = task.bodies[next++] as string;
      const t0 = performance.now();
      try {
        const res = await post(agent, url, body);
        latenciesMs.push(performance.now() - t0);
        if (res.status >= 200 && res.status < 300) readings += task.readingsPerBody;
        else {
          failed++;
          firstError ??= `${res.status} ${res.text.slice(0, 200)}`;
        }
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, lane));
  const ms = performance.now() - start;
  agent.destroy();
  return { readings, failed, ms, firstError, latenciesMs };
}

parentPort?.on("message", (task: LoadTask) => {
  void run(task).then((r) => parentPort?.postMessage(r));
});
