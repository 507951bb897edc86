/**
 * npm run attacks: mount every scenario of the catalogue in both configurations (GridShare, and the parent alone
 * = the paper's "traditional blockchain"), the 51% attack on a real Clique devnet, print the matrix with the
 * paper's Table I beside it, and write bench/results/attacks.json. Exits non-zero when a scenario failed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { network } from "hardhat";
import {
  attackContext,
  CATALOGUE,
  CONFIGURATIONS,
  efficiency,
  memoizedMajority,
  renderMatrix,
  runCatalogue,
  type ScenarioResult,
} from "../lab/attacks/index.js";
import { toJson } from "../lib/format/table.js";

const OUT = path.join("bench", "results", "attacks.json");
// GRIDSHARE_ATTACKS_DEVNET=0 skips the devnet (the 51% rows are then "not run").
const withDevnet = process.env.GRIDSHARE_ATTACKS_DEVNET !== "0";

const majority = withDevnet ? memoizedMajority() : undefined;
const results: ScenarioResult[] = [];
for (const config of CONFIGURATIONS) {
  const { ethers, networkHelpers } = await network.create();
  results.push(...(await runCatalogue(CATALOGUE, attackContext(config, ethers, networkHelpers, majority))));
}
const effs = CONFIGURATIONS.map((c) => efficiency(results, c));
console.log(renderMatrix(results, effs));
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, toJson({ generatedAt: new Date().toISOString(), results, efficiency: effs }) + "\n");
console.log(`\nwrote ${OUT}`);
if (results.some((r) => r.verdict === "fail" || r.verdict === "error")) process.exitCode = 1;
