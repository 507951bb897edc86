/**
 * `npm run bench` (= `hardhat run bench/run.ts`): every figure of issues 8 and 15 beside its baseline, measured in
 * one run; writes bench/results/bench-<time>.json and bench/results/latest.json (committed, with the docs that
 * quote it: `npm run bench:docs`) and prints a compact table.
 *
 * Environment:
 * - GRIDSHARE_BENCH_QUICK=1: tiny sizes (seconds; for checking the harness, not for numbers); latest.json is
 *   left alone.
 * - GRIDSHARE_BENCH_ONLY=step,...: only these steps (anchoring, baselines, merkle, billing, offchain, gateway,
 *   chain, clique); the results say which ran. `gateway` is the gateway's figures: ingest, native recovery,
 *   malformed bodies and the kill -9 campaign.
 * - GRIDSHARE_BENCH_DOCS=1: also rewrite the generated parts of docs/benchmarks.md.
 */
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { benchAnchoring, DEFAULT_ANCHORING } from "./anchoring.js";
import { benchBaselines, DEFAULT_BASELINES } from "./baselines.js";
import { benchOffchain, DEFAULT_OFFCHAIN } from "./offchain.js";
import { benchMerkle, DEFAULT_MERKLE } from "./merkle.js";
import { benchBilling, DEFAULT_BILLING } from "./billing.js";
import { benchGateway, DEFAULT_GATEWAY } from "./gateway.js";
import { benchGatewayFaults, DEFAULT_GATEWAY_FAULTS } from "./gateway-faults.js";
import { chainFigures } from "./chain.js";
import { benchClique, DEFAULT_CLIQUE } from "./clique.js";
import { benchCliqueSustained, DEFAULT_SUSTAINED } from "./clique-sustained.js";
import { BenchInputError, figureTable, type Figure } from "./lib/figures.js";
import {
  DOCS_FILE,
  RESULTS_DIR,
  gitCommit,
  machine,
  resultsMarkdown,
  updateDocs,
  writeResults,
  type BenchResults,
} from "./lib/results.js";
import { scaleModel, scaleTable, type ScaleModel } from "./scale.js";

const quick = process.env.GRIDSHARE_BENCH_QUICK === "1";
const started = new Date();
const loadStart = os.loadavg()[0] ?? 0;
const log = (s: string) =>
  console.log(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${s}`);

const figures: Figure[] = [];
const gasCtx = await network.create();

/** The steps in order; each adds its figures (later steps may use earlier ones). */
const STEPS: readonly { name: string; what: string; run: () => Promise<Figure[]> }[] = [
  {
    name: "anchoring",
    what: "anchoring, votes, MES decision gas (in-process network)",
    run: () =>
      benchAnchoring(
        gasCtx,
        quick ? { sizes: [4, 16], naiveSampleMax: 8, perSubmission: [1, 4] } : DEFAULT_ANCHORING,
      ),
  },
  {
    name: "baselines",
    what: "per-reading baselines: full store, overwrite, event only (same chain)",
    run: () => benchBaselines(gasCtx, figures, quick ? { readings: 4 } : DEFAULT_BASELINES),
  },
  {
    name: "merkle",
    what: "Merkle proof verification gas (Merkle64 vs OpenZeppelin)",
    run: () => benchMerkle(gasCtx, quick ? { depths: [2, 4] } : DEFAULT_MERKLE),
  },
  {
    name: "billing",
    what: "billing gas per meter-week (real ledger, real votes)",
    run: async () => benchBilling(await network.create(), quick ? { periods: 3 } : DEFAULT_BILLING),
  },
  {
    name: "offchain",
    what: "off-chain hashing and verification",
    run: () =>
      benchOffchain(quick ? { treeLeaves: 256, rounds: 1, roundMs: 100, readings: 8 } : DEFAULT_OFFCHAIN),
  },
  {
    name: "gateway",
    what: "gateway ingest end to end (HTTP + verify + SQLite) on loopback",
    run: () =>
      benchGateway(
        quick
          ? {
              meters: 8,
              periodsPerRound: 1,
              rounds: 1,
              warmUpRounds: 1,
              roundMs: 1000,
              concurrency: 2,
              bulkSize: 4,
            }
          : DEFAULT_GATEWAY,
      ),
  },
  {
    name: "gateway",
    what: "gateway under faults: malformed bodies (fast-check), kill -9 campaign",
    run: () =>
      benchGatewayFaults(
        network,
        quick ? { malformed: 50, seed: 17, crashPeriods: 1, killsPerPeriod: 1 } : DEFAULT_GATEWAY_FAULTS,
        log,
      ),
  },
  { name: "chain", what: "block capacity from the measured gas", run: async () => chainFigures(figures) },
  {
    name: "clique",
    what: "live Clique devnet: 3 signers, batch burst vs transfer burst",
    run: () => benchClique(network, quick ? { ...DEFAULT_CLIQUE, clusters: 4 } : DEFAULT_CLIQUE, log),
  },
  {
    name: "sustained",
    what: "live Clique devnet: accepted cluster-periods per second over 2 minutes (many deployments)",
    run: () =>
      benchCliqueSustained(
        network,
        quick
          ? {
              ...DEFAULT_SUSTAINED,
              grids: 2,
              clustersPerGrid: 17,
              itemsPerSubmission: 8,
              durationS: 10,
              transfers: 20,
            }
          : DEFAULT_SUSTAINED,
        log,
      ),
  },
];

/** The steps GRIDSHARE_BENCH_ONLY names, or undefined for all of them. */
function onlySteps(): string[] | undefined {
  const raw = process.env.GRIDSHARE_BENCH_ONLY;
  if (raw === undefined || raw.trim() === "") return undefined;
  const names = raw.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !STEPS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new BenchInputError(
      `GRIDSHARE_BENCH_ONLY names unknown steps ${unknown.join(", ")}; steps: ${STEPS.map((s) => s.name).join(", ")}`,
    );
  }
  return [...new Set(STEPS.map((s) => s.name).filter((n) => names.includes(n)))];
}

const only = onlySteps();
for (const step of STEPS) {
  if (only !== undefined && !only.includes(step.name)) continue;
  log(step.what);
  figures.push(...(await step.run()));
}

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
    commit: gitCommit(RESULTS_DIR),
    quick,
    ...(only === undefined ? {} : { steps: only }),
  },
  figures,
  scale,
};
const file = writeResults(RESULTS_DIR, results, { latest: !quick });
console.log("\n" + figureTable(figures));
if (scale) console.log("\n" + scaleTable(scale));
console.log(
  `\nresults: ${path.relative(process.cwd(), file)}${quick ? " (quick: latest.json left alone)" : " (and latest.json)"}`,
);
if (process.env.GRIDSHARE_BENCH_DOCS === "1") {
  await updateDocs(DOCS_FILE, results);
  console.log("docs/benchmarks.md updated");
} else if (process.env.GRIDSHARE_BENCH_MARKDOWN === "1") {
  console.log("\n" + resultsMarkdown(results));
}
