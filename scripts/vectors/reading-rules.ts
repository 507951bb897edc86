/**
 * Writes test/vectors/reading-rules.json: the shared vectors that pin lib/batches/reading.ts's reading rules to
 * ReadingLib.violation (read by test/reading.test.ts and test/solidity/ReadingRules.t.sol). Deterministic.
 *
 *   npx tsx scripts/vectors/reading-rules.ts
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildReadingRuleVectors } from "../../test/vectors/reading-rules.js";

const file = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "test",
  "vectors",
  "reading-rules.json",
);
writeFileSync(file, JSON.stringify(buildReadingRuleVectors(), null, 1) + "\n");
console.log(`wrote ${file}`);
