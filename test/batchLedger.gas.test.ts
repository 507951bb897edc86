/**
 * Gas behaviour of the attestation vote: what must hold whatever the numbers (decision gas independent of the
 * batch size; one fresh storage slot per accepted batch; items of one submission cost the same each). The
 * numbers themselves are benchmarks (`npm run bench`, docs/benchmarks.md);
 * `GRIDSHARE_GAS_REPORT=1 npx hardhat test mocha test/batchLedger.gas.test.ts` prints them.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { header } from "../lab/fixtures/batches.js";
import { attestAll, attestAndSubmit, itemOf, submitItems } from "../lab/fixtures/attestations.js";
import { RANKED, type Grid } from "../lab/fixtures/grid.js";
import { signedReadings } from "../lab/fixtures/readings.js";
import { gridFixture } from "./helpers/grid.js";
import { buildBatch, type BatchHeader } from "../lib/batches/batch.js";
import { getProof } from "../lib/batches/merkle64.js";
import { calldataCost } from "../bench/lib/gas.js";

const connection = await network.create();
const { provider } = connection;

/**
 * 17 clusters on a circle, each assigned its SPEC 2 ranking: its 3 nearest nodes with a free neighbour role
 * (4 voters each; every node neighbours exactly 3 clusters, the most SPEC 1 allows).
 */
const RING_CLUSTERS = 17;
const RING_RADIUS = 10_000;
const RING_LOCATIONS = Array.from({ length: RING_CLUSTERS }, (_, i) => {
  const a = (2 * Math.PI * i) / RING_CLUSTERS;
  return [Math.round(RING_RADIUS * Math.cos(a)), Math.round(RING_RADIUS * Math.sin(a))] as const;
});
/** EIP-2200/2929: a zero-to-nonzero SSTORE on a cold slot, and a nonzero-to-other rewrite of one. */
const FRESH_SLOT_GAS = 22_100n;
const REWRITE_SLOT_GAS = 5_000n;

const { open: openGrid } = gridFixture(connection, {
  neighbours: RANKED,
  locations: RING_LOCATIONS,
  metersPerCluster: 1,
});

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

/** Gas used net of the call data's cost (16 per non-zero byte, 4 per zero byte). */
async function executionGasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const sent = await tx;
  return (await gasOf(Promise.resolve(sent))) - BigInt(calldataCost(sent.data).gas);
}

/** Storage slots the transaction wrote from zero (prestate diff of the in-process node). */
async function freshSlots(hash: string): Promise<number> {
  const diff = (await provider.request({
    method: "debug_traceTransaction",
    params: [hash, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }],
  })) as {
    pre: Record<string, { storage?: Record<string, string> }>;
    post: Record<string, { storage?: Record<string, string> }>;
  };
  let n = 0;
  for (const [account, post] of Object.entries(diff.post)) {
    for (const slot of Object.keys(post.storage ?? {})) {
      const before = diff.pre[account]?.storage?.[slot];
      if (before === undefined || BigInt(before) === 0n) n++;
    }
  }
  return n;
}

const report: [string, bigint][] = [];
function record(what: string, gas: bigint): bigint {
  report.push([what, gas]);
  return gas;
}

/** Every voter of `clusters` attests `headerOf(c)`; one submission carries them all. */
async function submitAll(grid: Grid, headers: readonly BatchHeader[], voters = 4) {
  const items = [];
  for (const h of headers) {
    items.push(await itemOf(grid, h, await attestAll(grid, h, grid.votersOf(h.clusterId).slice(0, voters))));
  }
  return submitItems(grid, grid.outsider, items);
}

