/**
 * Hostile and broken clients over real HTTP: every bad post gets a 4xx with a reason, the gateway stays
 * up, and the database changes only in its quarantine.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import type { FastifyInstance } from "fastify";
import {
  gridDomain,
  signReading,
  signedReadingToJson,
  type SignedReadingJson,
} from "../../lib/batches/reading.js";
import type { Gateway } from "../../lib/gateway/gateway.js";
import { MAX_BULK_READINGS } from "../../lib/gateway/ingest.js";
import { buildServer } from "../../lib/gateway/server.js";
import { postReadings } from "../../lab/simulator/fleet.js";
import { alteredAfterSigning, malformedPosts } from "../../lab/simulator/faults.js";
import { answerProblem, malformedBodies, newlyStored } from "../../lab/simulator/fuzz.js";
import fc from "fast-check";
import { FAST_OUTBOX } from "../../lab/demo/gateways.js";
import { deployTestGrid, openGateway, tempDir, type TestGrid } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

/** A fresh grid of Buildings 1-8 and node 0's gateway on it. */
async function node0OnGrid(dbFile: string): Promise<{ grid: TestGrid; gw: Gateway }> {
  const grid = await deployTestGrid(ethers, networkHelpers, { buildings: [1, 2, 3, 4, 5, 6, 7, 8] });
  const gw = await openGateway(grid, grid.nodeKeys[0], dbFile, { outbox: FAST_OUTBOX });
  return { grid, gw };
}

