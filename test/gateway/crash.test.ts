/**
 * Crash safety with real processes: node 0's gateway runs as a child process (scripts/gateway.ts) against
 * the in-process chain served over JSON-RPC on 127.0.0.1, and is killed with SIGKILL over and over:
 * at random moments, and right after each step of the outbox protocol (checked, signed, broadcast, final)
 * through the script's fault-injection hook. Node 1's gateway runs in-process and is never killed.
 * Afterwards: every reading the child acknowledged is in its database and in an accepted batch, every
 * period of both clusters is accepted, and node 0's attestation of each batch is on record, sent exactly
 * once with no transaction wasted (no peer carries it here: its nonce equals two submissions a period).
 */
import { AssertionError, expect } from "chai";
import { network } from "hardhat";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress } from "ethers";
import type { FastifyInstance } from "fastify";
import { loadBuilding } from "../../lab/data/citylearn.js";
import type { Gateway } from "../../lib/gateway/gateway.js";
import { buildServer } from "../../lib/gateway/server.js";
import { GatewayStore } from "../../lib/gateway/store.js";
import { postReadings } from "../../lab/simulator/fleet.js";
import { signedReadingToJson, type SignedReading } from "../../lib/batches/reading.js";
import { FAST_OUTBOX } from "../../lab/demo/gateways.js";
import { deployTestGrid, openGateway, tempDir, type TestGrid } from "./helpers.js";
import { serveRpc } from "./rpc-proxy.js";
import { BatchStatus } from "../../lib/chain/schema.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PERIODS = 6;
const KILLS_PER_PERIOD = 4;
const STEPS = ["checked", "signed", "broadcast", "final", "random"] as const;
const START_TIMEOUT_MS = 90_000;
const SETTLE_TIMEOUT_MS = 90_000;
/** No peer exchange here: each node submits its own attestations at once (their window opened 60 s ago). */
const AT_ONCE = { aggregateWaitSeconds: 0, selfSubmitDelaySeconds: 0 };

