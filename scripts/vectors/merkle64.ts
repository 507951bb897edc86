/**
 * Writes test/vectors/merkle64.json: the shared vectors that pin lib/batches/reading.ts + lib/batches/merkle64.ts to
 * ReadingLib.sol + Merkle64.sol (read by test/merkle64.test.ts and test/solidity/Merkle64.t.sol): readings,
 * trees with proofs, and non-membership cases.
 * Deterministic: meter keys and periods derive from fixed labels; readings are real CityLearn periods.
 *
 *   npx tsx scripts/vectors/merkle64.ts
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { id, TypedDataEncoder, Wallet } from "ethers";
import { loadBuilding } from "../../lab/data/citylearn.js";
import { absenceNeighbours, buildBatch, getProof, type Merkle64Batch } from "../../lib/batches/merkle64.js";
import {
  readingFromEnergy,
  gridDomain,
  readingDigest,
  readingStructHash,
  readingToJson,
  signReading,
  type Reading,
  type SignedReading,
} from "../../lib/batches/reading.js";

export const VECTOR_CHAIN_ID = 31337n;
export const VECTOR_REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/** Tree sizes: every size 1..17, powers of two and their neighbours, and 2,048. */
export const VECTOR_SIZES = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 24, 31, 32, 33, 40, 48, 63, 64, 65, 100, 127,
  128, 129, 255, 256, 257, 300, 511, 512, 513, 1000, 2048,
];
const BUILDINGS = 12;

/** Proof positions stored per tree: ends (promoted paths), neighbours of the ends and the middle. */
export function vectorIndices(n: number): number[] {
  return [...new Set([0, 1, Math.floor(n / 2), n - 2, n - 1].filter((i) => i >= 0 && i < n))].sort(
    (a, b) => a - b,
  );
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

async function main(): Promise<void> {
  const domain = gridDomain(VECTOR_CHAIN_ID, VECTOR_REGISTRY);
  const readingOf = (w: Wallet, building: number, period: number): Reading => {
    const p = loadBuilding(building).periods[period]!;
    return readingFromEnergy(w.address, period, p);
  };
  // Buildings 1-12 as one cluster-period (Monday 2016-08-08 12:00-16:00, period 45): the realistic batch.
  const cluster: SignedReading[] = [];
  for (let b = 1; b <= BUILDINGS; b++) {
    const w = new Wallet(id(`gridshare-vector-meter-b${b}`));
    cluster.push(await signReading(w, domain, readingOf(w, b, 45)));
  }
  const clusterBatch = buildBatch(cluster);
  const readings = clusterBatch.readings.map((s, i) => ({
    ...readingToJson(s.reading),
    signature: s.signature,
    structHash: readingStructHash(s.reading),
    digest: readingDigest(domain, s.reading),
    leaf: clusterBatch.leaves[i],
  }));

  const trees = [];
  for (const [t, n] of VECTOR_SIZES.entries()) {
    let batch: Merkle64Batch;
    if (n === BUILDINGS) {
      batch = clusterBatch;
    } else {
      const signed: SignedReading[] = [];
      for (let i = 0; i < n; i++) {
        const w = new Wallet(id(`gridshare-vector-meter-${t}-${i}`));
        signed.push(await signReading(w, domain, readingOf(w, (i % BUILDINGS) + 1, (t * 53 + i) % 2189)));
      }
      batch = buildBatch(signed);
    }
    trees.push({
      leafCount: n,
      root: batch.tree.root,
      leaves: batch.leaves,
      proofCount: vectorIndices(n).length,
      proofs: vectorIndices(n).map((index) => ({ index, proof: getProof(batch.tree, index) })),
    });
    process.stdout.write(`tree ${t} (${n} leaves)\n`);
  }

  // Non-membership (SPEC 5) in the Buildings 1-12 batch, keyed by meter address: before the first, after the
  // last and between neighbours (valid), and neighbour sets that must be refused.
  const keys = clusterBatch.readings.map((s) => BigInt(s.reading.meter));
  const around = (indices: number[]) =>
    indices.map((index) => ({
      index,
      key: keys[index]!.toString(),
      leaf: clusterBatch.leaves[index]!,
      proof: getProof(clusterBatch.tree, index),
    }));
  const absent = (key: bigint, valid: boolean, indices = absenceNeighbours(keys, key)) => ({
    key: key.toString(),
    valid,
    around: around(indices),
  });
  const last = keys.length - 1;
  const absences = [
    absent(keys[0]! - 1n, true),
    absent(0n, true),
    absent(keys[last]! + 1n, true),
    absent(2n ** 160n - 1n, true),
    ...[0, 3, 5, last - 1].map((i) => absent((keys[i]! + keys[i + 1]!) / 2n, true)),
    absent(keys[4]!, false, [3, 5]), // a member, its neighbours not adjacent
    absent(keys[4]!, false, [4, 5]), // a member as its own lower bound
    absent((keys[4]! + keys[5]!) / 2n, false, [5, 4]), // bounds in the wrong order
    absent((keys[4]! + keys[5]!) / 2n, false, [4]), // one middle leaf
    absent((keys[4]! + keys[5]!) / 2n, false, [3, 4]), // adjacent, but not around the key
    absent(keys[0]! - 1n, false, [1]), // before the first leaf, shown by the second
    absent(keys[last]! + 1n, false, [last - 1]), // after the last leaf, shown by the one before
    absent((keys[4]! + keys[5]!) / 2n, false, []), // nothing, for a non-empty tree
  ];

  const out = {
    description:
      "GridShare SPEC 4/5 shared vectors: EIP-712 reading digests and 64-bit Merkle leaves, roots and proofs. " +
      "Generated by scripts/vectors/merkle64.ts; checked by test/merkle64.test.ts and test/solidity/Merkle64.t.sol.",
    chainId: Number(VECTOR_CHAIN_ID),
    registry: VECTOR_REGISTRY,
    domainSeparator: TypedDataEncoder.hashDomain(domain),
    readingCount: readings.length,
    readings,
    clusterRoot: clusterBatch.tree.root,
    absenceCount: absences.length,
    absences,
    treeCount: trees.length,
    trees,
  };
  const file = path.join(REPO, "test", "vectors", "merkle64.json");
  writeFileSync(file, JSON.stringify(out) + "\n");
  process.stdout.write(`wrote ${file}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
