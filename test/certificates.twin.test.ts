/**
 * The TypeScript twin of CapacityCertificates (lib/certificates/authorization.ts) against the contract: one seeded
 * random history of certificates, cancellations, revocations, tolerance changes and over-capacity proofs, applied
 * to both in the same order. Every step must be accepted or refused alike (same rule), and afterwards both must
 * give the same capacity for every meter and period, the same tolerance and the same void time.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBeHex } from "ethers";
import { deployDgmd, makeCert, sign, type DgmdFixture } from "./dgmd/fixture.js";
import { CertificateBook, CertificateRuleError } from "../lib/certificates/authorization.js";
import type { Certificate } from "../lib/certificates/certificates.js";
import { PERIOD_SECONDS } from "../lib/constants.js";
import { SplitMix64 } from "../lab/prng.js";
import { attempt } from "../lab/attacks/mount.js";

const { ethers, networkHelpers } = await network.create();
const dgmdFixture = () => deployDgmd(ethers, networkHelpers);

const STEPS = 160;
const SEED = 0x7717n;

type Outcome = string;

/** A contract call's outcome: "ok" or the custom error's name. */
async function onChain(f: DgmdFixture, send: Parameters<typeof attempt>[0]): Promise<Outcome> {
  const v = await attempt(send, f.certs.interface);
  return v.ok ? "ok" : v.error;
}

/** The twin's outcome: "ok" or the rule it refused with. */
function offChain(act: () => unknown): Outcome {
  try {
    act();
    return "ok";
  } catch (e) {
    if (e instanceof CertificateRuleError) return e.rule;
    throw e;
  }
}

describe("CapacityCertificates and its TypeScript twin agree on a random history", () => {
  it(`${STEPS} steps: same refusals, same capacity in every period, same tolerance and voids`, async function () {
    this.timeout(600_000);
    const f = await networkHelpers.loadFixture(dgmdFixture);
    const book = new CertificateBook(f.epoch);
    const rnd = new SplitMix64(SEED);
    const meters = f.prosumerMeters.map((m) => m.address);
    const ids: string[] = [];
    const now = async () => BigInt(await networkHelpers.time.latest());
    const current = async () => Number(await f.registry.currentPeriod());
    /** Fixes the next block's time (one second on), so both sides act at the same second. */
    const nextSecond = async () => {
      const t = (await now()) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(t);
      return t;
    };
    let issued = 0n;

    for (let step = 0; step < STEPS; step++) {
      const kind = rnd.below(10);
      const meter = meters[rnd.below(meters.length)];
      let a: Outcome;
      let b: Outcome;
      if (kind < 4) {
        // A certificate issued a little before now (sometimes long before, sometimes not yet).
        const t = await now();
        const back = [0n, 60n, 3_600n, 5n * BigInt(PERIOD_SECONDS)][rnd.below(4)];
        const ahead = rnd.below(12) === 0 ? 7_200n : 0n;
        issued += 1n;
        const cert: Certificate = await makeCert(f, meter, BigInt(1_000 + rnd.below(9_000)), {
          validFrom: t - back + ahead - (issued % 7n),
          validUntil: t + BigInt((2 + rnd.below(30)) * PERIOD_SECONDS),
          certId: keccak256(toBeHex(issued, 32)),
        });
        ids.push(cert.certId);
        const sig = await sign(f, cert);
        const at = await nextSecond();
        a = await onChain(f, () => f.certs.submitCertificate(cert, sig));
        b = offChain(() => book.submit(cert, at));
      } else if (kind < 5) {
        const fresh = keccak256(toBeHex(1_000_000 + step, 32)); // an id nobody signed yet
        const id = rnd.below(4) === 0 || ids.length === 0 ? fresh : ids[rnd.below(ids.length)];
        const at = await nextSecond();
        a = await onChain(f, () => f.certs.connect(f.dgmd).revokeCertificate(id));
        b = offChain(() => book.revokeCertificate(id, at));
      } else if (kind < 6) {
        const at = await nextSecond();
        a = await onChain(f, () => f.certs.connect(f.dgmd).revokeMeter(meter));
        b = offChain(() => book.revokeMeter(meter, at));
      } else if (kind < 7) {
        const bps = 1_000 + rnd.below(501);
        const at = await nextSecond();
        a = await onChain(f, () => f.certs.connect(f.dgmd).setTolerance(bps));
        b = offChain(() => book.setTolerance(bps, at));
      } else if (kind < 9) {
        const period = Math.max(0, (await current()) - rnd.below(6));
        const peak = 900 + rnd.below(12_000);
        const reading = {
          meter,
          period,
          importWh: 0n,
          exportWh: 0n,
          loadWh: 0n,
          generationWh: 0n,
          peakLoadW: 0,
          peakGenerationW: peak,
        };
        const proof = { reading, signature: "0x", index: 0, proof: "0x" };
        await (await f.mock.setProven(proof, true)).wait();
        const at = await nextSecond();
        a = await onChain(f, () => f.certs.proveOverCapacity(proof));
        b = offChain(() => book.proveOverCapacity(meter, period, BigInt(peak), at));
      } else {
        await f.warpToPeriod((await current()) + 1 + rnd.below(3));
        continue;
      }
      expect(b, `step ${step}`).to.equal(a);
    }

    const last = await current();
    for (const meter of meters) {
      for (let p = f.startPeriod - 2; p <= last + 40; p++) {
        expect(book.capacityAt(meter, p), `${meter} @ ${p}`).to.equal(
          await f.certs.authorizedCapacityAt(meter, p),
        );
      }
      expect(book.voidThrough(meter)).to.equal(await f.certs.voidThrough(meter));
      const list = (await f.certs.authorizationsOf(meter)).map((x) => [
        x.capacityW,
        Number(x.fromPeriod),
        Number(x.untilPeriod),
        x.issuedAt,
      ]);
      expect(
        book.authorizationsOf(meter).map((x) => [x.capacityW, x.fromPeriod, x.untilPeriod, x.issuedAt]),
      ).to.deep.equal(list);
    }
    for (let p = f.startPeriod; p <= last + 1; p++) {
      expect(book.toleranceAt(p)).to.equal(Number(await f.certs.toleranceAt(p)));
    }
  });
});
