/**
 * Gateway ingest end to end (issues 8 and 17): readings/s taken by a real gateway (fastify HTTP + bounded JSON
 * parsing + strict schema + EIP-712 digest + signature recovery on worker threads + chain checks + group-committed
 * SQLite, synced before the answer, lib/gateway) from a load generator on loopback in its own thread (ready
 * request bytes on keep-alive sockets, as wrk sends them: bench/workers/load-task.ts), beside the bare
 * native secp256k1 recovery rate of the same readings on the same cores (the ceiling: what the gateway would
 * do if HTTP, parsing and storage were free). Chain look-ups are served by an in-memory chain view (the
 * gateway's ChainView interface), so the figure is the gateway's own cost, not an RPC node's. Every round is
 * bounded in count and time; subject and baseline alternate; unmeasured warm-up rounds come first (the
 * figures are the steady state). Each rate comes with its CPU per reading (the whole process, the gateway's
 * event loop, the load generator) beside the CPU the target leaves per reading on these cores: a rate target
 * on shared cores is a CPU budget. Two references run the single posts again
 * each round: the HTTP floor (the gateway's fastify set-up answering without reading the body) and one
 * complete gateway per core on one port (the upper bound of a multi-threaded gateway on these cores).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { buildServer } from "../lib/gateway/server.js";
import { RECOVERY_IMPL } from "../lib/gateway/verify/recover.js";
import { signedReadingToJson, type SignedReading } from "../lib/batches/reading.js";
import { BenchInputError, figure, type Figure } from "./lib/figures.js";
import { median } from "./lib/timing.js";
import { benchReadings } from "../lab/fixtures/readings.js";
import { RecoverWorkers, recoverRate } from "./lib/recover-workers.js";
import { processCpuUs, threadCpuUs } from "./lib/cpu.js";
import { httpFloorServer } from "./lib/http-floor.js";
import { BENCH_DOMAIN, NOW_PERIOD, openBenchGateway } from "./lib/bench-gateway.js";
import { startPerCoreGateways, type PerCoreGateways } from "./lib/per-core-gateways.js";
import type { LoadResult, LoadTask } from "./workers/load-task.js";

export interface GatewayBenchOptions {
  /** Meters of the served cluster (each sends one reading per period). */
  readonly meters: number;
  /** Periods of readings per round (a round sends meters x periods fresh readings). */
  readonly periodsPerRound: number;
  readonly rounds: number;
  /**
   * Unmeasured rounds of each kind before the measured ones: V8 keeps optimising the request path for
   * several seconds (a cold first bulk round ran at two thirds of the steady rate), and a gateway runs
   * for days, so the figures are its steady state.
   */
  readonly warmUpRounds: number;
  /** Time budget of one round, ms. */
  readonly roundMs: number;
  /** Requests in flight. */
  readonly concurrency: number;
  /** Readings per request in the bulk figure (a head-end's upload). */
  readonly bulkSize: number;
  /** The gateway's signature-recovery worker threads (default: one per core, as deployed). */
  readonly recoveryThreads?: number;
}

export const DEFAULT_GATEWAY: GatewayBenchOptions = {
  meters: 500,
  // 12,000 readings per round: a bulk round lasts over a second.
  periodsPerRound: 24,
  rounds: 3,
  warmUpRounds: 2,
  roundMs: 10_000,
  concurrency: 8,
  bulkSize: 100,
};

/** Issue 17's targets: ingest as a share of native recovery on the same cores. */
export const TARGET_BULK_SHARE = 0.5;
export const TARGET_SINGLE_SHARE = 0.25;

function runLoad(task: LoadTask): Promise<LoadResult> {
  const w = new Worker(new URL("./workers/load.ts", import.meta.url));
  return new Promise<LoadResult>((resolve, reject) => {
    w.once("message", (r: LoadResult) => resolve(r));
    w.once("error", reject);
    w.postMessage(task);
  }).finally(() => void w.terminate());
}

