/**
 * Writes the shared MES, billing and curtailment test vectors (test/vectors/mes.json, billing.json,
 * curtailment.json) from the TS reference model. Deterministic: rerunning produces the same files, and
 * test/mes.test.ts checks that they do.
 *   npx tsx scripts/mes-vectors.ts
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildBillingVectors, buildCurtailmentVectors, buildMesVectors } from "../test/vectors/build.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "test", "vectors");
writeFileSync(path.join(dir, "mes.json"), JSON.stringify(buildMesVectors(), null, 1) + "\n");
writeFileSync(path.join(dir, "billing.json"), JSON.stringify(buildBillingVectors(), null, 1) + "\n");
writeFileSync(path.join(dir, "curtailment.json"), JSON.stringify(buildCurtailmentVectors(), null, 1) + "\n");
console.log(`wrote ${dir}/mes.json, billing.json and curtailment.json`);
