/**
 * Merkle proof tricks (X06, X07) mounted three ways: the TypeScript verifier every node runs, the Solidity
 * Merkle64 library (through its test harness: the library alone, leaf bytes free), and the BatchLedger's
 * requireProvenReading on a batch the parent and its neighbour accepted (leaf = the reading, count = the
 * accepted header's).
 */
import { buildBatch } from "../../lib/batches/batch.js";
import {
  getProof,
  packProof,
  treeNode,
  unpackProof,
  verifyProof,
  type ProofClaim,
} from "../../lib/batches/merkle64.js";
import { signedReadings } from "../fixtures/readings.js";
import { openPeriod, type Grid } from "../fixtures/grid.js";
import { attestAndSubmit } from "../fixtures/attestations.js";
import { attemptCall, type TxVerdict } from "./mount.js";
import type { AttackContext, Observation } from "./types.js";

/** Cluster 2: parent node 1 and neighbour node 0 (two real votes accept a batch). */
const CLUSTER = 2;
export const PROOF_REFUSED = "refused: proof does not verify";

async function acceptedTree(grid: Grid) {
  const p = await openPeriod(grid);
  const batch = buildBatch(CLUSTER, p, await signedReadings(grid, CLUSTER, p));
  const [parent, neighbour] = grid.votersOf(CLUSTER);
  await (await attestAndSubmit(grid, batch.header, [parent, neighbour])).wait();
  return batch;
}

async function harnessAccepts(ctx: AttackContext, claims: readonly ProofClaim[]): Promise<number> {
  const harness = await ctx.ethers.deployContract("Merkle64Harness");
  const results = await harness.verifyClaims([...claims]);
  return results.filter(Boolean).length;
}

function ledgerName(v: TxVerdict): string {
  return v.ok ? "accepted" : v.error;
}

function combine(ts: number, sol: number, ledger: TxVerdict[], claims: number): Observation {
  const ledgerAccepted = ledger.filter((v) => v.ok).length;
  const errors = [...new Set(ledger.map(ledgerName))].join(" / ");
  const ok = ts === 0 && sol === 0 && ledgerAccepted === 0;
  return {
    outcome: ok
      ? `${PROOF_REFUSED} (TS, Merkle64) + ${errors} (ledger)`
      : `accepted: TS ${ts}, Merkle64 ${sol} of ${claims}; ledger ${ledgerAccepted} of ${ledger.length}`,
    attackSucceeded: !ok,
  };
}

/**
 * X06: an inner node as leaf 0 of the real count or of a 2-leaf tree (TS and Merkle64, where leaf bytes are
 * free). On the ledger the leaf is always hashed from the reading and signature, so the expressible form is
 * the real reading placed at its parent node's position (proof one level short, index halved).
 */
export async function innerNodeAsLeaf(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const batch = await acceptedTree(grid);
  const { tree } = batch;
  const inner = treeNode(tree, 1, 0);
  const sibling = treeNode(tree, 1, 1);
  const claims: ProofClaim[] = [
    { root: tree.root, leafCount: tree.leafCount, index: 0, leaf: inner, proof: packProof([sibling]) },
    { root: tree.root, leafCount: 2, index: 0, leaf: inner, proof: packProof([sibling]) },
  ];
  const ts = claims.filter((c) => verifyProof(c)).length;
  const sol = await harnessAccepts(ctx, claims);
  const ledger: TxVerdict[] = [];
  for (const index of [0, 2]) {
    const s = batch.readings[index];
    const arg = {
      reading: s.reading,
      signature: s.signature,
      index: index >> 1,
      proof: packProof(unpackProof(getProof(tree, index)).slice(1)),
    };
    ledger.push(await attemptCall(() => grid.ledger.requireProvenReading(arg), grid.ledger.interface));
  }
  return combine(ts, sol, ledger, claims.length);
}

/**
 * X07: a valid leaf and path under another leaf count (TS and Merkle64, where the count is an argument). On
 * the ledger the count is the accepted header's; the expressible forms are proofs shaped for another tree
 * size: an index beyond the count, and one sibling too many or too few.
 */
export async function otherLeafCount(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const batch = await acceptedTree(grid);
  const { tree, leaves } = batch;
  const index = 2;
  const proof = getProof(tree, index);
  const siblings = unpackProof(proof);
  const honest: ProofClaim = {
    root: tree.root,
    leafCount: tree.leafCount,
    index,
    leaf: leaves[index],
    proof,
  };
  if (!verifyProof(honest) || (await harnessAccepts(ctx, [honest])) !== 1)
    throw new Error("scenario bug: the honest proof does not verify");
  const claims = [tree.leafCount - 1, tree.leafCount + 1, tree.leafCount * 2].map((leafCount) => ({
    ...honest,
    leafCount,
  }));
  const ts = claims.filter((c) => verifyProof(c)).length;
  const sol = await harnessAccepts(ctx, claims);
  const s = batch.readings[index];
  const arg = { reading: s.reading, signature: s.signature, index, proof };
  await grid.ledger.requireProvenReading(arg); // the honest proof is proven on-chain
  const variants = [
    { ...arg, index: index + tree.leafCount },
    { ...arg, proof: packProof([...siblings, siblings[0]]) },
    { ...arg, proof: packProof(siblings.slice(0, -1)) },
  ];
  const ledger: TxVerdict[] = [];
  for (const v of variants)
    ledger.push(await attemptCall(() => grid.ledger.requireProvenReading(v), grid.ledger.interface));
  return combine(ts, sol, ledger, claims.length);
}
