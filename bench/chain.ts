/**
 * Chain capacity (issue 8/10/15): how many attestation submissions and decided batches fit in one Clique block at the devnet's
 * genesis gas limit, computed from the gas per transaction measured in this run (no devnet needed), beside
 * the paper's 1,000 transactions per block. The live devnet figures (tx per block, tx/s) are bench/clique.ts.
 */
import { DEFAULT_GAS_LIMIT, MIN_BATCH_TXS_PER_BLOCK } from "../lib/clique/genesis.js";
import { figure, type Figure } from "./lib/figures.js";

/** The paper's block capacity claim: 1,000 transactions per block. */
export const PAPER_TX_PER_BLOCK = Number(MIN_BATCH_TXS_PER_BLOCK);

const SOURCES = [
  { id: "attest.direct.first", what: "voters' own attestations (first of a batch)" },
  { id: "attest.direct.deciding", what: "deciding own attestations (accept + totals)" },
  { id: "decision.batch", what: "4-voter batches decided by one submission each" },
] as const;

/** The per-item figure of the largest submission measured (`attest.perItem.k<k>`), if any. */
function largestSubmission(measured: readonly Figure[]): Figure | undefined {
  const k = (f: Figure) => Number(/^attest\.perItem\.k(\d+)$/.exec(f.id)?.[1] ?? NaN);
  return measured.filter((f) => !Number.isNaN(k(f)) && f.value !== null).sort((a, b) => k(b) - k(a))[0];
}

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
  const many = largestSubmission(measured);
  if (many?.value) {
    out.push(
      figure({
        group: "chain",
        id: "clique.fit.decidedBatches",
        label: `whole 4-voter batches per block, ${many.id.replace("attest.perItem.k", "")} per submission`,
        value: perBlock(gasLimit, many.value),
        unit: "batches/block",
        baseline: {
          label: "paper: 1,000 tx/block = 250 batches (a proposal and 3 votes each)",
          value: PAPER_TX_PER_BLOCK / 4,
        },
      }),
    );
  }
  return out;
}
