/**
 * Hostile and broken clients over real HTTP: every bad post gets a 4xx with a reason, the gateway stays
 * up, and the database changes only in its quarantine.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import type { FastifyInstance } from "fastify";
import { signedReadingToJson } from "../../lib/batches/reading.js";
import type { Gateway } from "../../lib/gateway/gateway.js";
import { MAX_BULK_READINGS } from "../../lib/gateway/ingest.js";
import { buildServer } from "../../lib/gateway/server.js";
import { postReadings } from "../../lab/simulator/fleet.js";
import { alteredAfterSigning, malformedPosts } from "../../lab/simulator/faults.js";
import { deployTestGrid, openGateway, tempDir, type TestGrid } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

describe("gateway bad input over HTTP", function () {
  this.timeout(300_000);
  const dir = tempDir("bad-input");
  let grid: TestGrid;
  let gw: Gateway;
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    grid = await deployTestGrid(ethers, networkHelpers, { buildings: [1, 2, 3, 4, 5, 6, 7, 8] });
    gw = await openGateway(grid, grid.nodeKeys[0], dir.file("node0.db"));
    app = buildServer(gw, { bodyLimit: 64 * 1024 });
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
});