/** The figures' raw rates, for tests and the figures below. */
export interface GatewayRates {
  single: number;
  bulk: number;
  /** Native recovery of the same readings' ready digests, on `cores` worker threads. */
  nativeRecover: number;
  /**
   * Exchanges/s of the HTTP floor (bench/lib/http-floor.ts: the gateway's fastify set-up answering a fixed
   * verdict) with the single posts' bodies and in-flight count: the ceiling of single posts on one event loop.
   */
  floor: number;
  /**
   * Readings/s of one complete gateway per core (bench/lib/per-core-gateways.ts: own thread, own SQLite
   * file, inline recovery, one shared port) with the single posts' bodies and in-flight count: the upper
   * bound of a multi-threaded gateway on these cores.
   */
  perCore: number;
  /** Readings the per-core gateways stored together (every round's single posts, warm-up included). */
  perCoreStored: number;
  cores: number;
  /** Latency of single-reading posts (8 in flight), ms. */
  p50: number;
  p99: number;
  stored: number;
  /**
   * CPU per reading taken, µs (median of the rounds): one reading per POST, bulk, per floor exchange, and
   * per reading of the per-core gateways (their event loops are worker threads: `eventLoopUs` is null).
   */
  cpu: { single: CpuPerReading; bulk: CpuPerReading; floor: CpuPerReading; perCore: CpuPerReading };
}

/**
 * Where a reading's CPU goes on the shared cores: the whole process (gateway threads, its recovery workers,
 * libuv's pool and the load generator); the gateway's event loop alone (one thread: what it spends caps the
 * rate whatever the cores) and the load generator's thread alone (each null where the platform does not say).
 */
export interface CpuPerReading {
  readonly processUs: number;
  readonly eventLoopUs: number | null;
  readonly loadGeneratorUs: number | null;
}

/** CPU a reading may cost, µs, for `rate` readings/s on `cores` cores. */
export function cpuBudgetUs(cores: number, rate: number): number {
  return (cores * 1_000_000) / rate;
}

function medianOrNull(xs: readonly (number | null)[]): number | null {
  return xs.every((v) => v !== null) ? median(xs as number[]) : null;
}

function medianCpu(xs: readonly CpuPerReading[]): CpuPerReading {
  return {
    processUs: median(xs.map((x) => x.processUs)),
    eventLoopUs: medianOrNull(xs.map((x) => x.eventLoopUs)),
    loadGeneratorUs: medianOrNull(xs.map((x) => x.loadGeneratorUs)),
  };
}

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new BenchInputError("percentile of no values");
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

