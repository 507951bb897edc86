/**
 * Worker of the reading-verification benchmark: recovers signers for a bounded count and time and reports
 * how many it did. `eip712` is the gateway's full check (canonical signature + EIP-712 digest + ecrecover);
 * `raw` is ecrecover of a ready digest in the same JS library; `openssl` is a native secp256k1 ECDSA verify
 * against a known public key (the machine's secp256k1 speed: a gateway knows each registered meter's key);
 * `native` is the gateway's own recovery of ready digests to addresses (libsecp256k1 + keccak,
 * lib/gateway/verify/recover.ts), the ceiling of its ingest.
 */
import { createSign, generateKeyPairSync, verify } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { recoverAddress, type TypedDataDomain } from "ethers";
import { readingDigest, recoverReadingSigner, type SignedReading } from "../../lib/batches/reading.js";
import { ReadingHasher } from "../../lib/gateway/verify/digest.js";
import { recoverAddresses } from "../../lib/gateway/verify/recover.js";

export interface RecoverTask {
  readonly mode: "eip712" | "raw" | "openssl" | "native";
  readonly domain: TypedDataDomain;
  readonly signed: readonly SignedReading[];
  readonly maxOps: number;
  readonly maxMs: number;
}

export interface RecoverResult {
  readonly ops: number;
  readonly ms: number;
  /** Recovered signers that were not the reading's meter (must be 0). */
  readonly mismatches: number;
}

function runOpenssl(task: RecoverTask): RecoverResult {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
  const message = Buffer.alloc(32, 7);
  const sig = createSign("sha256").update(message).sign(privateKey);
  const start = performance.now();
  let ops = 0;
  let ms = 0;
  let mismatches = 0;
  while (ops < task.maxOps && ms < task.maxMs) {
    if (!verify("sha256", message, publicKey, sig)) mismatches++;
    ops++;
    if ((ops & 7) === 0) ms = performance.now() - start;
  }
  return { ops, ms: performance.now() - start, mismatches };
}

/** Recover ready digests to addresses as the gateway's workers do, in chunks of up to 256. */
function runNative(task: RecoverTask): RecoverResult {
  const hasher = new ReadingHasher(task.domain);
  const n = task.signed.length;
  const digests = Buffer.concat(task.signed.map((s) => hasher.digest(s.reading)));
  const sigs = Buffer.concat(task.signed.map((s) => Buffer.from(s.signature.slice(2), "hex")));
  const meters = task.signed.map((s) => s.reading.meter.toLowerCase().slice(2));
  const start = performance.now();
  let ops = 0;
  let mismatches = 0;
  while (ops < task.maxOps && performance.now() - start < task.maxMs) {
    const r = recoverAddresses(digests, sigs, n);
    for (let i = 0; i < n; i++) {
      if (Buffer.from(r.addresses.subarray(i * 20, i * 20 + 20)).toString("hex") !== meters[i]) mismatches++;
    }
    ops += n;
  }
  return { ops, ms: performance.now() - start, mismatches };
}

function run(task: RecoverTask): RecoverResult {
  if (task.mode === "openssl") return runOpenssl(task);
  if (task.mode === "native") return runNative(task);
  const digests = task.mode === "raw" ? task.signed.map((s) => readingDigest(task.domain, s.reading)) : [];
  const start = performance.now();
  let ops = 0;
  let mismatches = 0;
  let ms = 0;
  while (ops < task.maxOps && ms < task.maxMs) {
    const i = ops % task.signed.length;
    const s = task.signed[i] as SignedReading;
    const who =
      task.mode === "raw"
        ? recoverAddress(digests[i] as string, s.signature)
        : recoverReadingSigner(task.domain, s);
    if (who !== s.reading.meter) mismatches++;
    ops++;
    if ((ops & 7) === 0) ms = performance.now() - start;
  }
  return { ops, ms: performance.now() - start, mismatches };
}

parentPort?.on("message", (task: RecoverTask) => {
  parentPort?.postMessage(run(task));
});
