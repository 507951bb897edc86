/**
 * Chain capacity (issue 8/10): how many batch proposals and votes fit in one Clique block at the devnet's
 * genesis gas limit, computed from the gas per transaction measured in this run (no devnet needed), beside
 * the paper's 1,000 transactions per block. The live devnet figures (tx per block, tx/s) are bench/clique.ts.
 */
import { DEFAULT_GAS_LIMIT, MIN_BATCH_TXS_PER_BLOCK } from "../lib/clique/genesis.js";
import { figure, type Figure } from "./lib/figures.js";

/** The paper's block capacity claim: 1,000 transactions per block. */
export const PAPER_TX_PER_BLOCK = Number(MIN_BATCH_TXS_PER_BLOCK);

const SOURCES = [
  { id: "vote.propose", what: "parent proposals" },
  { id: "vote.open", what: "neighbour votes (not deciding)" },
  { id: "vote.deciding", what: "deciding votes (accept + PSA)" },
  { id: "submitMany.k4", what: "batches in 4-batch submitMany" },
] as const;

/** Whole transactions of `gasPerTx` in a block of `gasLimit`. */
export function perBlock(gasLimit: number, gasPerTx: number): number {
  return Math.floor(gasLimit / gasPerTx);
}

export function chainFigures(measured: readonly Figure[]): Figure[] {
  const gasLimit = Number(DEFAULT_GAS_LIMIT);
  const out: Figure[] = [];
  for (const s of SOURCES) {
    const f = measured.find((x) => x.id === s.id);
    if (!f || f.value === null) continue;
    out.push(
      figure({
        group: "chain",
        id: `clique.fit.${s.id}`,
        label: `${s.what} per block at the genesis gas limit (${(gasLimit / 1e6).toFixed(0)} M)`,
        value: perBlock(gasLimit, f.value),
        unit: "per block",
        baseline: { label: "paper: 1,000 tx/block", value: PAPER_TX_PER_BLOCK },
        limit: {
          label: "gas limit / measured gas per tx",
          value: gasLimit / f.value,
          computed: `${gasLimit} / ${Math.round(f.value)}`,
        },
      }),
    );
  }
  const batch = measured.find((x) => x.id === "decision.batch");
  if (batch?.value) {
    out.push(
      figure({
        group: "chain",
        id: "clique.fit.decidedBatches",
        label: "whole 4-voter batches (proposal + 3 votes) per block",
        value: perBlock(gasLimit, batch.value),
        unit: "batches/block",
        baseline: { label: "paper: 1,000 tx/block = 250 batches", value: PAPER_TX_PER_BLOCK / 4 },
      }),
    );
  }
  return out;
}
