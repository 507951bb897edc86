/**
 * Signature verification off the main thread: the hand-rolled EIP-712 digest equals ethers', and the
 * worker pool (native libsecp256k1 here) recovers exactly what ethers recovers, bad signatures included.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Signature, getAddress, getBytes, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import { gridDomain, readingDigest } from "../../lib/batches/reading.js";
import { ReadingHasher } from "../../lib/gateway/verify/digest.js";
import { INLINE_MAX_ITEMS, RecoveryPool } from "../../lib/gateway/verify/pool.js";
import { RECOVERY_IMPL } from "../../lib/gateway/verify/recover.js";
import { FAKE_REGISTRY, reading, sign, testMeter } from "./fakes.js";

/** Recover `items` through the pool, packed as the gateway packs a request. */
function recover(pool: RecoveryPool, items: readonly { digest: Uint8Array; signature: Uint8Array }[]) {
  return pool.recoverPacked(
    Uint8Array.from(items.flatMap((x) => [...x.digest])),
    Uint8Array.from(items.flatMap((x) => [...x.signature])),
    items.length,
  );
}

describe("gateway signature recovery", function () {
  this.timeout(120_000);

  it("digests a reading exactly as ethers' EIP-712 encoder does, for any domain", () => {
    for (const domain of [
      gridDomain(31337n, FAKE_REGISTRY),
      gridDomain(1n, getAddress("0x" + "12".repeat(20))),
    ]) {
      const h = new ReadingHasher(domain);
      for (let i = 0; i < 20; i++) {
        const r = { ...reading(testMeter(i), i * 7, 2000n + BigInt(i), BigInt(i)), peakLoadW: 4_294_967_295 };
        expect("0x" + Buffer.from(h.digest(r)).toString("hex")).to.equal(readingDigest(domain, r));
      }
      // Energies across the 32-bit halves of a uint64, and the extremes.
      const max = 2n ** 64n - 1n;
      for (const v of [0n, 2n ** 32n - 1n, 2n ** 32n, 0x0123456789abcdefn, max - 1n, max]) {
        const r = {
          ...reading(testMeter(3), 4_294_967_295, 0n, 0n),
          importWh: v,
          exportWh: max - v,
          loadWh: v,
          generationWh: v >> 1n,
        };
        expect("0x" + Buffer.from(h.digest(r)).toString("hex")).to.equal(readingDigest(domain, r));
      }
    }
  });

  it("uses the native libsecp256k1 binding on this platform", () => {
    expect(RECOVERY_IMPL).to.equal("native");
  });

  it("falls back to ethers' pure-JS recovery where the native binding is not used, with the same result", () => {
    const digest = getBytes(keccak256(toUtf8Bytes("fallback")));
    const sig = Signature.from(testMeter(1).signingKey.sign(digest)).serialized;
    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
    const script = [
      `import { RECOVERY_IMPL, recoverAddresses } from ${JSON.stringify(path.join(repo, "lib/gateway/verify/recover.ts"))};`,
      `const r = recoverAddresses(Buffer.from("${Buffer.from(digest).toString("hex")}", "hex"), Buffer.from("${sig.slice(2)}", "hex"), 1);`,
      `console.log(RECOVERY_IMPL, Buffer.from(r.addresses).toString("hex"), r.ok[0]);`,
    ].join("\n");
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repo,
      env: { ...process.env, GRIDSHARE_PURE_JS_SECP256K1: "1" },
      encoding: "utf8",
    }).trim();
    expect(out).to.equal(`js ${testMeter(1).address.slice(2).toLowerCase()} 1`);
  });

  for (const threads of [0, 2]) {
    it(`recovers the same signers as ethers with ${threads} worker thread(s), and null for no key`, async () => {
      const pool = new RecoveryPool(threads);
      try {
        const items: { digest: Uint8Array; signature: Uint8Array }[] = [];
        const expected: (string | null)[] = [];
        for (let i = 0; i < 60; i++) {
          const s = await sign(testMeter(i % 5), reading(testMeter(i % 5), i));
          const digest = getBytes(keccak256(toUtf8Bytes(`d${i}`)));
          let sig = s.signature;
          if (i % 7 === 3) {
            // r that is no curve point's x: nothing recovers.
            sig = "0x" + "ff".repeat(32) + sig.slice(66);
          }
          items.push({ digest, signature: getBytes(sig) });
          let who: string | null;
          try {
            who = recoverAddress(digest, Signature.from(sig)).toLowerCase();
          } catch {
            who = null;
          }
          expected.push(who);
        }
        const got = await Promise.all([recover(pool, items.slice(0, 30)), recover(pool, items.slice(30))]);
        expect(got.flat()).to.deep.equal(expected);
        // A request of a few items (a single post) is recovered inline with the native binding: same answers.
        expect(await recover(pool, items.slice(0, INLINE_MAX_ITEMS))).to.deep.equal(
          expected.slice(0, INLINE_MAX_ITEMS),
        );
        expect(expected.filter((x) => x === null).length).to.be.greaterThan(0);
        // More items than the workers hold at once (chunks of at most 256, two per worker): every answer in order.
        const many = Array.from({ length: 12 }, () => items).flat();
        expect(await recover(pool, many)).to.deep.equal(Array.from({ length: 12 }, () => expected).flat());
      } finally {
        await pool.close();
      }
    });
  }
});
