/**
 * One complete gateway per worker thread on one shared port (bench/workers/gateway-task.ts): the upper
 * bound of a multi-threaded gateway on these cores, since nothing is shared between the threads (each has
 * its own SQLite file and recovers inline) and nothing is handed from one thread to another.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { BenchInputError } from "./figures.js";
import type { GatewayWorkerData, GatewayWorkerMessage } from "../workers/gateway-task.js";

export interface PerCoreGateways {
  /** POST /readings on the shared port. */
  readonly url: string;
  /** Stop every gateway; resolves with the readings they stored together. */
  close(): Promise<number>;
}

const HOST = "127.0.0.1";

function next(w: Worker): Promise<GatewayWorkerMessage> {
  return new Promise((resolve, reject) => {
    const failed = (e: Error) => reject(e);
    w.once("error", failed);
    w.once("message", (m: GatewayWorkerMessage) => {
      w.off("error", failed);
      resolve(m);
    });
  });
}

async function spawn(
  dir: string,
  index: number,
  meters: readonly string[],
  port: number,
): Promise<[Worker, number]> {
  const workerData: GatewayWorkerData = {
    dbFile: path.join(dir, `gateway-${index}.sqlite`),
    meters,
    host: HOST,
    port,
  };
  const w = new Worker(new URL("../workers/gateway.ts", import.meta.url), { workerData });
  const m = await next(w);
  if (!("listening" in m)) throw new BenchInputError(`per-core gateway ${index} did not start listening`);
  return [w, m.listening];
}

/** `count` gateways serving `meters`, their databases in `dir`. */
export async function startPerCoreGateways(
  count: number,
  dir: string,
  meters: readonly string[],
): Promise<PerCoreGateways> {
  if (count < 1) throw new BenchInputError(`per-core gateways: need at least one, got ${count}`);
  // The first picks the port; the others join it.
  const [first, port] = await spawn(dir, 0, meters, 0);
  const workers = [first];
  try {
    for (let i = 1; i < count; i++) workers.push((await spawn(dir, i, meters, port))[0]);
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return {
    url: `http://${HOST}:${port}/readings`,
    async close() {
      let stored = 0;
      for (const w of workers) {
        const done = next(w);
        w.postMessage("close");
        const m = await done;
        if ("stored" in m) stored += m.stored;
        await w.terminate();
      }
      return stored;
    },
  };
}
