/**
 * Gateway ingest end to end (issue 8): readings/s taken by a real gateway (fastify HTTP + strict JSON schema +
 * canonical-signature and EIP-712 check + chain checks + SQLite store, lib/gateway) from a load generator on
 * loopback, in its own thread, beside the bare verification rate of the same readings in this thread (the
 * baseline: what the gateway would do if HTTP, parsing and storage were free). Chain look-ups are served by an
 * in-memory chain view (the gateway's ChainView interface), so the figure is the gateway's own cost, not an
 * RPC node's. Every round is bounded in count and time; subject and baseline alternate.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { JsonRpcProvider, Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { Gateway } from "../lib/gateway/gateway.js";
import { buildServer } from "../lib/gateway/server.js";
import { buildClusterBatch } from "../lib/gateway/batching.js";
import {
  gridDomain,
  signedReadingToJson,
  verifyReadingSignature,
  type SignedReading,
} from "../lib/batches/reading.js";
import { FakeChain } from "../lab/fixtures/chain-view.js";
import { BenchInputError, figure, type Figure } from "./lib/figures.js";
import { median, opsPerSecond } from "./lib/timing.js";
import { benchReadings } from "../lab/fixtures/readings.js";
import type { LoadResult, LoadTask } from "./workers/load-task.js";

export interface GatewayBenchOptions {
  /** Meters of the served cluster (each sends one reading per period). */
  readonly meters: number;
  /** Periods of readings per round (a round sends meters x periods fresh readings). */
  readonly periodsPerRound: number;
  readonly rounds: number;
  /** Time budget of one round, ms. */
  readonly roundMs: number;
  /** Requests in flight. */
  readonly concurrency: number;
  /** Readings per request in the bulk figure (a head-end's upload). */
  readonly bulkSize: number;
}

export const DEFAULT_GATEWAY: GatewayBenchOptions = {
  meters: 250,
  periodsPerRound: 4,
  rounds: 3,
  roundMs: 8_000,
  concurrency: 8,
  bulkSize: 100,
};

const CHAIN_ID = 31337n;
const REGISTRY = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const LEDGER = getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512");
const CLUSTER = 1;
/** The chain clock sits in this period; readings are for the periods just before it. */
const NOW_PERIOD = 1_000;

/** The gateway's chain view over fixed in-memory state: every meter is an active prosumer of cluster 1. */
function staticChain(meters: readonly string[]): FakeChain {
  const chain = new FakeChain();
  chain.at(NOW_PERIOD);
  for (const m of meters) chain.addMeter(CLUSTER, m);
  chain.served = [{ clusterId: CLUSTER, role: "parent" }];
  return chain;
}

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
  verify: number;
  stored: number;
}

export async function gatewayRates(opts: GatewayBenchOptions = DEFAULT_GATEWAY): Promise<GatewayRates> {
  if (opts.meters < 1 || opts.periodsPerRound < 1 || opts.rounds < 1 || opts.bulkSize < 1)
    throw new BenchInputError(`gateway bench sizes must be >= 1, got ${JSON.stringify(opts)}`);
  const domain = gridDomain(CHAIN_ID, REGISTRY);
  // Two kinds of rounds per round index (single posts, bulk posts), each on fresh periods: no duplicates.
  const periodsNeeded = 2 * opts.rounds * opts.periodsPerRound;
  if (periodsNeeded >= NOW_PERIOD) throw new BenchInputError(`${periodsNeeded} periods do not fit`);
  const byPeriod: SignedReading[][] = [];
  for (let k = 0; k < periodsNeeded; k++)
    byPeriod.push(await benchReadings(domain, opts.meters, NOW_PERIOD - 1 - k));
  const meters = (byPeriod[0] ?? []).map((s) => s.reading.meter);
  const tmp = mkdtempSync(path.join(tmpdir(), "gridshare-bench-gateway-"));
  const gw = await Gateway.open({
    dbFile: path.join(tmp, "gateway.sqlite"),
    // Static network: the gateway asks the provider for the chain id only; no RPC node is contacted.
    provider: new JsonRpcProvider("http://127.0.0.1:9", CHAIN_ID, { staticNetwork: true }),
    nodeKey: keccak256(toUtf8Bytes("gridshare-bench-node")),
    registry: REGISTRY,
    ledger: LEDGER,
    build: buildClusterBatch,
    chain: staticChain(meters),
  });
  const app = buildServer(gw);
  const single: number[] = [];
  const bulk: number[] = [];
  const verify: number[] = [];
  try {
    const base = await app.listen({ host: "127.0.0.1", port: 0 });
    const url = `${base}/readings`;
    const load = async (readings: SignedReading[], perBody: number): Promise<number> => {
      const bodies: string[] = [];
      for (let i = 0; i < readings.length; i += perBody) {
        const chunk = readings.slice(i, i + perBody).map(signedReadingToJson);
        bodies.push(JSON.stringify(perBody === 1 ? chunk[0] : chunk));
      }
      const r = await runLoad({
        url,
        bodies,
        readingsPerBody: perBody,
        concurrency: opts.concurrency,
        maxMs: opts.roundMs,
      });
      if (r.failed !== 0) throw new BenchInputError(`gateway refused ${r.failed} requests: ${r.firstError}`);
      return (r.readings / r.ms) * 1000;
    };
    let k = 0;
    const nextReadings = () => {
      const out: SignedReading[] = [];
      for (let j = 0; j < opts.periodsPerRound; j++) out.push(...(byPeriod[k++] ?? []));
      return out;
    };
    const all = byPeriod.flat();
    for (let r = 0; r < opts.rounds; r++) {
      verify.push(
        opsPerSecond((i) => verifyReadingSignature(domain, all[i % all.length] as SignedReading), {
          maxOps: opts.meters * opts.periodsPerRound,
          maxMs: opts.roundMs,
          batch: 8,
        }),
      );
      single.push(await load(nextReadings(), 1));
      bulk.push(await load(nextReadings(), Math.min(opts.bulkSize, 1000)));
    }
    return {
      single: median(single),
      bulk: median(bulk),
      verify: median(verify),
      stored: gw.store.countReadings(),
    };
  } finally {
    await app.close();
    gw.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function benchGateway(opts: GatewayBenchOptions = DEFAULT_GATEWAY): Promise<Figure[]> {
  const r = await gatewayRates(opts);
  const baseline = { label: "bare verification (EIP-712 recover), same thread", value: r.verify };
  return [
    figure({
      group: "off-chain",
      id: "gateway.ingest.readingsPerSecond",
      label: `gateway ingest end to end, one reading per POST, ${opts.concurrency} in flight`,
      value: r.single,
      unit: "readings/s",
      baseline,
      note: "fastify + schema + signature + checks + SQLite; chain view in memory; load generator in its own thread",
    }),
    figure({
      group: "off-chain",
      id: "gateway.ingestBulk.readingsPerSecond",
      label: `gateway ingest end to end, ${opts.bulkSize} readings per POST`,
      value: r.bulk,
      unit: "readings/s",
      baseline,
    }),
  ];
}
