/**
 * What an operator sees (issue 17): logs on by default and structured, a 500 that points to its log line,
 * a chain outage answered 503 with Retry-After and shown by /health, rejected transactions logged and
 * counted, and a failed first start that does not bind the database to the wrong deployment.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { JsonRpcProvider } from "ethers";
import type { FastifyInstance } from "fastify";
import { signedReadingToJson } from "../../lib/batches/reading.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { Gateway } from "../../lib/gateway/gateway.js";
import { buildServer } from "../../lib/gateway/server.js";
import { postReadings } from "../../lab/simulator/fleet.js";
import { FAST_OUTBOX } from "../../lab/demo/gateways.js";
import { asProvider, deployTestGrid, openGateway, tempDir, type TestGrid } from "./helpers.js";
import { serveRpc } from "../../lab/fixtures/rpc-proxy.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  [k: string]: unknown;
}

/** A log destination that keeps the gateway's JSON lines. */
function captureLog(): { stream: { write(s: string): void }; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    stream: {
      write(s: string) {
        for (const l of s.split("\n").filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
      },
    },
  };
}

const WARN = 40;
const ERROR = 50;

describe("gateway operations: logs, health, outages (issue 17)", function () {
  this.timeout(300_000);
  const dir = tempDir("operations");
  let grid: TestGrid;
  let n = 0;

  before(async () => {
    grid = await deployTestGrid(ethers, networkHelpers, { buildings: [1, 2, 3, 4, 5, 6, 7, 8] });
  });
  after(() => dir.cleanup());

  function open(provider = asProvider(ethers.provider), file = dir.file(`g${n++}.db`)): Promise<Gateway> {
    return openGateway(grid, grid.nodeKeys[0], file, { provider, outbox: FAST_OUTBOX });
  }

  it("logs at info by default, without any environment variable", async () => {
    const gw = await open();
    const app = buildServer(gw);
    try {
      expect(app.log.level).to.equal("info");
    } finally {
      await app.close();
      gw.close();
    }
  });

  it("a 500 names the request id of an error line in the log that says what failed", async () => {
    const gw = await open();
    const log = captureLog();
    const app = buildServer(gw, { logger: { stream: log.stream } });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const period = Number((BigInt(await networkHelpers.time.latest()) - grid.epoch) / 14_400n);
      const m = grid.fleet.meters[0];
      const s = await grid.fleet.sign(m, grid.fleet.reading(m, Math.max(0, period - 1)));
      gw.store.db.close(); // the disk went away under the gateway
      const res = await postReadings(url, signedReadingToJson(s));
      expect(res.status).to.equal(500);
      const reason = (res.body as { reason: string }).reason;
      const errors = log.lines.filter((l) => l.level >= ERROR);
      expect(errors, JSON.stringify(log.lines)).to.have.length.greaterThan(0);
      const line = errors[0];
      expect(reason).to.include(String(line.reqId));
      expect(JSON.stringify(line)).to.match(/database/i);
    } finally {
      await app.close();
      gw.close();
    }
  });

  it("answers 503 with Retry-After while the chain is unreachable, /health says why, and recovers", async () => {
    let rpc = await serveRpc(connection.provider);
    const port = Number(new URL(rpc.url).port);
    const { chainId } = await ethers.provider.getNetwork();
    const provider = new JsonRpcProvider(rpc.url, chainId, { staticNetwork: true });
    const gw = await open(provider);
    const log = captureLog();
    const app = buildServer(gw, { logger: { stream: log.stream } });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const now = BigInt(await networkHelpers.time.latest());
      const period = Number((now - grid.epoch) / 14_400n);
      await grid.warp(period + 1, 60);
      // ethers answers a repeated read within 250 ms from its last result: let the gateway see the new block.
      await new Promise((r) => setTimeout(r, 300));
      const [a, b] = grid.fleet.meters;
      const first = await grid.fleet.sign(a, grid.fleet.reading(a, period));
      const r0 = await postReadings(url, signedReadingToJson(first));
      expect(r0.status, JSON.stringify(r0.body)).to.equal(200);

      await rpc.app.close();
      const second = signedReadingToJson(await grid.fleet.sign(b, grid.fleet.reading(b, period)));
      const down = await fetch(`${url}/readings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(second),
      });
      expect(down.status).to.equal(503);
      expect(Number(down.headers.get("retry-after"))).to.be.greaterThan(0);
      const body = (await down.json()) as { error: string; reason: string };
      expect(body.error).to.equal("CHAIN_UNAVAILABLE");
      expect(body.reason).to.match(/chain/);
      await gw.tick();
      const health = await fetch(`${url}/health`);
      expect(health.status).to.equal(503);
      const h = (await health.json()) as { status: string; reasons: string[] };
      expect(h.status).to.equal("degraded");
      expect(h.reasons.join(" ")).to.match(/chain/);
      expect(log.lines.some((l) => l.level >= WARN && /chain/.test(l.msg))).to.equal(true);
      expect(gw.store.countReadings()).to.equal(1);

      rpc = await serveRpc(connection.provider, port);
      // ethers answers a repeated read within 250 ms from its last (failed) result.
      await new Promise((r) => setTimeout(r, 300));
      await gw.tick();
      const back = await postReadings(url, second);
      expect(back.status, JSON.stringify(back.body) + JSON.stringify(gw.health())).to.equal(200);
      const again = await fetch(`${url}/health`);
      expect(again.status, await again.text()).to.equal(200);
    } finally {
      await app.close();
      gw.close();
      provider.destroy();
      await rpc.app.close();
    }
  });

  it("logs, counts and reports a rejected transaction (VotingClosed)", async () => {
    const gw = await open();
    const log = captureLog();
    const app = buildServer(gw, { logger: { stream: log.stream } });
    try {
      const now = BigInt(await networkHelpers.time.latest());
      const period = Number((now - grid.epoch) / 14_400n) + 1;
      await grid.warp(period + 1, 60);
      for (const { signed } of (await grid.fleet.period(period)).filter((x) => x.meter.clusterId === 1)) {
        const [v] = await gw.ingest(signedReadingToJson(signed));
        expect(v.ok, JSON.stringify(v)).to.equal(true);
      }
      // The node was down for the whole voting window: its proposal can only be refused now.
      await grid.warp(period + 3, 60);
      await gw.tick();
      const rejected = gw.store.outbox().filter((r) => r.status === "rejected" && r.period === period);
      expect(rejected, JSON.stringify(gw.store.outbox())).to.have.length(1);
      const h = gw.health();
      expect(h.status).to.equal("degraded");
      expect(h.reasons.join(" ")).to.match(/VotingClosed/);
      expect(gw.metrics()).to.match(/gridshare_gateway_tx_rejected_total 1/);
      const line = log.lines.find((l) => l.level >= ERROR && JSON.stringify(l).includes("VotingClosed"));
      expect(line, JSON.stringify(log.lines)).to.not.equal(undefined);
      expect(line).to.include({ clusterId: 1, period });
    } finally {
      await app.close();
      gw.close();
    }
  });

  it("serves no proof against a batch the ledger did not accept: 409 with the ledger's status", async () => {
    const gw = await open();
    const app = buildServer(gw, { logger: false });
    try {
      const now = BigInt(await networkHelpers.time.latest());
      const period = Number((now - grid.epoch) / 14_400n) + 1;
      await grid.warp(period + 1, 60);
      const readings = (await grid.fleet.period(period)).filter((x) => x.meter.clusterId === 1);
      for (const { signed } of readings) await gw.ingest(signedReadingToJson(signed));
      // The node missed its window: it builds the batch and holds the proofs, but nothing was accepted.
      await grid.warp(period + 3, 60);
      await gw.tick();
      const meter = readings[0]!.signed.reading.meter;
      expect(gw.proofFor(meter, period), "the proof is held").to.not.equal(undefined);
      for (const path of [`/proof/${meter}/${period}`]) {
        const res = await app.inject({ method: "GET", url: path });
        expect(res.statusCode, res.body).to.equal(409);
        expect(res.json()).to.deep.equal({
          error: "BATCH_NOT_ACCEPTED",
          reason: `the batch of cluster 1 period ${period} is not accepted on the ledger (status none): a proof against it would not verify`,
        });
      }
      const stranger = "0x00000000000000000000000000000000000000ff";
      expect((await app.inject({ method: "GET", url: `/proof/${stranger}/${period}` })).statusCode).to.equal(
        404,
      );
    } finally {
      await app.close();
      gw.close();
    }
  });

  it("a first start with registry and ledger swapped fails clearly and does not bind the database", async () => {
    const file = dir.file("swapped.db");
    let err: unknown;
    try {
      const gw = await Gateway.open({
        dbFile: file,
        provider: asProvider(ethers.provider),
        nodeKey: grid.nodeKeys[0],
        registry: grid.ledgerAddress,
        ledger: grid.registryAddress,
        build: buildClusterBatch,
      });
      gw.close();
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.match(/swapped|not a ClusterRegistry/);
    const gw = await open(asProvider(ethers.provider), file);
    gw.close();
  });
});
