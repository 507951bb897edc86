import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import { benchAnchoring, DEFAULT_ANCHORING } from "./anchoring.js";
import { figureTable } from "./lib/figures.js";

const ctx = await network.create();
const quick = process.env.QUICK === "1";
const figs = await benchAnchoring(
  ctx,
  quick ? { sizes: [4, 16], naiveSampleMax: 4, perSubmission: [1, 16] } : DEFAULT_ANCHORING,
);
console.log(figureTable(figs));
writeFileSync("/tmp/scratch/anchoring.json", JSON.stringify(figs, null, 1));