export async function gatewayRates(opts: GatewayBenchOptions = DEFAULT_GATEWAY): Promise<GatewayRates> {
  if (opts.meters < 1 || opts.periodsPerRound < 1 || opts.rounds < 1 || opts.bulkSize < 1)
    throw new BenchInputError(`gateway bench sizes must be >= 1, got ${JSON.stringify(opts)}`);
  if (!Number.isInteger(opts.warmUpRounds) || opts.warmUpRounds < 0)
    throw new BenchInputError(
      `gateway bench warm-up rounds must be an integer >= 0, got ${opts.warmUpRounds}`,
    );
  const domain = BENCH_DOMAIN;
  const rounds = opts.warmUpRounds + opts.rounds;
  // Two kinds of rounds per round index (single posts, bulk posts), each on fresh periods: no duplicates.
  const periodsNeeded = 2 * rounds * opts.periodsPerRound;
  if (periodsNeeded >= NOW_PERIOD) throw new BenchInputError(`${periodsNeeded} periods do not fit`);
  // Each period's readings are kept as their JSON only: hundreds of thousands of live reading objects in
  // this process would be marked by every major GC of the gateway measured beside them.
  // The first period also gives the meters and the native baseline's sample.
  const byPeriod: string[][] = [];
  let meters: string[] = [];
  let sample: SignedReading[] = [];
  for (let k = 0; k < periodsNeeded; k++) {
    const signed = await benchReadings(domain, opts.meters, NOW_PERIOD - 1 - k);
    if (k === 0) {
      meters = signed.map((s) => s.reading.meter);
      sample = signed.slice(0, 256);
    }
    byPeriod.push(signed.map((x) => JSON.stringify(signedReadingToJson(x))));
  }
  const cores = availableParallelism();
  const tmp = mkdtempSync(path.join(tmpdir(), "gridshare-bench-gateway-"));
  const gw = await openBenchGateway(path.join(tmp, "gateway.sqlite"), meters, opts.recoveryThreads);
  // No log lines in the measurement; one source sends every request, so its refusal allowance is moot.
  const app = buildServer(gw, { logger: false });
  const floorApp = httpFloorServer();
  const single: number[] = [];
  const floor: number[] = [];
  const perCore: number[] = [];
  const bulk: number[] = [];
  const native: number[] = [];
  const latencies: number[] = [];
  const cpu: { [K in keyof GatewayRates["cpu"]]: CpuPerReading[] } = {
    single: [],
    bulk: [],
    floor: [],
    perCore: [],
  };
  let perCoreGateways: PerCoreGateways | undefined;
  const recoverers = new RecoverWorkers(cores);
  try {
    const url = `${await app.listen({ host: "127.0.0.1", port: 0 })}/readings`;
    const floorUrl = `${await floorApp.listen({ host: "127.0.0.1", port: 0 })}/readings`;
    perCoreGateways = await startPerCoreGateways(cores, tmp, meters);
    const perCoreUrl = perCoreGateways.url;
    const load = async (
      url: string,
      readings: string[],
      perBody: number,
      spent: CpuPerReading[],
      lat?: number[],
    ): Promise<number> => {
      const bodies: string[] = [];
      for (let i = 0; i < readings.length; i += perBody) {
        const chunk = readings.slice(i, i + perBody);
        bodies.push(perBody === 1 ? (chunk[0] as string) : `[${chunk.join(",")}]`);
      }
      const cpuBefore = processCpuUs();
      const loopBefore = threadCpuUs();
      const r = await runLoad({
        url,
        bodies,
        readingsPerBody: perBody,
        concurrency: opts.concurrency,
        maxMs: opts.roundMs,
      });
      const cpuUs = processCpuUs() - cpuBefore;
      const loopAfter = threadCpuUs();
      if (r.failed !== 0) throw new BenchInputError(`gateway refused ${r.failed} requests: ${r.firstError}`);
      if (r.readings === 0) throw new BenchInputError("the gateway took no reading in a round");
      spent.push({
        processUs: cpuUs / r.readings,
        eventLoopUs: loopBefore === null || loopAfter === null ? null : (loopAfter - loopBefore) / r.readings,
        loadGeneratorUs: r.cpuUs === null ? null : r.cpuUs / r.readings,
      });
      lat?.push(...r.latenciesMs);
      return (r.readings / r.ms) * 1000;
    };
    let k = 0;
    // A round's readings are released once sent: the heap the gateway's GC marks shrinks as rounds go.
    const nextReadings = () => {
      const out: string[] = [];
      for (let j = 0; j < opts.periodsPerRound; j++, k++) {
        out.push(...(byPeriod[k] ?? []));
        byPeriod[k] = [];
      }
      return out;
    };
    const task = {
      mode: "native" as const,
      domain,
      signed: sample,
      maxOps: 10_000_000,
      maxMs: opts.roundMs / 2,
    };
    await recoverers.run(cores, { ...task, maxOps: 1 }); // load the binding outside the rounds
    // A warm-up round sends the same requests and keeps nothing: its results go to throw-away lists.
    const unkept = () => ({ rates: [] as number[], cpu: [] as CpuPerReading[] });
    for (let r = 0; r < rounds; r++) {
      const warm = r < opts.warmUpRounds;
      const s = warm ? unkept() : { rates: single, cpu: cpu.single };
      const f = warm ? unkept() : { rates: floor, cpu: cpu.floor };
      const p = warm ? unkept() : { rates: perCore, cpu: cpu.perCore };
      const b = warm ? unkept() : { rates: bulk, cpu: cpu.bulk };
      if (!warm) native.push(recoverRate(await recoverers.run(cores, task)));
      const singles = nextReadings();
      s.rates.push(await load(url, singles, 1, s.cpu, warm ? undefined : latencies));
      // The floor stores nothing: the same bodies again, as the same requests.
      f.rates.push(await load(floorUrl, singles, 1, f.cpu));
      // The per-core gateways have their own databases: the same readings are new to them.
      p.rates.push(await load(perCoreUrl, singles, 1, p.cpu));
      b.rates.push(await load(url, nextReadings(), Math.min(opts.bulkSize, 1000), b.cpu));
    }
    const perCoreStored = await perCoreGateways.close();
    perCoreGateways = undefined;
    // This thread only waits in the per-core rounds: its CPU is not an event loop's.
    const perCoreCpu = { ...medianCpu(cpu.perCore), eventLoopUs: null };
    return {
      single: median(single),
      bulk: median(bulk),
      nativeRecover: median(native),
      floor: median(floor),
      perCore: median(perCore),
      perCoreStored,
      cores,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      stored: gw.store.countReadings(),
      cpu: {
        single: medianCpu(cpu.single),
        bulk: medianCpu(cpu.bulk),
        floor: medianCpu(cpu.floor),
        perCore: perCoreCpu,
      },
    };
  } finally {
    await recoverers.close();
    await perCoreGateways?.close();
    await floorApp.close();
    await app.close();
    gw.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * CPU per reading taken, against what the target leaves per reading on these cores: a rate target on
 * shared cores is a CPU budget, and this says how far the gateway and its load are from it.
 */
function cpuFigure(
  id: string,
  label: string,
  c: CpuPerReading,
  r: GatewayRates,
  share: number,
  /** Said instead of the event loop's part where the gateways' event loops are worker threads. */
  loopElsewhere?: string,
): Figure {
  const part = (us: number | null, where: string) =>
    us === null ? `${where}: not known on this platform` : `${Math.round(us)} µs ${where}`;
  const loadGenerator = part(c.loadGeneratorUs, "in the load generator's thread");
  const parts =
    loopElsewhere === undefined
      ? `of which ${part(c.eventLoopUs, "on the gateway's event loop")}, ${loadGenerator}`
      : `of which ${loadGenerator} (${loopElsewhere})`;
  return figure({
    group: "off-chain",
    id,
    label,
    value: c.processUs,
    unit: "µs",
    limit: {
      label: `CPU a reading may cost at the target (${r.cores} cores at ${share * 100}% of native recovery)`,
      value: cpuBudgetUs(r.cores, share * r.nativeRecover),
      computed: "issue 17",
    },
    note: `${parts}; native recovery alone is ${Math.round(cpuBudgetUs(r.cores, r.nativeRecover))} µs`,
  });
}

const WHOLE_PROCESS = "the whole process (gateway, its workers, the load generator)";

export async function benchGateway(opts: GatewayBenchOptions = DEFAULT_GATEWAY): Promise<Figure[]> {
  const r = await gatewayRates(opts);
  const baseline = {
    label: `native secp256k1 recovery of the same readings (libsecp256k1 + keccak, ready digests), ${r.cores} cores`,
    value: r.nativeRecover,
  };
  const how =
    `gateway recovers with ${RECOVERY_IMPL} code on ${r.cores} worker threads; load generator (raw keep-alive HTTP/1.1) ` +
    `on the same cores; median of ${opts.rounds} rounds after ${opts.warmUpRounds} warm-up rounds`;
  return [
    figure({
      group: "off-chain",
      id: "gateway.recover.native",
      label: `native secp256k1 recovery, ${r.cores} cores (the ingest ceiling)`,
      value: r.nativeRecover,
      unit: "readings/s",
    }),
    figure({
      group: "off-chain",
      id: "gateway.ingestBulk.readingsPerSecond",
      label: `gateway ingest end to end, ${opts.bulkSize} readings per POST`,
      value: r.bulk,
      unit: "readings/s",
      baseline,
      limit: {
        label: "target: 50% of native recovery",
        value: TARGET_BULK_SHARE * r.nativeRecover,
        computed: "issue 17",
      },
      note: how,
    }),
    figure({
      group: "off-chain",
      id: "gateway.ingest.readingsPerSecond",
      label: `gateway ingest end to end, one reading per POST, ${opts.concurrency} in flight`,
      value: r.single,
      unit: "readings/s",
      baseline,
      limit: {
        label: "target: 25% of native recovery",
        value: TARGET_SINGLE_SHARE * r.nativeRecover,
        computed: "issue 17",
      },
      note: how,
    }),
    figure({
      group: "off-chain",
      id: "gateway.ingest.latencyP50",
      label: `latency of one-reading POSTs, ${opts.concurrency} in flight, p50`,
      value: r.p50,
      unit: "ms",
    }),
    figure({
      group: "off-chain",
      id: "gateway.ingest.latencyP99",
      label: `latency of one-reading POSTs, ${opts.concurrency} in flight, p99`,
      value: r.p99,
      unit: "ms",
    }),
    cpuFigure(
      "gateway.ingest.cpuPerReading",
      `CPU per reading, one reading per POST: ${WHOLE_PROCESS}`,
      r.cpu.single,
      r,
      TARGET_SINGLE_SHARE,
    ),
    cpuFigure(
      "gateway.ingestBulk.cpuPerReading",
      `CPU per reading, ${opts.bulkSize} readings per POST: ${WHOLE_PROCESS}`,
      r.cpu.bulk,
      r,
      TARGET_BULK_SHARE,
    ),
    figure({
      group: "off-chain",
      id: "gateway.httpFloor.exchangesPerSecond",
      label: `HTTP floor: the gateway's fastify set-up answering a fixed verdict, one reading per POST, ${opts.concurrency} in flight`,
      value: r.floor,
      unit: "exchanges/s",
      baseline,
      limit: {
        label: "the one-reading-per-POST target: 25% of native recovery",
        value: TARGET_SINGLE_SHARE * r.nativeRecover,
        computed: "issue 17",
      },
      note: "the same load generator and bodies as the one-per-POST figure; nothing parsed, verified or stored",
    }),
    cpuFigure(
      "gateway.httpFloor.cpuPerExchange",
      `CPU per exchange of the HTTP floor: ${WHOLE_PROCESS}`,
      r.cpu.floor,
      r,
      TARGET_SINGLE_SHARE,
    ),
    figure({
      group: "off-chain",
      id: "gateway.perCoreGateways.readingsPerSecond",
      label: `upper bound of a multi-threaded gateway: one complete gateway per core (own thread, own SQLite file, inline recovery) on one port (SO_REUSEPORT), one reading per POST, ${opts.concurrency} in flight`,
      value: r.perCore,
      unit: "readings/s",
      baseline,
      limit: {
        label: "the one-reading-per-POST target: 25% of native recovery",
        value: TARGET_SINGLE_SHARE * r.nativeRecover,
        computed: "issue 17",
      },
      note: "the same load generator and bodies as the one-per-POST figure; nothing shared or handed between threads",
    }),
    cpuFigure(
      "gateway.perCoreGateways.cpuPerReading",
      `CPU per reading of the per-core gateways, one reading per POST: the whole process (gateways, load generator)`,
      r.cpu.perCore,
      r,
      TARGET_SINGLE_SHARE,
      "each gateway's event loop is a worker thread of its own",
    ),
    figure({
      group: "off-chain",
      id: "gateway.ingest.perCore",
      label: "gateway ingest, one reading per POST, per core (for the scale model)",
      value: r.single / r.cores,
      unit: "readings/s",
    }),
  ];
}
