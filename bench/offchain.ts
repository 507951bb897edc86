/**
 * Off-chain throughput (issue 8): Merkle64 tree build beside raw keccak on the same machine; reading verification
 * (EIP-712 recover) on 1 and 2 cores beside raw ecrecover. Every loop is bounded in count and time, and subject
 * and baseline run in alternating rounds.
 */
import { createHash, randomBytes } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { getAddress } from "ethers";
import { buildTree, HASH64_BYTES } from "../lib/batches/merkle64.js";
import { gridDomain, type SignedReading } from "../lib/batches/reading.js";
import { BenchInputError, figure, type Figure } from "./lib/figures.js";
import { interleaved, median, opsPerSecond } from "./lib/timing.js";
import { benchReadings } from "../lab/fixtures/readings.js";
import { RecoverWorkers, recoverRate as rate } from "./lib/recover-workers.js";
import type { RecoverTask } from "./workers/recover-task.js";

export interface OffchainOptions {
  /** Leaves per tree build. */
  readonly treeLeaves: number;
  /** Alternating rounds of subject and baseline. */
  readonly rounds: number;
  /** Time budget of one round, ms. */
  readonly roundMs: number;
  /** Signed readings the verification workers cycle through. */
  readonly readings: number;
}

export const DEFAULT_OFFCHAIN: OffchainOptions = {
  treeLeaves: 1 << 14,
  rounds: 3,
  roundMs: 1500,
  readings: 256,
};

/** Inner-node input: 0x01 || left || right. */
const NODE_INPUT_BYTES = 1 + 2 * HASH64_BYTES;
/** Chain id and registry of the verification domain: any fixed values serve, the cost does not depend on them. */
const BENCH_CHAIN_ID = 31337n;
const BENCH_REGISTRY = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");

export async function benchOffchain(opts: OffchainOptions = DEFAULT_OFFCHAIN): Promise<Figure[]> {
  if (opts.treeLeaves < 2) throw new BenchInputError(`treeLeaves must be >= 2, got ${opts.treeLeaves}`);
  return [...hashing(opts), ...(await verification(opts))];
}

function hashing(opts: OffchainOptions): Figure[] {
  const leaves = new Uint8Array(randomBytes(opts.treeLeaves * HASH64_BYTES));
  const nodeInput = new Uint8Array(NODE_INPUT_BYTES);
  nodeInput[0] = 1;
  const maxBuilds = 1_000;
  const bounds = { maxMs: opts.roundMs, batch: 1 };
  // Leaves per second of full tree builds (n - 1 node hashes + 1 root hash per n leaves).
  const tree = () =>
    opsPerSecond(() => buildTree(leaves), { ...bounds, maxOps: maxBuilds }) * opts.treeLeaves;
  // The same keccak on 17-byte inputs, nothing else: the tree's ceiling in this implementation.
  const keccak = () =>
    opsPerSecond(
      (i) => {
        nodeInput[1] = i & 0xff;
        keccak_256(nodeInput);
      },
      { maxOps: 50_000_000, maxMs: opts.roundMs, batch: 1024 },
    );
  // OpenSSL's SHA3-256 runs the same Keccak-f[1600] permutation natively: the machine's keccak speed.
  const native = () =>
    opsPerSecond(
      (i) => {
        nodeInput[1] = i & 0xff;
        createHash("sha3-256").update(nodeInput).digest();
      },
      { maxOps: 50_000_000, maxMs: opts.roundMs, batch: 1024 },
    );
  const a = interleaved(opts.rounds, tree, keccak);
  const nativeRate = median(Array.from({ length: opts.rounds }, native));
  return [
    figure({
      group: "off-chain",
      id: "merkle.build.leavesPerSecond",
      label: `Merkle64 tree build, ${opts.treeLeaves} leaves`,
      value: a.subject,
      unit: "leaves/s",
      baseline: { label: "raw keccak (noble, JS) hashes/s", value: a.baseline },
      limit: { label: "native keccak (OpenSSL SHA3-256) hashes/s", value: nativeRate },
    }),
    figure({
      group: "off-chain",
      id: "keccak.js.hashesPerSecond",
      label: "keccak256 of 17 bytes, noble JS",
      value: a.baseline,
      unit: "hashes/s",
      baseline: { label: "native keccak (OpenSSL SHA3-256)", value: nativeRate },
    }),
  ];
}

async function verification(opts: OffchainOptions): Promise<Figure[]> {
  const domain = gridDomain(BENCH_CHAIN_ID, BENCH_REGISTRY);
  const signed: SignedReading[] = await benchReadings(domain, opts.readings, 1);
  const task = (mode: RecoverTask["mode"]): RecoverTask => ({
    mode,
    domain,
    signed,
    maxOps: 1_000_000,
    maxMs: opts.roundMs,
  });
  const pool = new RecoverWorkers(2);
  const one: number[] = [];
  const two: number[] = [];
  const raw: number[] = [];
  const native: number[] = [];
  try {
    // Warm-up of every mode: JIT and module load stay out of the first round.
    for (const mode of ["raw", "openssl", "eip712"] as const)
      await pool.run(2, { ...task(mode), maxOps: 64 });
    for (let r = 0; r < opts.rounds; r++) {
      raw.push(rate(await pool.run(1, task("raw"))));
      native.push(rate(await pool.run(1, task("openssl"))));
      one.push(rate(await pool.run(1, task("eip712"))));
      two.push(rate(await pool.run(2, task("eip712"))));
    }
  } finally {
    await pool.close();
  }
  const oneCore = median(one);
  const rawRate = median(raw);
  return [
    figure({
      group: "off-chain",
      id: "verify.eip712.core1",
      label: "reading verification (EIP-712 recover), 1 core",
      value: oneCore,
      unit: "readings/s",
      baseline: { label: "raw ecrecover of a ready digest, 1 core", value: rawRate },
      limit: { label: "native secp256k1 verify (OpenSSL), 1 core", value: median(native) },
    }),
    figure({
      group: "off-chain",
      id: "secp256k1.js.ecrecoverPerSecond",
      label: "ecrecover of a ready digest, JS (ethers/noble), 1 core",
      value: rawRate,
      unit: "recovers/s",
      baseline: { label: "native secp256k1 verify (OpenSSL)", value: median(native) },
    }),
    figure({
      group: "off-chain",
      id: "verify.eip712.core2",
      label: "reading verification (EIP-712 recover), 2 cores",
      value: median(two),
      unit: "readings/s",
      baseline: { label: "same on 1 core", value: oneCore },
      limit: { label: "2 x the 1-core rate", value: 2 * oneCore, computed: "perfect scaling" },
    }),
  ];
}
