/**
 * Load generator of the gateway ingest benchmark, in its own thread so that building and sending requests
 * does not share the gateway's event loop: POSTs pre-serialized bodies to `url` with `concurrency` requests
 * in flight, one keep-alive HTTP/1.1 connection each, stopping after the last body or `maxMs`, whichever
 * comes first; every request's latency is kept.
 *
 * Requests are written as ready bytes on plain sockets and answers are framed by their Content-Length, as
 * wrk does: the generator shares the gateway's cores, and node:http's client cost about as much CPU per
 * request as the gateway itself, which measured the client rather than the gateway.
 */
import { connect, type Socket } from "node:net";
import { parentPort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { threadCpuUs } from "../lib/cpu.js";

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
  /** CPU time of this generator's thread over the run, µs (null where the platform does not say). */
  readonly cpuUs: number | null;
}

/** The ready bytes of a JSON POST of `body` to `url`. */
function requestBytes(url: URL, body: string): Buffer {
  const payload = Buffer.from(body);
  const head =
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), payload]);
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

/** One keep-alive connection: a request at a time, its answer framed by Content-Length. */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: {
    resolve: (a: { status: number; text: string }) => void;
    reject: (e: Error) => void;
  } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.answer();
    });
    const fail = (e: Error) => {
      const w = this.waiting;
      this.waiting = null;
      w?.reject(e);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("the gateway closed the connection")));
  }

  static open(url: URL): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => resolve(new Connection(socket)));
      socket.once("error", reject);
    });
  }

  send(bytes: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private answer(): void {
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0 || !this.waiting) return;
    const head = this.buffered.toString("latin1", 0, end);
    const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
    const total = end + HEADER_END.length + length;
    if (this.buffered.length < total) return;
    const status = Number(head.slice(9, 12));
    const text = this.buffered.toString("utf8", end + HEADER_END.length, total);
    this.buffered = this.buffered.subarray(total);
    const w = this.waiting;
    this.waiting = null;
    w.resolve({ status, text });
  }
}

async function run(task: LoadTask): Promise<LoadResult> {
  const url = new URL(task.url);
  const requests = task.bodies.map((b) => requestBytes(url, b));
  const connections = await Promise.all(Array.from({ length: task.concurrency }, () => Connection.open(url)));
  const start = performance.now();
  const cpuAtStart = threadCpuUs();
  let next = 0;
  let readings = 0;
  let failed = 0;
  let firstError: string | null = null;
  const latenciesMs: number[] = [];
  const lane = async (connection: Connection) => {
    while (next < requests.length && performance.now() - start < task.maxMs) {
      const bytes = requests[next++] as Buffer;
      const t0 = performance.now();
      try {
        const res = await connection.send(bytes);
        latenciesMs.push(performance.now() - t0);
        if (res.status >= 200 && res.status < 300) readings += task.readingsPerBody;
        else {
          failed++;
          firstError ??= `${res.status} ${res.text.slice(0, 200)}`;
        }
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
        return;
      }
    }
  };
  await Promise.all(connections.map(lane));
  const ms = performance.now() - start;
  const cpuAtEnd = threadCpuUs();
  for (const c of connections) c.close();
  const cpuUs = cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart;
  return { readings, failed, ms, firstError, latenciesMs, cpuUs };
}

parentPort?.on("message", (task: LoadTask) => {
  void run(task).then((r) => parentPort?.postMessage(r));
});
