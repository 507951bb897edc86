/**
 * `npm run bench` (= `hardhat run bench/run.ts`): every figure of issue 8 beside its baseline, measured in one
 * run; writes bench/results/bench-<time>.json + latest.json and prints a compact table.
 *
 * Environment:
 * - GRIDSHARE_BENCH_QUICK=1: tiny sizes (seconds; for checking the harness, not for numbers).
 * - GRIDSHARE_BENCH_DOCS=1: also replace the results section of docs/benchmarks.md.
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { benchAnchoring, DEFAULT_ANCHORING } from "./anchoring.js";
import { benchOffchain, DEFAULT_OFFCHAIN } from "./offchain.js";
import { benchMerkle, DEFAULT_MERKLE } from "./merkle.js";
import { benchBilling, DEFAULT_BILLING } from "./billing.js";
import { benchGateway, DEFAULT_GATEWAY } from "./gateway.js";
import { chainFigures } from "./chain.js";
import { benchClique, DEFAULT_CLIQUE } from "./clique.js";
import { figureTable, type Figure } from "./lib/figures.js";
import {
  gitCommit,
  machine,
  resultsMarkdown,
  updateDocs,
  writeResults,
  type BenchResults,
} from "./lib/results.js";
import { scaleModel, scaleTable, type ScaleModel } from "./scale.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.env.GRIDSHARE_BENCH_QUICK === "1";
const started = new Date();
const loadStart = os.loadavg()[0] ?? 0;
const log = (s: string) =>
  console.log(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${s}`);

const figures: Figure[] = [];

log("anchoring, votes, MES decision gas (in-process network)");
const gasCtx = await network.create();
figures.push(
  ...(await benchAnchoring(
    gasCtx,
    quick ? { sizes: [4, 16], naiveSampleMax: 8, perSubmission: [1, 4] } : DEFAULT_ANCHORING,
  )),
);

log("Merkle proof verification gas (Merkle64 vs OpenZeppelin)");
figures.push(...(await benchMerkle(gasCtx, quick ? { depths: [2, 4] } : DEFAULT_MERKLE)));

log("billing gas per meter-week (real ledger, real votes)");
figures.push(...(await benchBilling(await network.create(), quick ? { periods: 3 } : DEFAULT_BILLING)));

log("off-chain hashing and verification");
figures.push(
  ...(await benchOffchain(
    quick ? { treeLeaves: 256, rounds: 1, roundMs: 100, readings: 8 } : DEFAULT_OFFCHAIN,
  )),
);

log("gateway ingest end to end (HTTP + verify + SQLite) on loopback");
figures.push(
  ...(await benchGateway(
    quick
      ? { meters: 8, periodsPerRound: 1, rounds: 1, roundMs: 1000, concurrency: 2, bulkSize: 4 }
      : DEFAULT_GATEWAY,
  )),
);

figures.push(...chainFigures(figures));

log("live Clique devnet: 3 signers, batch burst vs transfer burst");
figures.push(
  ...(await benchClique(network, quick ? { ...DEFAULT_CLIQUE, clusters: 4 } : DEFAULT_CLIQUE, log)),
);

let scale: ScaleModel | null = null;
try {
  scale = scaleModel(figures);
} catch (e) {
  log(`scale model skipped: ${(e as Error).message}`);
}

const results: BenchResults = {
  meta: {
    startedAt: started.toISOString(),
    durationS: (Date.now() - started.getTime()) / 1000,
    ...machine(),
    loadAverage: { start: loadStart, end: os.loadavg()[0] ?? 0 },
    commit: gitCommit(ROOT),
    quick,
  },
  figures,
  scale,
};
const file = writeResults(path.join(ROOT, "bench", "results"), results);
console.log("\n" + figureTable(figures));
if (scale) console.log("\n" + scaleTable(scale));
console.log(`\nresults: ${path.relative(ROOT, file)} (and bench/results/latest.json)`);
if (process.env.GRIDSHARE_BENCH_DOCS === "1") {
  updateDocs(path.join(ROOT, "docs", "benchmarks.md"), results);
  console.log("docs/benchmarks.md updated");
} else if (process.env.GRIDSHARE_BENCH_MARKDOWN === "1") {
  console.log("\n" + resultsMarkdown(results));
}
