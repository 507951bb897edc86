/**
 * Signature verification off the main thread: the hand-rolled EIP-712 digest equals ethers', and the
 * worker pool (native libsecp256k1 here) recovers exactly what ethers recovers, bad signatures included.
 */
import { expect } from "chai";
import { Signature, getAddress, getBytes, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import { gridDomain, readingDigest } from "../../lib/batches/reading.js";
import { ReadingHasher } from "../../lib/gateway/verify/digest.js";
import { RecoveryPool } from "../../lib/gateway/verify/pool.js";
import { RECOVERY_IMPL } from "../../lib/gateway/verify/recover.js";
import { FAKE_REGISTRY, reading, sign, testMeter } from "./fakes.js";

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
    }
  });

  it("uses the native libsecp256k1 binding on this platform", () => {
    expect(RECOVERY_IMPL).to.equal("native");
  });

  for (const threads of [0, 2]) {
    it(`recovers the same signers as ethers with ${threads} worker thread(s), and null for no key`, async () => {
      const pool = new RecoveryPool(threads);
      try {
        const items = [];
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
        const got = await Promise.all([pool.recover(items.slice(0, 30)), pool.recover(items.slice(30))]);
        expect(got.flat()).to.deep.equal(expected);
        expect(expected.filter((x) => x === null).length).to.be.greaterThan(0);
      } finally {
        await pool.close();
      }
    });
  }
});
