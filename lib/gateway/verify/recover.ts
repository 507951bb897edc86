/**
 * secp256k1 public-key recovery of ready 32-byte digests, to 20-byte addresses: libsecp256k1 through the
 * `secp256k1` package's N-API binding when its prebuilt binary loads, else ethers' pure-JS recovery (about
 * 40x slower, same results). Also the entry of the verification worker threads (./pool.ts): loaded as a
 * worker it answers recovery requests.
 *
 * Self-contained on purpose (packages only, erasable TypeScript): a worker thread starts without the
 * parent's TypeScript loader, and Node strips the types of a file like this one by itself.
 */
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import { createKeccak } from "hash-wasm";

/** The part of the `secp256k1` package's binding this module uses. */
interface NativeSecp256k1 {
  ecdsaRecover(
    sig: Uint8Array,
    recid: number,
    msg32: Uint8Array,
    compressed: boolean,
    output?: Uint8Array,
  ): Uint8Array;
}

function loadNative(): NativeSecp256k1 | null {
  if (process.env.GRIDSHARE_PURE_JS_SECP256K1 === "1") return null;
  try {
    // `secp256k1/bindings` throws when no binary fits this platform (the package's own index would then
    // fall back to elliptic, which is slower than ethers' noble).
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return null;
  }
}

const native = loadNative();

/**
 * keccak256 in WebAssembly (hash-wasm): about 6x faster than @noble/hashes' pure JS on the short inputs
 * of a reading (its two EIP-712 hashes and a public key), which is a third of a reading's cost on the
 * gateway's event loop. One hasher per thread; calls are synchronous, so sharing it is safe.
 */
const hasher = await createKeccak(256);

/** keccak256 of `data`, 32 bytes. */
export function keccak256(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}
const requireHere = createRequire(import.meta.url);

/** ethers' recovery, loaded only when the native binding is missing (it costs seconds to load in a worker). */
let jsRecover: ((digest: string, signature: string) => string) | undefined;
function recoverPublicKeyJs(digest: Uint8Array, sig: Uint8Array): Uint8Array {
  if (!jsRecover) {
    const { SigningKey } = requireHere("ethers") as {
      SigningKey: { recoverPublicKey(digest: string, signature: string): string };
    };
    jsRecover = (d, s) => SigningKey.recoverPublicKey(d, s);
  }
  const hex = jsRecover("0x" + Buffer.from(digest).toString("hex"), "0x" + Buffer.from(sig).toString("hex"));
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

/** Which implementation recovers here: "native" (libsecp256k1) or "js" (ethers/noble). */
export const RECOVERY_IMPL: "native" | "js" = native ? "native" : "js";

export const DIGEST_BYTES = 32;
export const SIGNATURE_BYTES = 65;
export const ADDRESS_BYTES = 20;

/** Recovered addresses (`ADDRESS_BYTES` each) and, per item, 1 when recovery succeeded. */
export interface Recovered {
  readonly addresses: Uint8Array<ArrayBuffer>;
  readonly ok: Uint8Array<ArrayBuffer>;
}

/**
 * Recover the signer address of `count` items: `digests` holds 32 bytes per item, `signatures` 65 bytes
 * (`r || s || v`, v = 27|28; canonical form is checked before this). A signature that recovers no key
 * has `ok` 0.
 */
export function recoverAddresses(digests: Uint8Array, signatures: Uint8Array, count: number): Recovered {
  const addresses = new Uint8Array(count * ADDRESS_BYTES);
  const ok = new Uint8Array(count);
  const pub = new Uint8Array(65);
  for (let i = 0; i < count; i++) {
    const digest = digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    const sig = signatures.subarray(i * SIGNATURE_BYTES, (i + 1) * SIGNATURE_BYTES);
    try {
      let key: Uint8Array;
      if (native) {
        key = native.ecdsaRecover(sig.subarray(0, 64), (sig[64] as number) - 27, digest, false, pub);
      } else key = recoverPublicKeyJs(digest, sig);
      addresses.set(keccak256(key.subarray(1)).subarray(12), i * ADDRESS_BYTES);
      ok[i] = 1;
    } catch {
      ok[i] = 0;
    }
  }
  return { addresses, ok };
}

/** A recovery request to a worker, and its answer. */
export interface RecoverRequest {
  readonly id: number;
  readonly digests: Uint8Array<ArrayBuffer>;
  readonly signatures: Uint8Array<ArrayBuffer>;
  readonly count: number;
}
export interface RecoverAnswer extends Recovered {
  readonly id: number;
}

/** Marks a worker started by ./pool.ts, so that importing this module elsewhere starts nothing. */
export const WORKER_ROLE = "gridshare-recover";

if (parentPort && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  port.on("message", (req: RecoverRequest) => {
    const r = recoverAddresses(req.digests, req.signatures, req.count);
    const answer: RecoverAnswer = { id: req.id, addresses: r.addresses, ok: r.ok };
    port.postMessage(answer, [r.addresses.buffer, r.ok.buffer]);
  });
  port.postMessage({ ready: RECOVERY_IMPL });
}
