/**
 * Crash campaign against a real gateway process: node 0's gateway runs as a child process
 * (scripts/gateway.ts) against an in-process chain served over JSON-RPC on 127.0.0.1, and is killed with
 * SIGKILL over and over: at random moments while readings are posted, and right after each step of the
 * outbox protocol (checked, signed, broadcast, final) through the script's fault-injection hook. Node 1's
 * gateway runs in-process and is never killed. The result says what an operator must never see: an
 * acknowledged reading missing, a batch anchored twice, a wasted transaction, a damaged database.
 * Used by test/gateway/crash.test.ts and the gateway benchmark (50 kills).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { getAddress } from "ethers";
import Database from "better-sqlite3";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { GridShareError } from "../../lib/errors.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { signedReadingToJson, type SignedReading } from "../../lib/batches/reading.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { Gateway } from "../../lib/gateway/gateway.js";
import { buildServer } from "../../lib/gateway/server.js";
import { GatewayStore } from "../../lib/gateway/store.js";
import { loadBuilding } from "../data/citylearn.js";
import { FAST_OUTBOX } from "../demo/gateways.js";
import { deployTestGrid } from "../fixtures/gateway-grid.js";
import { serveRpc, type Eip1193 } from "../fixtures/rpc-proxy.js";
import { postReadings } from "./fleet.js";

const STEPS = ["checked", "signed", "broadcast", "final", "random"] as const;
const START_TIMEOUT_MS = 120_000;
const SETTLE_TIMEOUT_MS = 120_000;

export interface CrashCampaignOptions {
  readonly ethers: HardhatEthers;
  readonly networkHelpers: NetworkHelpers;
  /** The in-process network's EIP-1193 provider (served to the child over JSON-RPC). */
  readonly provider: Eip1193;
  /** Repository root (where scripts/gateway.ts is). */
  readonly repo: string;
  /** A scratch directory for the two databases. */
  readonly dir: string;
  readonly periods: number;
  /** Kills per period before the period's last life (which runs until node 0's actions are on chain). */
  readonly killsPerPeriod: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export interface BatchCheck {
  readonly clusterId: number;
  readonly period: number;
  readonly accepted: boolean;
  readonly leafCount: number;
  readonly totalLoadWh: bigint;
  readonly dataLoadWh: bigint;
}

export interface CrashCampaignResult {
  /** Lives ended by SIGKILL (ours or the fault hook's). */
  readonly kills: number;
  /** Lives that ended by the fault hook right after an outbox step. */
  readonly selfKills: number;
  /** Periods whose attestations by node 0 (cluster 1 as parent, cluster 2 as neighbour) were on record. */
  readonly settled: boolean[];
  /** Readings node 0 answered with a 2xx, and those of them missing from its database afterwards. */
  readonly acked: number;
  readonly lost: string[];
  /** Open outbox rows when the last life ended, and rows not confirmed afterwards. */
  readonly openAtEnd: number;
  readonly unfinished: number;
  readonly batches: BatchCheck[];
  /** `cluster/period` of every submission node 0 sent itself, one entry per recorded or accepting event. */
  readonly submissions: string[];
  /** Node 0's transaction count, to compare with its submissions (no wasted transaction). */
  readonly nonce: number;
  /** SQLite `PRAGMA integrity_check` of node 0's database after the last kill. */
  readonly integrity: string;
  readonly seconds: number;
}

export class CrashCampaignError extends GridShareError {
  constructor(problem: string) {
    super("CRASH_CAMPAIGN", problem);
  }
}

/** Deterministic pseudo-random numbers in [0, 1) (the campaign must be reproducible). */
function* lcg(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    yield x / 2 ** 31;
  }
}

