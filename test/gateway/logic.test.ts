/**
 * The gateway's logic without HTTP and without a chain: store, ingest verdicts, scheduler, proofs,
 * pruning, metrics. The chain is FakeChain (lab/fixtures/chain-view.ts); batches are built with the real
 * lib/batches/merkle64.ts + lib/batches/batch.ts through buildClusterBatch.
 */
import { expect } from "chai";
import { getAddress } from "ethers";
import { PERIOD_SECONDS, RETENTION_PERIODS } from "../../lib/constants.js";
import { leafHash, unpackProof, verifyProof } from "../../lib/batches/merkle64.js";
import { signedReadingToJson, type SignedReading } from "../../lib/batches/reading.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { GroupCommit } from "../../lib/gateway/group-commit.js";
import { ledgerDomain, signAttestation } from "../../lib/batches/attestation.js";
import { receiveAttestations, type AttestationContext } from "../../lib/gateway/attestations.js";
import { ingest, type IngestContext, type Verdict } from "../../lib/gateway/ingest.js";
import { renderMetrics } from "../../lib/gateway/metrics.js";
import { Scheduler, GraceError } from "../../lib/gateway/scheduler.js";
import { GatewayStore, StoreError } from "../../lib/gateway/store.js";
import type { Role } from "../../lib/gateway/types.js";
import { alteredAfterSigning } from "../../lab/simulator/faults.js";
import { FakeChain } from "../../lab/fixtures/chain-view.js";
import { domain, reading, sign, testMeter } from "./fakes.js";
import { tempDir } from "./helpers.js";

const NODE = "0x00000000000000000000000000000000000000b1";

interface Env {
  store: GatewayStore;
  chain: FakeChain;
  ctx: IngestContext;
  scheduler: Scheduler;
  served: Map<number, Role>;
  file: string;
}

