/**
 * npm run bench:docs — rewrite the generated parts of docs/benchmarks.md (the results section, the worked scale
 * examples and every inline figure quote) from bench/results/latest.json. `npm run bench` writes that file;
 * both are committed together, and test/bench-docs.test.ts fails when they disagree.
 */
import path from "node:path";
import { runCli } from "../lib/cli.js";
import { DOCS_FILE, LATEST_FILE, readResults, updateDocs } from "./lib/results.js";

// A refusal (no results file, a quote of a figure that is gone) is one line, as for every script.
await runCli(async () => {
  await updateDocs(DOCS_FILE, readResults(LATEST_FILE));
  console.log(
    `${path.relative(process.cwd(), DOCS_FILE)} rewritten from ${path.relative(process.cwd(), LATEST_FILE)}`,
  );
});
