/**
 * Merkle proof verification gas (issues 8, 15): GridShare's 64-bit Merkle64.verify beside OpenZeppelin 5.3's
 * 256-bit MerkleProof.verifyCalldata at the same depths, execution gas measured with gasleft() around the library
 * call (contracts/bench/MerkleProofBench.sol), plus the call data each proof costs. Merkle64 proofs are packed at
 * 8 bytes per sibling; the same call with an ABI bytes8[] (a 32-byte word per sibling) is the call-data baseline.
 */
import { concat, getBytes, hexlify, Interface, keccak256, toUtf8Bytes } from "ethers";
import type { MerkleProofBench } from "../types/ethers-contracts/index.js";
import { buildTree, getProof, HASH64_BYTES, unpackProof } from "../lib/batches/merkle64.js";
import { BenchInputError, figure, type Figure } from "./lib/figures.js";
import { calldataCost, type GasContext } from "./lib/gas.js";

export interface MerkleOptions {
  /** Tree depths (a full tree of 2^depth leaves; the proof has `depth` siblings). */
  readonly depths: readonly number[];
}

export const DEFAULT_MERKLE: MerkleOptions = { depths: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] };

const OZ_HASH_BYTES = 32;
/** The Merkle64 call as it was before packing: the baseline of the call-data figures. */
const UNPACKED = new Interface([
  "function merkle64(bytes8[] proof, bytes8 root, uint32 leafCount, uint256 index, bytes8 leaf)",
]);

/** One depth's measurement. */
export interface MerkleDepthGas {
  depth: number;
  merkle64Gas: number;
  ozGas: number;
  /** Whole call data (selector + ABI arguments) of each verifier call, bytes and gas (EIP-2028). */
  merkle64Calldata: { bytes: number; gas: number };
  /** The same Merkle64 call with the proof as an ABI bytes8[] (one 32-byte word per sibling). */
  unpackedCalldata: { bytes: number; gas: number };
  ozCalldata: { bytes: number; gas: number };
}

/** OpenZeppelin's sorted-pair (commutative) keccak256 tree: the root and the proof of leaf `index`. */
export function ozTree(leaves: readonly string[], index: number): { root: string; proof: string[] } {
  if (leaves.length === 0 || (leaves.length & (leaves.length - 1)) !== 0)
    throw new BenchInputError(
      `OpenZeppelin bench trees are full: ${leaves.length} leaves is not a power of 2`,
    );
  const proof: string[] = [];
  let level = [...leaves];
  let idx = index;
  while (level.length > 1) {
    proof.push(level[idx ^ 1] as string);
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i] as string;
      const b = level[i + 1] as string;
      next.push(keccak256(BigInt(a) < BigInt(b) ? concat([a, b]) : concat([b, a])));
    }
    level = next;
    idx >>= 1;
  }
  return { root: level[0] as string, proof };
}

/**
 * `length` pseudo-random bytes fixed by `label`: call data costs 4 gas per zero byte and 16 per other byte, so
 * random leaves made the calldata figures move from run to run; these make every run measure the same proofs.
 */
function benchBytes(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let o = 0, k = 0; o < length; o += 32, k++) {
    out.set(getBytes(keccak256(toUtf8Bytes(`${label}/${k}`))).subarray(0, Math.min(32, length - o)), o);
  }
  return out;
}

/** Execution gas of both verifiers at each depth, on a last-leaf proof (every level has a sibling). */
export async function merkleGasByDepth(
  bench: MerkleProofBench,
  depths: readonly number[],
): Promise<MerkleDepthGas[]> {
  const out: MerkleDepthGas[] = [];
  for (const depth of depths) {
    if (!Number.isInteger(depth) || depth < 1 || depth > 20)
      throw new BenchInputError(`depth must be 1..20, got ${depth}`);
    const n = 1 << depth;
    const index = n - 1;
    const tree = buildTree(benchBytes(`merkle64-depth-${depth}`, n * HASH64_BYTES));
    const leaf64 = hexlify(tree.levels[0]!.subarray(index * HASH64_BYTES, (index + 1) * HASH64_BYTES));
    const args64: [string, string, number, number, string] = [
      getProof(tree, index),
      tree.root,
      n,
      index,
      leaf64,
    ];
    const [ok64, g64] = await bench.merkle64(...args64);
    const leaves = Array.from({ length: n }, (_, i) =>
      hexlify(benchBytes(`oz-depth-${depth}-${i}`, OZ_HASH_BYTES)),
    );
    const oz = ozTree(leaves, index);
    const argsOz: [string[], string, string] = [oz.proof, oz.root, leaves[index] as string];
    const [okOz, gOz] = await bench.openZeppelin(...argsOz);
    if (!ok64 || !okOz) throw new BenchInputError(`depth ${depth}: a bench proof did not verify`);
    out.push({
      depth,
      merkle64Gas: Number(g64),
      ozGas: Number(gOz),
      merkle64Calldata: calldataCost(bench.interface.encodeFunctionData("merkle64", args64)),
      unpackedCalldata: calldataCost(
        UNPACKED.encodeFunctionData("merkle64", [unpackProof(args64[0]), ...args64.slice(1)]),
      ),
      ozCalldata: calldataCost(bench.interface.encodeFunctionData("openZeppelin", argsOz)),
    });
  }
  return out;
}

export async function benchMerkle(ctx: GasContext, opts: MerkleOptions = DEFAULT_MERKLE): Promise<Figure[]> {
  const bench = (await ctx.ethers.deployContract("MerkleProofBench")) as unknown as MerkleProofBench;
  const rows = await merkleGasByDepth(bench, opts.depths);
  const out: Figure[] = [];
  for (const r of rows) {
    out.push(
      figure({
        group: "merkle",
        id: `merkle64.verify.depth${r.depth}`,
        label: `Merkle64 proof verification gas, depth ${r.depth}`,
        value: r.merkle64Gas,
        unit: "gas",
        baseline: { label: "OpenZeppelin MerkleProof.verifyCalldata, 256-bit", value: r.ozGas },
      }),
    );
  }
  const deepest = rows[rows.length - 1];
  if (deepest) {
    const d = deepest.depth;
    const m = deepest.merkle64Calldata;
    const u = deepest.unpackedCalldata;
    out.push(
      figure({
        group: "merkle",
        id: `merkle64.calldata.bytes.depth${d}`,
        label: `proof call data, depth ${d}: Merkle64, packed (8 bytes per sibling)`,
        value: m.bytes,
        unit: "bytes",
        baseline: { label: "OpenZeppelin bytes32[] call", value: deepest.ozCalldata.bytes },
        note: "whole call: selector, root, leaf, count, index and the proof",
      }),
      figure({
        group: "merkle",
        id: `merkle64.calldata.gas.depth${d}`,
        label: `proof call data gas, depth ${d}: Merkle64, packed`,
        value: m.gas,
        unit: "gas",
        baseline: { label: "OpenZeppelin bytes32[] call", value: deepest.ozCalldata.gas },
      }),
      figure({
        group: "merkle",
        id: `merkle64.calldata.unpacked.depth${d}`,
        label: `proof call data gas, depth ${d}: Merkle64 packed vs the same call with an ABI bytes8[]`,
        value: m.gas,
        unit: "gas",
        baseline: { label: "ABI bytes8[] (32-byte word per sibling)", value: u.gas },
        note: `${m.bytes} bytes packed, ${u.bytes} bytes as ABI bytes8[]`,
      }),
    );
  }
  return out;
}