describe("BatchLedger gas", () => {
  after(() => {
    if (process.env.GRIDSHARE_GAS_REPORT) {
      for (const [what, gas] of report) console.log(`${what.padEnd(56)} ${gas.toString().padStart(9)}`);
    }
  });

  it("an accepted batch writes exactly one fresh storage slot", async () => {
    const { grid, p } = await openGrid();
    const tx = await submitAll(grid, [header(1, p)]);
    record("1 cluster-period, 4 attestations, accepted", await gasOf(Promise.resolve(tx)));
    expect(await grid.ledger.isAccepted(1, p)).to.equal(true);
    expect(await freshSlots(tx.hash)).to.equal(1);
  });

  it("one ring of periods later the same cluster's accepted batch rewrites its word: no fresh slot", async () => {
    const { grid, p } = await openGrid();
    const first = await submitAll(grid, [header(1, p)]);
    const ring = Number(await grid.ledger.RING_PERIODS());
    await grid.warpToPeriod(p + ring + 1);
    const again = await submitAll(grid, [header(1, p + ring)]);
    expect(await grid.ledger.isAccepted(1, p + ring)).to.equal(true);
    expect(await freshSlots(again.hash)).to.equal(0);
    const firstGas = record("1 cluster-period, first ring", await executionGasOf(Promise.resolve(first)));
    const steadyGas = record(
      "1 cluster-period, one ring later",
      await executionGasOf(Promise.resolve(again)),
    );
    // 22,100 (cold zero-to-nonzero) against 5,000 (cold rewrite); the rest differs by a few opcodes (the
    // stale word's lap is read and set aside).
    const saved = Number(firstGas - steadyGas);
    expect(saved).to.be.within(
      Number(FRESH_SLOT_GAS - REWRITE_SLOT_GAS) - 50,
      Number(FRESH_SLOT_GAS - REWRITE_SLOT_GAS),
    );
  });

  it("a pending vote, a deciding direct vote, a late vote with a fault", async () => {
    const { grid, p } = await openGrid();
    const [parent, n1, n2, n3] = grid.votersOf(1);
    record("2 attestations, pending", await gasOf(attestAndSubmit(grid, header(1, p), [parent, n1])));
    record("1 direct attestation, deciding", await gasOf(attestAndSubmit(grid, header(1, p), [n2], n2)));
    record(
      "late attestation, other digest (fault)",
      await gasOf(attestAndSubmit(grid, header(1, p, 1), [n3], n3)),
    );
    expect(await grid.ledger.faults(n3.address)).to.equal(1n);
  });

  it("decision gas does not depend on the batch size", async () => {
    const { grid, p } = await openGrid();
    const small = header(2, p, 0, { leafCount: 4 });
    const large = header(3, p, 0, { leafCount: 0x0400 });
    // Compared net of call data: the attestations' signatures differ per digest, and each of their zero
    // bytes costs 12 gas less than a non-zero one, so the gross figures differ by chance.
    const a = await executionGasOf(submitAll(grid, [small]));
    const b = await executionGasOf(submitAll(grid, [large]));
    expect(a).to.equal(b);
  });

  it("items of one submission cost the same each: the total grows linearly, by less than one tx per item", async () => {
    const { grid, p } = await openGrid();
    const headersAt = (q: number, n: number) => Array.from({ length: n }, (_, i) => header(i + 1, q));
    const one = record("submission of 1 cluster-period", await gasOf(submitAll(grid, headersAt(p, 1))));
    await grid.warpToPeriod(p + 2);
    const eight = record(
      "submission of 8 cluster-periods",
      await gasOf(submitAll(grid, headersAt(p + 1, 8))),
    );
    await grid.warpToPeriod(p + 3);
    const sixteen = record(
      "submission of 16 cluster-periods",
      await gasOf(submitAll(grid, headersAt(p + 2, 16))),
    );
    record("  per cluster-period at 16", sixteen / 16n);
    const perItem = (sixteen - eight) / 8n;
    // Linear: the 8 items added cost what the first 8 did (memory growth stays within 1%).
    const firstSeven = Number(eight - one) / 7;
    expect(Math.abs(firstSeven - Number(perItem)) / Number(perItem)).to.be.lessThan(0.01);
    expect(perItem).to.be.greaterThan(FRESH_SLOT_GAS, "each accepted batch pays its one fresh slot");
    expect(perItem).to.be.lessThan(one, "batching saves the transaction floor");
  });

  it("requireProvenReading of a 4-leaf batch (view; gas as if sent in a transaction)", async () => {
    const { grid, p } = await openGrid();
    const batch = buildBatch(1, p, await signedReadings(grid, 1, p));
    await submitAll(grid, [batch.header], 3);
    const s = batch.readings[0];
    const arg = { reading: s.reading, signature: s.signature, index: 0, proof: getProof(batch.tree, 0) };
    record(
      "requireProvenReading (1 leaf, incl. 21k base)",
      await grid.ledger.requireProvenReading.estimateGas(arg),
    );
    const [clusterId, accepted] = await grid.ledger.requireProvenReading(arg);
    expect(clusterId).to.equal(1n);
    expect(accepted.root).to.equal(batch.header.root);
  });
});
