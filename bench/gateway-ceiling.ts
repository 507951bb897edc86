/**
 * The durable-answer ceiling of single posts (issue 17): requests/s of the gateway's group commit alone,
 * `concurrency` requests in flight, each admitting one ready, already-verified reading and waiting for its
 * WAL sync, as a POST waits before its 2xx. No HTTP, parsing or signature recovery: whatever ingest adds
 * comes on top, so this bounds the one-reading-per-POST figure on this disk. Also times the WAL's
 * fdatasync itself. Prints JSON.
 *
 *   npx tsx bench/gateway-ceiling.ts [--concurrency 8] [--readings 8000]
 */
import { fdatasyncSync, mkdtempSync, openSync, closeSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { SignedReading } from "../lib/batches/reading.js";
import { parseInteger } from "../lib/args.js";
import { runCli } from "../lib/cli.js";
import { GroupCommit } from "../lib/gateway/group-commit.js";
import { GatewayStore } from "../lib/gateway/store.js";
import { benchReadings } from "../lab/fixtures/readings.js";
import { BENCH_DOMAIN } from "./lib/bench-gateway.js";
import { BenchInputError } from "./lib/figures.js";
import { median } from "./lib/timing.js";

export interface CeilingOptions {
  readonly concurrency: number;
  readonly readings: number;
}

export interface Ceiling {
  /** Requests answered per second (one reading each). */
  readonly requestsPerSecond: number;
  /** Median fdatasync of a 4 KiB append on the same file system, ms. */
  readonly fdatasyncMs: number;
  readonly concurrency: number;
}

const METERS = 500;
/** Named in a refused option's message (the script has no --help). */
const USAGE = "npx tsx bench/gateway-ceiling.ts [--concurrency 8] [--readings 8000]";

/** One append and its fdatasync, `n` times: the disk's durable-write latency. */
function fdatasyncLatency(dir: string, n = 200): number {
  const file = path.join(dir, "sync-probe");
  const fd = openSync(file, "w");
  const page = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      writeSync(fd, page);
      const t0 = performance.now();
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
  }
  return median(times);
}

export async function gatewayCeiling(opts: CeilingOptions): Promise<Ceiling> {
  if (opts.concurrency < 1 || opts.readings < 1)
    throw new BenchInputError(`concurrency and readings must be >= 1, got ${JSON.stringify(opts)}`);
  const signed: SignedReading[] = [];
  for (let p = 0; signed.length < opts.readings; p++)
    signed.push(...(await benchReadings(BENCH_DOMAIN, METERS, 1_000 - p)));
  const dir = mkdtempSync(path.join(tmpdir(), "gridshare-ceiling-"));
  const store = new GatewayStore(path.join(dir, "gateway.sqlite"));
  const group = new GroupCommit(store);
  try {
    let next = 0;
    const t0 = performance.now();
    const lane = async () => {
      while (next < opts.readings) {
        const s = signed[next++] as SignedReading;
        group.begin();
        try {
          const [o] = await group.admit(
            [{ kind: "verified", signed: s, clusterId: 1, reportTamper: false, body: () => "{}" }],
            Date.now(),
          );
          if (o?.kind !== "accepted")
            throw new BenchInputError(
              `the reading of ${s.reading.meter} for period ${s.reading.period} was not accepted: ${o?.kind}`,
            );
        } finally {
          group.end();
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
    const ms = performance.now() - t0;
    return {
      requestsPerSecond: (opts.readings / ms) * 1000,
      fdatasyncMs: fdatasyncLatency(dir),
      concurrency: opts.concurrency,
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run only as a script: test/bench.test.ts imports gatewayCeiling with small sizes.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runCli(async () => {
    // Strict, as the gateway's own CLI: an unknown or misspelt option is refused, not ignored.
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        concurrency: { type: "string", default: "8" },
        readings: { type: "string", default: "8000" },
      },
    });
    const r = await gatewayCeiling({
      concurrency: parseInteger("concurrency", values.concurrency, 1),
      readings: parseInteger("readings", values.readings, 1),
    });
    console.log(JSON.stringify(r));
  }, USAGE);
}