describe("gateway logic (no HTTP)", function () {
  this.timeout(60_000);
  const dir = tempDir("logic");
  let n = 0;
  const meters = [0, 1, 2].map(testMeter);
  const stranger = testMeter(99);
  const otherCluster = testMeter(50);

  function env(role: Role = "parent", grace = 1800): Env {
    const file = dir.file(`g${n++}.db`);
    const store = new GatewayStore(file);
    const chain = new FakeChain();
    for (const m of meters) chain.addMeter(1, m);
    chain.addMeter(7, otherCluster);
    chain.served = [{ clusterId: 1, role }];
    const served = new Map<number, Role>([[1, role]]);
    const scheduler = new Scheduler({
      store,
      chain,
      node: NODE,
      build: buildClusterBatch,
      graceSeconds: grace,
      startPeriod: 0,
    });
    const ctx: IngestContext = { store, chain, domain, served: () => served };
    return { store, chain, ctx, scheduler, served, file };
  }

  async function post(e: Env, s: SignedReading | unknown): Promise<Verdict> {
    const body =
      typeof s === "object" &&
      s !== null &&
      "signature" in s &&
      "reading" in s &&
      typeof (s as SignedReading).reading.loadWh === "bigint"
        ? signedReadingToJson(s as SignedReading)
        : s;
    const [v] = await ingest(e.ctx, body);
    return v as Verdict;
  }

  after(() => dir.cleanup());

  describe("ingest", () => {
    it("accepts a valid reading once; the same reading again is an idempotent duplicate", async () => {
      const e = env();
      e.chain.at(1, 60);
      const s = await sign(meters[0], reading(meters[0], 0));
      expect(await post(e, s)).to.include({ ok: true, status: 200, result: "accepted" });
      expect(await post(e, s)).to.include({ ok: true, status: 200, result: "duplicate" });
      expect(e.store.countReadings()).to.equal(1);
      expect(e.store.getReading(meters[0].address, 0)).to.deep.equal({
        reading: s.reading,
        signature: s.signature,
      });
      expect(e.store.counters()).to.include({
        readings_accepted: 1,
        readings_duplicate: 1,
        readings_quarantined: 0,
      });
    });

    it("a different signed reading for the same meter-period quarantines both and raises a tamper report (parent)", async () => {
      const e = env("parent");
      e.chain.at(1, 60);
      const first = await sign(meters[0], reading(meters[0], 0));
      const second = await sign(meters[0], reading(meters[0], 0, 2001n));
      await post(e, first);
      expect(await post(e, second)).to.include({ ok: false, status: 409, code: "COMPROMISED_METER" });
      expect(e.store.getReading(meters[0].address, 0)).to.equal(undefined);
      const q = e.store.quarantined();
      expect(q.map((x) => x.code)).to.deep.equal(["COMPROMISED_METER", "COMPROMISED_METER"]);
      expect(e.store.isCompromised(getAddress(meters[0].address), 0)).to.equal(true);
      expect(e.store.outbox().map((r) => [r.kind, r.target])).to.deep.equal([
        ["reportTamper", getAddress(meters[0].address)],
      ]);
      // Even the first reading, sent again, is refused now.
      expect(await post(e, first)).to.include({ status: 409, code: "COMPROMISED_METER" });
      expect(e.store.counters()).to.include({ meters_compromised: 1, readings_withdrawn: 1 });
    });

    it("a neighbour quarantines a compromised meter but does not report it (only the parent may)", async () => {
      const e = env("neighbour");
      e.chain.at(1, 60);
      await post(e, await sign(meters[0], reading(meters[0], 0)));
      expect(await post(e, await sign(meters[0], reading(meters[0], 0, 2100n)))).to.include({
        code: "COMPROMISED_METER",
      });
      expect(e.store.outbox()).to.deep.equal([]);
    });

    const refusals: [string, (e: Env) => Promise<unknown>, number, string][] = [
      [
        "a period that has not ended",
        async () => sign(meters[0], reading(meters[0], 1)),
        422,
        "FUTURE_PERIOD",
      ],
      [
        "a period far in the future",
        async () => sign(meters[0], reading(meters[0], 5000)),
        422,
        "FUTURE_PERIOD",
      ],
      [
        "a signature by another key",
        async () => ({ ...(await sign(stranger, reading(meters[0], 0))) }),
        422,
        "SIGNATURE_MISMATCH",
      ],
      [
        "a reading altered after signing",
        async () => alteredAfterSigning(await sign(meters[0], reading(meters[0], 0))),
        422,
        "SIGNATURE_MISMATCH",
      ],
      ["an unknown meter", async () => sign(stranger, reading(stranger, 0)), 403, "UNKNOWN_METER"],
      [
        "a meter of a cluster this node does not serve",
        async () => sign(otherCluster, reading(otherCluster, 0)),
        403,
        "CLUSTER_NOT_SERVED",
      ],
      [
        "an unbalanced (but signed) reading",
        async () => sign(meters[0], { ...reading(meters[0], 0), importWh: 1n }),
        422,
        "BALANCE_VIOLATION",
      ],
      [
        "a malformed object",
        async () => ({ reading: { meter: 5 }, signature: "0x" }),
        400,
        "MALFORMED_READING",
      ],
      ["a string", async () => "hello", 400, "MALFORMED_READING"],
    ];
    for (const [name, make, status, code] of refusals) {
      it(`refuses ${name} (${status} ${code}) and keeps it in the quarantine`, async () => {
        const e = env();
        e.chain.at(1, 60);
        const v = await post(e, await make(e));
        expect(v).to.include({ ok: false, status, code });
        expect((v as { reason: string }).reason)
          .to.be.a("string")
          .and.not.equal("");
        expect(e.store.countReadings()).to.equal(0);
        expect(e.store.quarantined().map((q) => q.code)).to.deep.equal([code]);
      });
    }

    it("refuses a period older than the retention window", async () => {
      const e = env();
      e.chain.at(RETENTION_PERIODS + 5);
      expect(await post(e, await sign(meters[0], reading(meters[0], 4)))).to.include({
        status: 422,
        code: "OUTSIDE_RETENTION",
      });
      expect(await post(e, await sign(meters[0], reading(meters[0], 5)))).to.include({ ok: true });
    });

    it("refuses readings of a tampered meter from its alarm period on, keeps earlier ones", async () => {
      const e = env();
      e.chain.at(3, 60);
      e.chain.tamper(meters[1], 2);
      expect(await post(e, await sign(meters[1], reading(meters[1], 2)))).to.include({
        status: 403,
        code: "METER_NOT_ALLOWED",
      });
      expect(await post(e, await sign(meters[1], reading(meters[1], 1)))).to.include({
        ok: true,
        result: "accepted",
      });
    });

    it("judges each item of a bulk array on its own: the valid ones are kept", async () => {
      const e = env();
      e.chain.at(1, 60);
      const good = await sign(meters[0], reading(meters[0], 0));
      const bad = alteredAfterSigning(await sign(meters[1], reading(meters[1], 0)));
      const vs = await ingest(e.ctx, [signedReadingToJson(good), signedReadingToJson(bad), 17]);
      expect(vs.map((v) => v.status)).to.deep.equal([200, 422, 400]);
      expect(e.store.countReadings()).to.equal(1);
      expect(e.store.quarantined()).to.have.length(2);
    });
  });

  describe("scheduler", () => {
    async function fill(e: Env, period: number, which = meters): Promise<SignedReading[]> {
      const out: SignedReading[] = [];
      for (const [i, m] of which.entries()) {
        const s = await sign(
          m,
          reading(m, period, 1000n + BigInt(i) * 100n + BigInt(period), BigInt(i) * 50n),
        );
        const v = await post(e, s);
        expect(v.ok, JSON.stringify(v)).to.equal(true);
        out.push(s);
      }
      return out;
    }

    it("closes a period as soon as every meter reported, builds the batch, enqueues one attestation", async () => {
      const e = env("parent");
      e.chain.at(1, 60);
      const signed = await fill(e, 0);
      const r = await e.scheduler.tick();
      expect(r.closed).to.deep.equal([{ clusterId: 1, period: 0, leafCount: 3 }]);
      const b = e.store.getBatch(1, 0)!;
      expect(b.header.leafCount).to.equal(3);
      expect(b.header.totalLoadWh).to.equal(signed.reduce((a, s) => a + s.reading.loadWh, 0n));
      expect(b.header.totalGenerationWh).to.equal(signed.reduce((a, s) => a + s.reading.generationWh, 0n));
      expect(e.store.outbox().map((o) => [o.kind, o.period, o.target])).to.deep.equal([
        ["attest", 0, b.digest],
      ]);
      expect(e.store.cursor(1)).to.equal(1);
      // Ticking again changes nothing: a period closes once.
      expect((await e.scheduler.tick()).closed).to.deep.equal([]);
      expect(e.store.outbox()).to.have.length(1);
    });

    it("a neighbour enqueues an attestation of the digest it computed itself", async () => {
      const e = env("neighbour");
      e.chain.at(1, 60);
      await fill(e, 0);
      await e.scheduler.tick();
      expect(e.store.outbox().map((o) => o.kind)).to.deep.equal(["attest"]);
      expect(e.store.outbox()[0].target).to.equal(e.store.getBatch(1, 0)!.digest);
    });

    it("waits for missing meters until the grace time, then closes with what it has; later readings are late", async () => {
      const e = env("parent", 1800);
      e.chain.at(1, 60);
      await fill(e, 0, meters.slice(0, 2));
      expect((await e.scheduler.tick()).closed).to.deep.equal([]);
      e.chain.at(1, 1800);
      expect((await e.scheduler.tick()).closed).to.deep.equal([{ clusterId: 1, period: 0, leafCount: 2 }]);
      const late = await sign(meters[2], reading(meters[2], 0));
      expect(await post(e, late)).to.include({ ok: true, status: 202, result: "late" });
      expect(e.store.getBatch(1, 0)!.header.leafCount).to.equal(2);
      expect(e.store.proofFor(getAddress(meters[2].address), 0)).to.equal(undefined);
    });

    it("never skips a period: after downtime it closes every missed period in order, empty ones without a transaction", async () => {
      const e = env("parent", 0);
      e.chain.at(1, 60);
      await fill(e, 0);
      e.chain.at(2, 60);
      await fill(e, 1);
      // Period 2: nobody reported. Period 3: reported.
      e.chain.at(4, 60);
      await fill(e, 3);
      e.chain.at(5, 60);
      const r = await e.scheduler.tick();
      expect(r.closed.map((c) => [c.period, c.leafCount])).to.deep.equal([
        [0, 3],
        [1, 3],
        [2, 0],
        [3, 3],
        [4, 0],
      ]);
      expect(e.store.outbox().map((o) => o.period)).to.deep.equal([0, 1, 3]);
      expect(e.store.counters()).to.include({ batches_built: 3, batches_empty: 2 });
    });

    it("the store refuses to close any period but the next one", () => {
      const e = env();
      e.store.initCursor(1, "parent", 0);
      expect(() => e.store.closePeriod(1, 1, "parent", null, 0)).to.throw(
        StoreError,
        /next open period is 0/,
      );
      e.store.closePeriod(1, 0, "parent", null, 0);
      expect(() => e.store.closePeriod(1, 0, "parent", null, 0)).to.throw(
        StoreError,
        /next open period is 1/,
      );
    });

    it("refuses a grace that would miss the voting window", () => {
      const e = env();
      expect(
        () =>
          new Scheduler({
            store: e.store,
            chain: e.chain,
            node: NODE,
            build: buildClusterBatch,
            graceSeconds: PERIOD_SECONDS,
          }),
      ).to.throw(GraceError);
    });

    it("proofFor returns IBatchLedger.ReadingProof that verifies against the batch root", async () => {
      const e = env();
      e.chain.at(1, 60);
      const signed = await fill(e, 0);
      await e.scheduler.tick();
      const b = e.store.getBatch(1, 0)!;
      for (const s of signed) {
        const p = e.store.proofFor(s.reading.meter, 0)!;
        expect(p.reading).to.deep.equal(s.reading);
        expect(p.signature).to.equal(s.signature);
        expect(
          verifyProof({
            root: b.header.root,
            leafCount: b.header.leafCount,
            index: p.index,
            leaf: leafHash(s),
            proof: p.proof,
          }),
        ).to.equal(true);
      }
      expect(e.store.proofFor(getAddress(stranger.address), 0)).to.equal(undefined);
      // A row written before proofs were packed (a JSON array of siblings) is served packed.
      const m = signed[0]!.reading.meter;
      const packed = e.store.proofFor(m, 0)!.proof;
      e.store.db
        .prepare("UPDATE batch_leaves SET proof = ? WHERE meter = ? AND period = 0")
        .run(JSON.stringify(unpackProof(packed)), m);
      expect(e.store.proofFor(m, 0)!.proof).to.equal(packed);
    });

    it("survives reopening: readings, batches, cursor and outbox are all in the file", async () => {
      const e = env();
      e.chain.at(1, 60);
      await fill(e, 0);
      await e.scheduler.tick();
      const batch = e.store.getBatch(1, 0);
      e.store.close();
      const again = new GatewayStore(e.file);
      expect(again.countReadings()).to.equal(3);
      expect(again.cursor(1)).to.equal(1);
      expect(again.outbox()).to.have.length(1);
      expect(batch).to.not.equal(undefined);
      expect(again.getBatch(1, 0)).to.deep.equal(batch);
      again.close();
    });

    it("refuses to reopen a database for another node or deployment", () => {
      const e = env();
      e.store.bindIdentity({ chainId: "1", node: NODE });
      e.store.bindIdentity({ chainId: "1", node: NODE });
      expect(() => e.store.bindIdentity({ chainId: "2", node: NODE })).to.throw(
        StoreError,
        /belongs to chainId 1/,
      );
    });

    it("prunes raw data older than 13 weeks only once its batch is anchored", async () => {
      const e = env("parent", 0);
      e.chain.at(1, 60);
      await fill(e, 0);
      await e.scheduler.tick();
      expect(e.store.prune(RETENTION_PERIODS + 1)).to.equal(0); // proposal not final yet
      const row = e.store.outbox()[0];
      e.store.finish(row.id, "confirmed", null, 0);
      expect(e.store.prune(0)).to.equal(0); // inside retention
      expect(e.store.prune(1)).to.equal(3);
      expect(e.store.countReadings()).to.equal(0);
      expect(e.store.proofFor(getAddress(meters[0].address), 0)).to.equal(undefined);
    });
  });

  describe("quarantine bounds (issue 17)", () => {
    const junk = (period: number | null, i: number) => ({
      meter: null,
      period,
      clusterId: null,
      code: "SCHEMA_INVALID",
      reason: `junk ${i}`,
      body: "x".repeat(100),
    });

    it("prunes quarantine rows by age, those without a period and at period 4294967295 included", () => {
      const e = env();
      const t0 = 1_700_000_000_000;
      e.store.quarantine(junk(null, 0), t0);
      e.store.quarantine(junk(4_294_967_295, 1), t0);
      e.store.quarantine(junk(5, 2), t0);
      const maxAgeMs = RETENTION_PERIODS * PERIOD_SECONDS * 1000;
      e.store.prune(0, t0 + maxAgeMs - 1);
      expect(e.store.quarantined()).to.have.length(3); // young enough: kept
      e.store.quarantine(junk(null, 3), t0 + maxAgeMs);
      e.store.prune(0, t0 + maxAgeMs + 1);
      expect(e.store.quarantined().map((q) => q.reason)).to.deep.equal(["junk 3"]);
    });

    it("keeps at most its cap of rows, dropping the oldest first", () => {
      const file = dir.file(`cap${n++}.db`);
      const store = new GatewayStore(file, { quarantineCap: 10 });
      try {
        for (let i = 0; i < 25; i++) store.quarantine(junk(null, i), 1000 + i);
        const q = store.quarantined();
        expect(q.length).to.be.at.most(10);
        expect(q.length).to.be.at.least(5);
        expect(q[q.length - 1]?.reason).to.equal("junk 24");
      } finally {
        store.close();
      }
    });
  });

  describe("group commit", () => {
    it("answers a group only once its WAL sync resolves, and leaves the connection at synchronous=FULL", async () => {
      const e = env();
      let release: () => void = () => undefined;
      const syncs: number[] = [];
      const realSync = e.store.syncCommits.bind(e.store);
      // The store's sync, held until the test releases it.
      e.store.syncCommits = () => {
        syncs.push(e.store.countReadings());
        return new Promise<void>((r) => (release = () => void realSync().then(r)));
      };
      const commits = new GroupCommit(e.store);
      const s = await sign(meters[0], reading(meters[0], 0));
      commits.begin();
      let answered = false;
      const admitted = commits
        .admit([{ kind: "verified", signed: s, clusterId: 1, reportTamper: true, body: () => "{}" }], 1)
        .then((o) => {
          answered = true;
          return o;
        });
      while (syncs.length === 0) await new Promise((r) => setImmediate(r));
      // Committed (visible to this connection) before the sync, answered only after it.
      expect(syncs).to.deep.equal([1]);
      expect(e.store.db.pragma("synchronous", { simple: true })).to.equal(2);
      await new Promise((r) => setImmediate(r));
      expect(answered).to.equal(false);
      release();
      expect(await admitted).to.deep.equal([{ kind: "accepted", late: false }]);
      commits.end();
      e.store.close();
    });

    it("syncs the WAL of a real database file; a closed store refuses to sync", async () => {
      const e = env();
      await e.store.syncCommits();
      e.store.close();
      let refused: unknown;
      await e.store.syncCommits().catch((x: unknown) => (refused = x));
      expect(String(refused)).to.match(/closed/);
    });
  });

  describe("metrics", () => {
    it("renders counters and labelled gauges in Prometheus text format", () => {
      const e = env();
      e.store.bump("readings_accepted", 3);
      const text = renderMetrics(e.store.counters(), [
        { name: "next_period", help: "h", value: 7, labels: { cluster: 1, role: "parent" } },
      ]);
      expect(text).to.match(/^# TYPE gridshare_gateway_readings_accepted_total counter$/m);
      expect(text).to.match(/^gridshare_gateway_readings_accepted_total 3$/m);
      expect(text).to.match(/^gridshare_gateway_next_period\{cluster="1",role="parent"\} 7$/m);
    });
  });

  describe("attestations from the other voters", () => {
    const voters = [0, 1, 2].map((i) => testMeter(200 + i)); // node keys
    const ledger = ledgerDomain(31337n, "0x00000000000000000000000000000000000000cc");

    function attEnv(): { e: Env; ctx: AttestationContext } {
      const e = env("parent");
      e.chain.voters.set(
        1,
        voters.map((v) => getAddress(v.address)),
      );
      e.chain.at(5, 60);
      return { e, ctx: { store: e.store, chain: e.chain, domain: ledger, served: () => e.served } };
    }

    async function signed(i: number, a: Partial<{ clusterId: number; period: number; digest: string }> = {}) {
      return signAttestation(voters[i]!, ledger, {
        clusterId: 1,
        period: 4,
        digest: "0x" + "ab".repeat(32),
        ...a,
      });
    }

    it("holds a voter's signed attestation once; the same again is a duplicate", async () => {
      const { e, ctx } = attEnv();
      const a = await signed(1);
      expect(await receiveAttestations(ctx, [a, a])).to.deep.equal([
        { ok: true, status: 200, result: "held", signer: a.signer },
        { ok: true, status: 200, result: "duplicate", signer: a.signer },
      ]);
      expect(e.store.heldAttestations(1, 4)).to.deep.equal([{ ...a, digest: a.digest.toLowerCase() }]);
      expect(e.store.counters()).to.include({ attestations_received: 1 });
    });

    it("trusts nothing unsigned: another signer's claim, another domain, an unassigned key, a wrong window", async () => {
      const { e, ctx } = attEnv();
      const a = await signed(1);
      const otherDomain = await signAttestation(
        voters[1]!,
        ledgerDomain(1n, ledger.verifyingContract as string),
        {
          clusterId: 1,
          period: 4,
          digest: a.digest,
        },
      );
      const stranger = await signAttestation(testMeter(299), ledger, {
        clusterId: 1,
        period: 4,
        digest: a.digest,
      });
      const cases: [unknown, string][] = [
        [{ ...a, signer: getAddress(voters[2]!.address) }, "INVALID_ATTESTATION"],
        [{ ...otherDomain }, "INVALID_ATTESTATION"],
        [stranger, "UNASSIGNED_SIGNER"],
        [await signed(1, { period: 3 }), "ATTESTATION_OUTSIDE_WINDOW"],
        [await signed(1, { clusterId: 7 }), "CLUSTER_NOT_SERVED"],
        [{ ...a, extra: 1 }, "MALFORMED_ATTESTATION"],
        [{ ...a, signature: "0x12" }, "MALFORMED_ATTESTATION"],
      ];
      for (const [body, code] of cases) {
        const [v] = await receiveAttestations(ctx, body);
        expect(v, code).to.include({ ok: false, code });
      }
      expect(e.store.heldAttestations(1, 4)).to.deep.equal([]);
    });
  });
});