/** No peer exchange here: each node submits its own attestations at once (their window opened 60 s ago). */
const AT_ONCE = { aggregateWaitSeconds: 0, selfSubmitDelaySeconds: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Child {
  proc: ChildProcess;
  url: Promise<string>;
  exited: Promise<void>;
}

export async function runCrashCampaign(o: CrashCampaignOptions): Promise<CrashCampaignResult> {
  const started = Date.now();
  const { ethers, networkHelpers } = o;
  const dbFile = path.join(o.dir, "node0.db");
  const grid = await deployTestGrid(ethers, networkHelpers, { buildings: [1, 2, 3, 4, 5, 6, 7, 8] });
  const rpc = await serveRpc(o.provider);
  const node1 = await Gateway.open({
    dbFile: path.join(o.dir, "node1.db"),
    provider: grid.provider,
    nodeKey: grid.nodeKeys[1] as string,
    registry: grid.registryAddress,
    ledger: grid.ledgerAddress,
    build: buildClusterBatch,
    startPeriod: 0,
    timing: AT_ONCE,
    outbox: FAST_OUTBOX,
  });
  const node1App = buildServer(node1, { logger: false });
  const node1Url = await node1App.listen({ host: "127.0.0.1", port: 0 });
  let kills = 0;
  let selfKills = 0;
  const rnd = lcg(o.seed ?? 42);

  const start = (crashStep: string | undefined): Child => {
    const proc = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(o.repo, "scripts", "gateway.ts"),
        ...["--rpc", rpc.url, "--registry", grid.registryAddress, "--ledger", grid.ledgerAddress],
        ...["--db", dbFile, "--tick-ms", "20", "--start-period", "0", "--port", "0"],
        ...["--aggregate-wait", String(AT_ONCE.aggregateWaitSeconds)],
        ...["--self-submit-delay", String(AT_ONCE.selfSubmitDelaySeconds)],
      ],
      {
        cwd: o.repo,
        env: {
          ...process.env,
          GRIDSHARE_NODE_KEY: grid.nodeKeys[0],
          ...(crashStep ? { GRIDSHARE_CRASH_AFTER_STEP: crashStep } : {}),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    proc.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    const url = new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), START_TIMEOUT_MS);
      proc.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { listening: string }).listening);
        }
      });
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited before listening (${code ?? signal}): ${err}`));
      });
    });
    url.catch(() => undefined);
    return { proc, url, exited };
  };

  const kill = async (c: Child): Promise<void> => {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
    else if (c.proc.signalCode === "SIGKILL") selfKills++;
    await c.exited;
    kills++;
  };

  /** Post each not-yet-acknowledged reading; record the 2xx ones. A dead gateway just fails the post. */
  const postPending = async (url: string, pending: SignedReading[], acked: Set<string>): Promise<void> => {
    for (const s of pending) {
      const key = `${s.reading.meter}/${s.reading.period}`;
      if (acked.has(key)) continue;
      let r;
      try {
        r = await postReadings(url, signedReadingToJson(s));
      } catch {
        return; // the process died under us
      }
      if (r.status === 200 || r.status === 202) acked.add(key);
      else throw new CrashCampaignError(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
    }
  };

  /** Node 0's attestation is on record in both clusters (slot 0 of cluster 1, slot 1 of cluster 2). */
  const node0Done = async (p: number): Promise<boolean> => {
    const c1 = await grid.ledger.votesOf(1, p);
    const c2 = await grid.ledger.votesOf(2, p);
    return c1.status === BatchStatus.Accepted && (c1.votedMask & 1n) !== 0n && (c2.votedMask & 2n) !== 0n;
  };

  const acked = new Set<string>();
  const settled: boolean[] = [];
  let openAtEnd = -1;
  try {
    let step = 0;
    for (let p = 0; p < o.periods; p++) {
      await grid.warp(p + 1, 60);
      const readings = (await grid.fleet.period(p)).map((x) => x.signed);
      // Node 1 (never killed) gets its copy and closes its side.
      for (const s of readings) {
        const r = await postReadings(node1Url, signedReadingToJson(s));
        if (r.status !== 200)
          throw new CrashCampaignError(`node 1 answered ${r.status}: ${JSON.stringify(r.body)}`);
      }
      for (let k = 0; k < o.killsPerPeriod; k++) {
        const mode = STEPS[step++ % STEPS.length];
        const child = start(mode === "random" ? undefined : mode);
        let url: string | undefined;
        try {
          url = await child.url;
        } catch {
          // killed itself before listening (its outbox had work left over): that is a crash too
        }
        if (url) {
          if (mode === "random") {
            const posting = postPending(url, readings, acked);
            await sleep(Math.floor(rnd.next().value * 300));
            await kill(child);
            await posting;
            continue;
          }
          await postPending(url, readings, acked);
        }
        await node1.tick();
        // Wait (bounded) for the self-kill at the chosen step; kill it ourselves when that step never comes.
        await Promise.race([child.exited, sleep(3_000)]);
        await kill(child);
      }
      // A last life for this period: runs until node 0's attestations are on chain, then dies too.
      const child = start(undefined);
      const url = await child.url;
      await postPending(url, readings, acked);
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      while (!(await node0Done(p)) && Date.now() < deadline) {
        await node1.tick();
        await sleep(50);
      }
      await kill(child);
      await node1.tick();
      settled.push(await node0Done(p));
      o.log?.(
        `period ${p}: ${kills} kills (${selfKills} by the fault hook), ${acked.size} readings acknowledged`,
      );
    }
    // One more life: a restart reconciles whatever the last kill left signed but unrecorded.
    const last = start(undefined);
    const lastUrl = await last.url;
    const until = Date.now() + SETTLE_TIMEOUT_MS;
    while (Date.now() < until) {
      openAtEnd = ((await (await fetch(`${lastUrl}/health`)).json()) as { openOutbox: number }).openOutbox;
      if (openAtEnd === 0) break;
      await sleep(50);
    }
    await kill(last);
  } finally {
    await node1App.close();
    node1.close();
    await rpc.app.close();
  }

  const batches: BatchCheck[] = [];
  for (let p = 0; p < o.periods; p++) {
    for (const c of [1, 2]) {
      const b = await grid.ledger.batchOf(c, p);
      const buildings = grid.fleet.meters.filter((m) => m.clusterId === c).map((m) => m.building);
      batches.push({
        clusterId: c,
        period: p,
        accepted: b.status === BatchStatus.Accepted,
        leafCount: Number(b.leafCount),
        totalLoadWh: b.totalLoadWh,
        dataLoadWh: buildings.reduce((a, n) => a + (loadBuilding(n).periods[p]?.loadWh ?? 0n), 0n),
      });
    }
  }
  const raw = new Database(dbFile, { readonly: true });
  const integrity = (raw.pragma("integrity_check", { simple: true }) as string) ?? "no answer";
  raw.close();
  const store = new GatewayStore(dbFile);
  let lost: string[];
  let unfinished: number;
  try {
    lost = [...acked].filter((key) => {
      const [meter, period] = key.split("/");
      return store.getReading(getAddress(meter as string), Number(period)) === undefined;
    });
    unfinished = store.outbox().filter((r) => r.status !== "confirmed").length;
  } finally {
    store.close();
  }
  const node0 = grid.nodes[0] as string;
  const submissions: string[] = [];
  const events = [
    ...(await grid.ledger.queryFilter(grid.ledger.filters.AttestationsRecorded(), 0)),
    ...(await grid.ledger.queryFilter(grid.ledger.filters.BatchAccepted(), 0)),
  ];
  for (const e of events) {
    const tx = await e.getTransaction();
    if (getAddress(tx.from) === getAddress(node0)) submissions.push(`${e.args.clusterId}/${e.args.period}`);
  }
  return {
    kills,
    selfKills,
    settled,
    acked: acked.size,
    lost,
    openAtEnd,
    unfinished,
    batches,
    submissions,
    nonce: await ethers.provider.getTransactionCount(node0),
    integrity,
    seconds: (Date.now() - started) / 1000,
  };
}
