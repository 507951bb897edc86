/**
 * Writes the shared SPEC 6 vectors (test/vectors/attestation.json, tally.json) from the TS twin. Deterministic:
 * rerunning produces the same files, and test/batchLedger.attestation.test.ts checks that they do.
 *   npx tsx scripts/vectors/attestation.ts
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildAttestationVectors, buildTallyVectors } from "../../test/vectors/attestation.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "test", "vectors");
writeFileSync(
  path.join(dir, "attestation.json"),
  JSON.stringify(await buildAttestationVectors(), null, 1) + "\n",
);
writeFileSync(path.join(dir, "tally.json"), JSON.stringify(buildTallyVectors(), null, 1) + "\n");
console.log(`wrote ${dir}/attestation.json and tally.json`);
