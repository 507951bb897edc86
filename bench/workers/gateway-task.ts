/**
 * One complete gateway in a worker thread, for the gateway bench's per-core round: its own SQLite file,
 * signatures recovered inline on this thread, listening on a port it shares with the other workers'
 * gateways (SO_REUSEPORT: the kernel spreads the connections). Asked to close, it reports the readings it
 * stored.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildServer } from "../../lib/gateway/server.js";
import { openBenchGateway } from "../lib/bench-gateway.js";

export interface GatewayWorkerData {
  readonly dbFile: string;
  readonly meters: readonly string[];
  readonly host: string;
  /** The shared port (0: any; the first worker's then becomes the others'). */
  readonly port: number;
}

export type GatewayWorkerMessage = { readonly listening: number } | { readonly stored: number };

const port = parentPort;
if (port === null) throw new Error("gateway-task runs in a worker thread");
const data = workerData as GatewayWorkerData;
const gw = await openBenchGateway(data.dbFile, data.meters, 0);
// No log lines in the measurement (as the bench's own gateway).
const app = buildServer(gw, { logger: false });
await app.ready();
// fastify's listen() does not pass reusePort on; node's server does.
const bound = await new Promise<number>((resolve, reject) => {
  app.server.once("error", reject);
  app.server.listen({ host: data.host, port: data.port, reusePort: true }, () => {
    const a = app.server.address();
    resolve(typeof a === "object" && a !== null ? a.port : data.port);
  });
});
port.postMessage({ listening: bound } satisfies GatewayWorkerMessage);
port.once("message", () => {
  void (async () => {
    const stored = gw.store.countReadings();
    await app.close();
    if (app.server.listening) await new Promise<void>((resolve) => app.server.close(() => resolve()));
    gw.close();
    port.postMessage({ stored } satisfies GatewayWorkerMessage);
  })();
});