describe("gateway bad input over HTTP", function () {
  this.timeout(300_000);
  const dir = tempDir("bad-input");
  let grid: TestGrid;
  let gw: Gateway;
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    ({ grid, gw } = await node0OnGrid(dir.file("node0.db")));
    app = buildServer(gw, { bodyLimit: 64 * 1024, logger: false });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    await grid.warp(1, 60);
  });

  after(async () => {
    await app.close();
    gw.close();
    dir.cleanup();
  });

  /** Snapshot of everything but the quarantine. */
  function snapshot(): string {
    const db = gw.store.db;
    const tables = ["readings", "batches", "batch_leaves", "outbox", "compromised", "cursors"];
    return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t}`).all()));
  }

  async function expectRefused(
    body: unknown,
    status: number,
    error: RegExp,
    contentType?: string,
  ): Promise<void> {
    const r = await postReadings(url, body, contentType);
    expect(r.status, JSON.stringify(r.body)).to.equal(status);
    const b = r.body as { error: string; reason: string };
    expect(b.error).to.match(error);
    expect(b.reason).to.be.a("string").with.length.greaterThan(10);
  }

  it("answers every malformed post with a 4xx and a reason, changing nothing but the quarantine", async () => {
    const m = grid.fleet.meters[0];
    const valid = signedReadingToJson(
      await grid.fleet.sign(m, grid.fleet.reading(m, 0)),
    ) as unknown as Record<string, unknown>;
    const before = snapshot();
    const cases: [string, number, RegExp][] = [
      ["not JSON", 400, /INVALID_JSON/],
      ["empty body", 400, /EMPTY_JSON_BODY/],
      ["JSON null", 400, /SCHEMA_INVALID/],
      ["a number", 400, /SCHEMA_INVALID/],
      ["empty object", 400, /SCHEMA_INVALID/],
      ["empty array", 400, /EMPTY_BULK/],
      ["wrong content type", 415, /INVALID_MEDIA_TYPE/],
      ["energy as number", 400, /SCHEMA_INVALID/],
      ["period as string", 400, /SCHEMA_INVALID/],
      ["negative energy", 400, /SCHEMA_INVALID/],
      ["energy above uint64", 400, /VALUE_OUT_OF_RANGE|SCHEMA_INVALID/],
      ["unknown field", 400, /SCHEMA_INVALID/],
      ["missing signature", 400, /SCHEMA_INVALID/],
      ["short signature", 400, /SCHEMA_INVALID/],
      ["meter not an address", 400, /SCHEMA_INVALID/],
    ];
    const posts = malformedPosts(valid);
    expect(posts.map((p) => p.name)).to.deep.equal(cases.map((c) => c[0]));
    for (const [i, p] of posts.entries())
      await expectRefused(p.body, cases[i][1], cases[i][2], p.contentType);
    expect(snapshot()).to.equal(before);
    expect(gw.store.countReadings()).to.equal(0);
  });

  it("refuses bad signatures, unknown meters, unbalanced readings and future periods with their reasons", async () => {
    const before = snapshot();
    const q0 = gw.store.quarantined().length;
    const m = grid.fleet.meters[0];
    const good = await grid.fleet.sign(m, grid.fleet.reading(m, 0));
    const stranger = new Wallet(keccak256(toUtf8Bytes("not a meter")));
    const strangerReading = { ...grid.fleet.reading(m, 0), meter: stranger.address };
    await expectRefused(signedReadingToJson(alteredAfterSigning(good)), 422, /SIGNATURE_MISMATCH/);
    await expectRefused(
      signedReadingToJson(await grid.fleet.sign({ ...m, wallet: stranger }, strangerReading)),
      403,
      /UNKNOWN_METER/,
    );
    await expectRefused(
      signedReadingToJson(await grid.fleet.sign(m, grid.fleet.reading(m, 1))),
      422,
      /FUTURE_PERIOD/,
    );
    await expectRefused(
      signedReadingToJson(await grid.fleet.sign(m, grid.fleet.reading(m, 40))),
      422,
      /FUTURE_PERIOD/,
    );
    await expectRefused(
      signedReadingToJson(await grid.fleet.sign(m, { ...grid.fleet.reading(m, 0), importWh: 0n })),
      422,
      /BALANCE_VIOLATION/,
    );
    expect(snapshot()).to.equal(before);
    expect(gw.store.quarantined().length - q0).to.equal(5);
  });

  it("refuses oversize bodies and too many readings without reading them", async () => {
    const before = snapshot();
    const q0 = gw.store.quarantined().length;
    await expectRefused(JSON.stringify({ pad: "x".repeat(70 * 1024) }), 413, /BODY_TOO_LARGE/);
    await expectRefused(
      Array.from({ length: MAX_BULK_READINGS + 1 }, () => 0),
      413,
      /TOO_MANY_READINGS/,
    );
    expect(snapshot()).to.equal(before);
    expect(gw.store.quarantined().length).to.equal(q0);
  });

  it("keeps the valid readings of a mixed bulk upload (207) and stays healthy", async () => {
    const [a, b] = grid.fleet.meters;
    const good = signedReadingToJson(await grid.fleet.sign(a, grid.fleet.reading(a, 0)));
    const bad = signedReadingToJson(alteredAfterSigning(await grid.fleet.sign(b, grid.fleet.reading(b, 0))));
    const r = await postReadings(url, [good, bad, { nonsense: true }]);
    expect(r.status).to.equal(207);
    const results = (r.body as { results: { result?: string; error?: string }[] }).results;
    expect(results.map((x) => x.result ?? x.error)).to.deep.equal([
      "accepted",
      "SIGNATURE_MISMATCH",
      "MALFORMED_READING",
    ]);
    expect(gw.store.countReadings()).to.equal(1);
    const health = await fetch(`${url}/health`);
    expect(health.status).to.equal(200);
    const again = await postReadings(url, good);
    expect(again.status).to.equal(200);
    expect((again.body as { result: string }).result).to.equal("duplicate");
  });

  // Issue 17: input that broke the gateway, and the quarantine's bounds.

  async function validJson(i: number, period = 0): Promise<Record<string, unknown>> {
    const m = grid.fleet.meters[i];
    return signedReadingToJson(await grid.fleet.sign(m, grid.fleet.reading(m, period))) as unknown as Record<
      string,
      unknown
    >;
  }

  it("answers a deeply nested body with a 4xx, alone or inside a bulk upload, and stores nothing of it", async () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const alone = await postReadings(url, deep);
    expect(alone.status, JSON.stringify(alone.body)).to.equal(400);
    expect((alone.body as { reason: string }).reason).to.match(/nested/);
    const before = gw.store.countReadings();
    const a = JSON.stringify(await validJson(2));
    const b = JSON.stringify(await validJson(3));
    const bulk = await postReadings(url, `[${a},${deep},${b}]`);
    expect(bulk.status, JSON.stringify(bulk.body)).to.be.within(400, 499);
    // All or nothing: the client was told the request failed, so none of its items may be stored.
    expect(gw.store.countReadings()).to.equal(before);
    const deepObject = '{"reading":'.repeat(3000) + "1" + "}".repeat(3000);
    const obj = await postReadings(url, deepObject);
    expect(obj.status, JSON.stringify(obj.body)).to.equal(400);
  });

  it("names a __proto__ or constructor key instead of calling the body invalid JSON", async () => {
    const v = await validJson(0);
    const proto = await postReadings(url, JSON.stringify(v).replace(/^\{/, '{"__proto__":{"x":1},'));
    expect(proto.status).to.equal(400);
    expect((proto.body as { error: string }).error).to.not.match(/INVALID_JSON/);
    expect((proto.body as { reason: string }).reason).to.include("__proto__");
    const ctor = await postReadings(
      url,
      JSON.stringify(v).replace(/^\{/, '{"constructor":{"prototype":{"x":1}},'),
    );
    expect(ctor.status).to.equal(400);
    expect((ctor.body as { error: string }).error).to.not.match(/INVALID_JSON/);
    expect((ctor.body as { reason: string }).reason).to.include("constructor");
  });

  it("says 'array' when an array stands where an object belongs", async () => {
    const v = await validJson(0);
    const r = await postReadings(url, { ...v, reading: [] });
    expect(r.status).to.equal(400);
    const reason = (r.body as { reason: string }).reason;
    expect(reason).to.not.include("got object");
    expect(reason).to.include("array");
  });

  it("hints at the signing domain when a reading was signed for another chain id or registry", async () => {
    const m = grid.fleet.meters[0];
    const r = grid.fleet.reading(m, 0);
    for (const d of [gridDomain(999n, grid.registryAddress), gridDomain(31337n, grid.ledgerAddress)]) {
      const s = await signReading(m.wallet, d, r);
      const res = await postReadings(url, signedReadingToJson(s));
      expect(res.status).to.equal(422);
      const body = res.body as { error: string; reason: string };
      expect(body.error).to.equal("SIGNATURE_MISMATCH");
      expect(body.reason).to.match(/domain/);
      expect(body.reason).to.include(getAddress(grid.registryAddress));
    }
  });

  it("limits refusals per source: junk beyond its budget is answered 429 with Retry-After and never stored", async () => {
    const limited = buildServer(gw, { logger: false, refusalBurst: 1500, refusalsPerMinute: 60 });
    const base = await limited.listen({ host: "127.0.0.1", port: 0 });
    try {
      const q0 = gw.store.quarantined().length;
      const junk = JSON.stringify(Array.from({ length: MAX_BULK_READINGS }, (_, i) => ({ nonsense: i })));
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${base}/readings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: junk,
        });
        statuses.push(res.status);
        const body = (await res.json()) as { results?: unknown[] };
        if (res.status === 400) expect(body.results).to.have.length(MAX_BULK_READINGS);
        if (res.status === 429) retryAfter = res.headers.get("retry-after");
      }
      expect(statuses).to.deep.equal([400, 400, 429]);
      expect(Number(retryAfter)).to.be.greaterThan(0);
      expect(gw.store.quarantined().length - q0).to.be.at.most(1500);
    } finally {
      await limited.close();
    }
  });

  it("answers 200 property-generated malformed bodies without a 5xx, reporting every bulk item", async () => {
    const fuzzApp = buildServer(gw, { logger: false, refusalBurst: 1e9, refusalsPerMinute: 1e9 });
    const base = await fuzzApp.listen({ host: "127.0.0.1", port: 0 });
    try {
      const valid = await Promise.all([0, 1, 2, 3].map((i) => validJson(i)));
      await fc.assert(
        fc.asyncProperty(malformedBodies(valid as unknown as SignedReadingJson[]), async (body) => {
          const before = gw.store.countReadings();
          const r = await postReadings(base, body);
          const problem = answerProblem(body, r.status, r.body);
          if (problem) throw new Error(problem);
          // All or nothing: what the answer says was stored is exactly what was stored.
          expect(gw.store.countReadings() - before).to.equal(newlyStored(r.body));
        }),
        { numRuns: 200, seed: 17 },
      );
    } finally {
      await fuzzApp.close();
    }
  });

  it("serves the quarantine's reasons over HTTP (without the bodies)", async () => {
    const v = await validJson(1);
    await postReadings(url, { ...v, signature: "0x" + "11".repeat(65) });
    const res = await fetch(`${url}/quarantine?limit=5`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { records: { code: string; reason: string; body?: unknown }[] };
    expect(body.records.length).to.be.within(1, 5);
    for (const rec of body.records) {
      expect(rec.code).to.be.a("string");
      expect(rec.reason).to.be.a("string").with.length.greaterThan(10);
      expect(rec).to.not.have.property("body");
    }
    const bad = await fetch(`${url}/quarantine?limit=abc`);
    expect(bad.status).to.equal(400);
  });
});