/** Deterministic pseudo-random delays (the test must be reproducible). */
function* lcg(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    yield x / 2 ** 31;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Child {
  proc: ChildProcess;
  url: Promise<string>;
  exited: Promise<void>;
}

describe("gateway crash safety (child process, kill -9)", function () {
  this.timeout(900_000);
  const dir = tempDir("crash");
  const dbFile = dir.file("node0.db");
  let grid: TestGrid;
  let rpc: { app: FastifyInstance; url: string };
  let node1: Gateway;
  let node1App: FastifyInstance;
  let node1Url: string;
  let kills = 0;
  /** Lives that ended by the fault hook (SIGKILL right after an outbox step), not by our kill. */
  let selfKills = 0;
  const rnd = lcg(42);

  before(async () => {
    grid = await deployTestGrid(ethers, networkHelpers, { buildings: [1, 2, 3, 4, 5, 6, 7, 8] });
    rpc = await serveRpc(connection.provider);
    node1 = await openGateway(grid, grid.nodeKeys[1], dir.file("node1.db"), {
      timing: AT_ONCE,
      outbox: FAST_OUTBOX,
    });
    node1App = buildServer(node1);
    node1Url = await node1App.listen({ host: "127.0.0.1", port: 0 });
  });

  after(async () => {
    await node1App.close();
    node1.close();
    await rpc.app.close();
    dir.cleanup();
  });

  function start(crashStep: string | undefined): Child {
    const proc = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(REPO, "scripts", "gateway.ts"),
        "--rpc",
        rpc.url,
        "--registry",
        grid.registryAddress,
        "--ledger",
        grid.ledgerAddress,
        "--db",
        dbFile,
        "--tick-ms",
        "20",
        "--start-period",
        "0",
        "--aggregate-wait",
        String(AT_ONCE.aggregateWaitSeconds),
        "--self-submit-delay",
        String(AT_ONCE.selfSubmitDelaySeconds),
      ],
      {
        cwd: REPO,
        env: {
          ...process.env,
          GRIDSHARE_NODE_KEY: grid.nodeKeys[0],
          ...(crashStep ? { GRIDSHARE_CRASH_AFTER_STEP: crashStep } : {}),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let err = "";
    proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
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
  }

  async function kill(c: Child): Promise<void> {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
    else if (c.proc.signalCode === "SIGKILL") selfKills++;
    await c.exited;
    kills++;
  }

  /** Post each not-yet-acknowledged reading; record the 2xx ones. A dead gateway just fails the post. */
  async function postPending(url: string, pending: SignedReading[], acked: Set<string>): Promise<void> {
    for (const s of pending) {
      const key = `${s.reading.meter}/${s.reading.period}`;
      if (acked.has(key)) continue;
      try {
        const r = await postReadings(url, signedReadingToJson(s));
        if (r.status === 200 || r.status === 202) acked.add(key);
        else expect.fail(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
      } catch (e) {
        if (e instanceof AssertionError) throw e;
        return; // the process died under us
      }
    }
  }

  /** Node 0's attestation is on record in both clusters (slot 0 of cluster 1, slot 1 of cluster 2). */
  async function node0Done(p: number): Promise<boolean> {
    const c1 = await grid.ledger.votesOf(1, p);
    const c2 = await grid.ledger.votesOf(2, p);
    return c1.status === BatchStatus.Accepted && (c1.votedMask & 1n) !== 0n && (c2.votedMask & 2n) !== 0n;
  }

  it("loses no acknowledged reading and never sends an attestation twice across 20+ kills", async () => {
    const acked = new Set<string>();
    let step = 0;
    for (let p = 0; p < PERIODS; p++) {
      await grid.warp(p + 1, 60);
      const readings = (await grid.fleet.period(p)).map((x) => x.signed);
      // Node 1 (never killed) gets its copy and closes its side.
      for (const s of readings)
        expect((await postReadings(node1Url, signedReadingToJson(s))).status).to.equal(200);
      for (let k = 0; k < KILLS_PER_PERIOD; k++) {
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
      expect(await node0Done(p), `period ${p} settled`).to.equal(true);
    }
    // One more life: a restart reconciles whatever the last kill left signed but unrecorded.
    const last = start(undefined);
    const lastUrl = await last.url;
    const until = Date.now() + SETTLE_TIMEOUT_MS;
    let open = -1;
    while (Date.now() < until) {
      open = ((await (await fetch(`${lastUrl}/health`)).json()) as { openOutbox: number }).openOutbox;
      if (open === 0) break;
      await sleep(50);
    }
    await kill(last);
    expect(open).to.equal(0);
    expect(kills).to.be.at.least(20);
    // The outbox steps were really hit: some lives died inside the send protocol.
    expect(selfKills).to.be.at.least(PERIODS);

    // Every period of both clusters accepted, with all 4 readings and the data's totals.
    for (let p = 0; p < PERIODS; p++) {
      for (const c of [1, 2]) {
        const b = await grid.ledger.batchOf(c, p);
        expect(b.status, `cluster ${c} period ${p}`).to.equal(BatchStatus.Accepted);
        expect(b.leafCount).to.equal(4n);
        const buildings = grid.fleet.meters.filter((m) => m.clusterId === c).map((m) => m.building);
        expect(b.totalLoadWh).to.equal(buildings.reduce((a, n) => a + loadBuilding(n).periods[p].loadWh, 0n));
      }
    }
    // No acknowledged reading lost.
    const store = new GatewayStore(dbFile);
    try {
      expect(acked.size).to.equal(PERIODS * 8);
      for (const key of acked) {
        const [meter, period] = key.split("/");
        expect(store.getReading(getAddress(meter), Number(period)), key).to.not.equal(undefined);
      }
      expect(store.outbox().filter((r) => r.status !== "confirmed")).to.deep.equal([]);
    } finally {
      store.close();
    }
    // Node 0's attestation of every batch of both clusters on record, each sent once: no transaction wasted.
    for (let p = 0; p < PERIODS; p++) expect(await node0Done(p), `period ${p}`).to.equal(true);
    const node0 = grid.nodes[0];
    const sent = await grid.ledger.queryFilter(grid.ledger.filters.AttestationsRecorded(), 0);
    const bySelf = [];
    for (const e of sent) {
      const tx = await e.getTransaction();
      if (getAddress(tx.from) === getAddress(node0)) bySelf.push(`${e.args.clusterId}/${e.args.period}`);
    }
    const accepted = await grid.ledger.queryFilter(grid.ledger.filters.BatchAccepted(), 0);
    for (const e of accepted) {
      const tx = await e.getTransaction();
      if (getAddress(tx.from) === getAddress(node0)) bySelf.push(`${e.args.clusterId}/${e.args.period}`);
    }
    // One submission per cluster-period: node 0 parents cluster 1 and neighbours cluster 2.
    expect(new Set(bySelf).size).to.equal(bySelf.length);
    expect(await ethers.provider.getTransactionCount(node0)).to.equal(2 * PERIODS);
  });
});
