import { expect } from "chai";
import { attestAndSubmit } from "../lab/fixtures/attestations.js";
import { network } from "hardhat";
import { Wallet, ZeroHash, getAddress, hexlify, randomBytes } from "ethers";
import {
  deployDgmd,
  makeCert,
  sign,
  signedCert,
  certify,
  periodSeconds,
  type DgmdFixture,
} from "./dgmd/fixture.js";
import { scaledReading, sunniestPeriod } from "./dgmd/readings.js";
import { loadBuilding } from "../lab/data/citylearn.js";
import { signReading, type SignedReading, gridDomain } from "../lib/batches/reading.js";
import { buildBatch, getProof } from "../lib/batches/merkle64.js";
import {
  violatesTolerance,
  maxPeakWithinTolerance,
  checkToleranceBps,
  validateApplication,
  readApplicationFile,
} from "../lib/certificates/certificates.js";
import {
  encryptRecord,
  decryptRecord,
  recordCommitment,
  parseRecordKey,
} from "../lib/certificates/record.js";
import { periodStart } from "../lib/time.js";
import { MeterKind, MeterStatus } from "../lib/chain/schema.js";
import { RETENTION_PERIODS } from "../lib/constants.js";

const { ethers, networkHelpers } = await network.create();
const dgmdFixture = () => deployDgmd(ethers, networkHelpers);
const load = () => networkHelpers.loadFixture(dgmdFixture);

function proofArg(signed: SignedReading, index = 0, proof = "0x") {
  return { reading: signed.reading, signature: signed.signature, index, proof };
}

async function domainOf(f: DgmdFixture) {
  return gridDomain(f.chainId, await f.registry.getAddress());
}

describe("CapacityCertificates: deployment", () => {
  it("refuses a zero registry or ledger", async () => {
    const f = await load();
    const factory = await ethers.getContractFactory("CapacityCertificates");
    const zero = "0x0000000000000000000000000000000000000000";
    const registry = await f.registry.getAddress();
    const ledger = await f.mock.getAddress();
    for (const [r, l] of [
      [zero, ledger],
      [registry, zero],
    ]) {
      await expect(factory.deploy(r, l)).to.be.revertedWithCustomError(f.certs, "ZeroAddress");
    }
  });
});

describe("CapacityCertificates: submission", () => {
  it("accepts a DGMD-signed certificate from anyone and authorizes the covered periods", async () => {
    const f = await load();
    const { meter, cert, sig } = await signedCert(f, 4000n);
    const untilPeriod = (cert.validUntil - f.epoch + periodSeconds - 1n) / periodSeconds;
    await expect(f.certs.connect(f.outsider).submitCertificate(cert, sig))
      .to.emit(f.certs, "CertificateSubmitted")
      .withArgs(cert.certId, meter, 4000n, cert.infoCommitment, f.startPeriod, untilPeriod, f.dgmd.address);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod)).to.equal(4000n);
    expect(await f.certs.authorizedCapacityAt(meter, Number(untilPeriod) - 1)).to.equal(4000n);
    // Not before submission (no retroactive supply), not from validUntil on.
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod - 1)).to.equal(0n);
    expect(await f.certs.authorizedCapacityAt(meter, Number(untilPeriod))).to.equal(0n);
    const [m, commitment, auth] = await f.certs.certificate(cert.certId);
    expect([m, commitment, auth.capacityW]).to.deep.equal([meter, cert.infoCommitment, 4000n]);
  });

  it("covers a window from the first period starting at validFrom (submitted once issued)", async () => {
    const f = await load();
    const meter = f.prosumerMeters[0].address;
    const from = periodStart(f.startPeriod + 10, f.epoch) - 1n; // 1 s before period S+10 starts
    const until = periodStart(f.startPeriod + 20, f.epoch) + 1n; // 1 s into period S+20
    // validFrom is the issue time: the certificate can be submitted from then on.
    await networkHelpers.time.increaseTo(from);
    await certify(f, meter, 3000n, f.certs, { validFrom: from, validUntil: until });
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 9)).to.equal(0n);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 10)).to.equal(3000n);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 20)).to.equal(3000n);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 21)).to.equal(0n);
  });

  it("refuses certificates not signed by the DGMD, or signed for another contract", async () => {
    const f = await load();
    const cert = await makeCert(f, f.prosumerMeters[0].address, 4000n);
    await expect(f.certs.submitCertificate(cert, await sign(f, cert, f.outsider)))
      .to.be.revertedWithCustomError(f.certs, "SignerNotDgmd")
      .withArgs(f.outsider.address);
    // The utility is not the DGMD either.
    await expect(f.certs.submitCertificate(cert, await sign(f, cert, f.utility)))
      .to.be.revertedWithCustomError(f.certs, "SignerNotDgmd")
      .withArgs(f.utility.address);
    // Signed by the DGMD for the other certificates contract: recovers some other address here.
    await expect(
      f.certs.submitCertificate(cert, await sign(f, cert, f.dgmd, f.certsReal)),
    ).to.be.revertedWithCustomError(f.certs, "SignerNotDgmd");
    // A tampered field changes the digest.
    const sig = await sign(f, cert);
    await expect(
      f.certs.submitCertificate({ ...cert, installedCapacityW: 9000n }, sig),
    ).to.be.revertedWithCustomError(f.certs, "SignerNotDgmd");
    const junk = "0x" + "11".repeat(65);
    await expect(f.certs.submitCertificate(cert, junk))
      .to.be.revertedWithCustomError(f.certs, "InvalidCertificateSignature")
      .withArgs(junk);
  });

  it("refuses expired, malformed-window, zero-capacity and zero-id certificates", async () => {
    const f = await load();
    const meter = f.prosumerMeters[0].address;
    const now = BigInt(await networkHelpers.time.latest());
    const expired = await makeCert(f, meter, 4000n, { validFrom: now - 1000n, validUntil: now });
    await expect(f.certs.submitCertificate(expired, await sign(f, expired)))
      .to.be.revertedWithCustomError(f.certs, "CertificateExpired")
      .withArgs(expired.certId, now, now + 1n);
    const inverted = await makeCert(f, meter, 4000n, { validFrom: now + 1000n, validUntil: now + 1000n });
    await expect(f.certs.submitCertificate(inverted, await sign(f, inverted)))
      .to.be.revertedWithCustomError(f.certs, "InvalidValidityWindow")
      .withArgs(inverted.certId, now + 1000n, now + 1000n);
    const zero = await makeCert(f, meter, 0n);
    await expect(f.certs.submitCertificate(zero, await sign(f, zero)))
      .to.be.revertedWithCustomError(f.certs, "ZeroCapacity")
      .withArgs(meter);
    const noId = await makeCert(f, meter, 4000n, { certId: ZeroHash });
    await expect(f.certs.submitCertificate(noId, await sign(f, noId))).to.be.revertedWithCustomError(
      f.certs,
      "ZeroCertId",
    );
  });

  it("refuses unknown, consumer, tampered and replaced meters", async () => {
    const f = await load();
    const stranger = Wallet.createRandom().address;
    for (const [meter, kind, status] of [
      [stranger, MeterKind.None, MeterStatus.None],
      [f.consumer.address, MeterKind.Consumer, MeterStatus.Active],
    ] as const) {
      const cert = await makeCert(f, meter, 4000n);
      await expect(f.certs.submitCertificate(cert, await sign(f, cert)))
        .to.be.revertedWithCustomError(f.certs, "MeterNotEligible")
        .withArgs(getAddress(meter), kind, status);
    }
    const [parent] = f.votersOf(1);
    await f.registry.connect(parent).reportTamper(f.prosumerMeters[0].address);
    const tampered = await makeCert(f, f.prosumerMeters[0].address, 4000n);
    await expect(f.certs.submitCertificate(tampered, await sign(f, tampered)))
      .to.be.revertedWithCustomError(f.certs, "MeterNotEligible")
      .withArgs(f.prosumerMeters[0].address, MeterKind.Prosumer, MeterStatus.Tampered);
    await f.registry.replaceMeter(f.prosumerMeters[0].address, Wallet.createRandom().address, "WP-1");
    await expect(f.certs.submitCertificate(tampered, await sign(f, tampered)))
      .to.be.revertedWithCustomError(f.certs, "MeterNotEligible")
      .withArgs(f.prosumerMeters[0].address, MeterKind.Prosumer, MeterStatus.Replaced);
  });

  it("uses each certId once, also after revocation", async () => {
    const f = await load();
    const cert = await certify(f, f.prosumerMeters[0].address, 4000n);
    const again = { ...cert, meter: f.prosumerMeters[1].address };
    await expect(f.certs.submitCertificate(again, await sign(f, again)))
      .to.be.revertedWithCustomError(f.certs, "CertIdUsed")
      .withArgs(cert.certId);
    await f.certs.connect(f.dgmd).revokeCertificate(cert.certId);
    await expect(f.certs.submitCertificate(cert, await sign(f, cert)))
      .to.be.revertedWithCustomError(f.certs, "CertIdUsed")
      .withArgs(cert.certId);
  });

  it("a newer certificate supersedes the older from its first period on", async () => {
    const f = await load();
    const meter = f.prosumerMeters[0].address;
    await certify(f, meter, 4000n);
    await f.warpToPeriod(f.startPeriod + 3);
    await certify(f, meter, 6000n);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 2)).to.equal(4000n);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 3)).to.equal(6000n);
    expect((await f.certs.authorizationsOf(meter)).length).to.equal(2);
  });
});

describe("CapacityCertificates: revocation", () => {
  it("lets only the DGMD revoke, by certId or by meter, from the current period on", async () => {
    const f = await load();
    const [a, b] = f.prosumerMeters.map((w) => w.address);
    const certA = await certify(f, a, 4000n);
    await certify(f, b, 3000n);
    await f.warpToPeriod(f.startPeriod + 2);
    await expect(f.certs.connect(f.outsider).revokeCertificate(certA.certId))
      .to.be.revertedWithCustomError(f.certs, "NotDgmd")
      .withArgs(f.outsider.address);
    await expect(f.certs.connect(f.outsider).revokeMeter(b)).to.be.revertedWithCustomError(
      f.certs,
      "NotDgmd",
    );
    await expect(f.certs.connect(f.dgmd).revokeCertificate(certA.certId))
      .to.emit(f.certs, "CertificateRevoked")
      .withArgs(a, certA.certId, f.startPeriod + 2);
    expect(await f.certs.authorizedCapacityAt(a, f.startPeriod + 1)).to.equal(4000n);
    expect(await f.certs.authorizedCapacityAt(a, f.startPeriod + 2)).to.equal(0n);
    await expect(f.certs.connect(f.dgmd).revokeCertificate(certA.certId))
      .to.be.revertedWithCustomError(f.certs, "NothingToRevoke")
      .withArgs(a, f.startPeriod + 2);
    // An id never submitted is cancelled (SPEC 8): a certificate signed with it can no longer be submitted.
    const unknown = hexlify(randomBytes(32));
    await expect(f.certs.connect(f.dgmd).revokeCertificate(unknown))
      .to.emit(f.certs, "CertificateCancelled")
      .withArgs(unknown);
    await expect(f.certs.certificate(unknown))
      .to.be.revertedWithCustomError(f.certs, "UnknownCertificate")
      .withArgs(unknown);
    await expect(f.certs.connect(f.dgmd).revokeMeter(b))
      .to.emit(f.certs, "CertificateRevoked")
      .withArgs(b, ZeroHash, f.startPeriod + 2);
    expect(await f.certs.authorizedCapacityAt(b, f.startPeriod + 2)).to.equal(0n);
    // Revoking a meter again voids the certificates issued since; with none, it changes nothing.
    await expect(f.certs.connect(f.dgmd).revokeMeter(b)).to.emit(f.certs, "CertificateRevoked");
    expect(await f.certs.authorizedCapacityAt(b, f.startPeriod + 2)).to.equal(0n);
  });
});

describe("CapacityCertificates: replacement meters", () => {
  it("gives a replacement meter nothing until the DGMD re-confirms the old capacity", async () => {
    const f = await load();
    const old = f.prosumerMeters[0].address;
    const cert = await certify(f, old, 4000n);
    await f.warpToPeriod(f.startPeriod + 2);
    const fresh = Wallet.createRandom().address;
    await f.registry.connect(f.votersOf(1)[0]).reportTamper(old);
    await f.registry.replaceMeter(old, fresh, "WP-7");
    expect(await f.certs.authorizedCapacityAt(fresh, f.startPeriod + 2)).to.equal(0n);
    await expect(f.certs.connect(f.outsider).reconfirmReplacement(fresh)).to.be.revertedWithCustomError(
      f.certs,
      "NotDgmd",
    );
    await expect(f.certs.connect(f.dgmd).reconfirmReplacement(f.prosumerMeters[1].address))
      .to.be.revertedWithCustomError(f.certs, "NotAReplacement")
      .withArgs(f.prosumerMeters[1].address);
    const [, , auth] = await f.certs.certificate(cert.certId);
    await expect(f.certs.connect(f.dgmd).reconfirmReplacement(fresh))
      .to.emit(f.certs, "ReplacementReconfirmed")
      .withArgs(old, getAddress(fresh), 4000n, f.startPeriod + 2, auth.untilPeriod);
    expect(await f.certs.authorizedCapacityAt(fresh, f.startPeriod + 2)).to.equal(4000n);
    await expect(f.certs.connect(f.dgmd).reconfirmReplacement(fresh))
      .to.be.revertedWithCustomError(f.certs, "AlreadyCertified")
      .withArgs(getAddress(fresh));
  });

  it("refuses to re-confirm when the old meter held no certificate", async () => {
    const f = await load();
    const old = f.prosumerMeters[1].address;
    await f.warpToPeriod(f.startPeriod + 1);
    const fresh = Wallet.createRandom().address;
    await f.registry.connect(f.votersOf(1)[0]).reportTamper(old);
    await f.registry.replaceMeter(old, fresh, "WP-8");
    await expect(f.certs.connect(f.dgmd).reconfirmReplacement(fresh))
      .to.be.revertedWithCustomError(f.certs, "NothingToReconfirm")
      .withArgs(old, f.startPeriod);
    // A fresh certificate, issued after the replacement, is the other way in (from the next period starting).
    await certify(f, fresh, 2500n, f.certs, { validFrom: BigInt(await networkHelpers.time.latest()) });
    expect(await f.certs.authorizedCapacityAt(fresh, f.startPeriod + 2)).to.equal(2500n);
  });
});

describe("CapacityCertificates: tolerance", () => {
  it("starts at 10% and lets only the DGMD set 10%..15%", async () => {
    const f = await load();
    expect(await f.certs.toleranceBps()).to.equal(1000n);
    await expect(f.certs.connect(f.dgmd).setTolerance(1500))
      .to.emit(f.certs, "ToleranceSet")
      .withArgs(1000, 1500, f.startPeriod + 1);
    for (const bad of [999, 1501, 0]) {
      await expect(f.certs.connect(f.dgmd).setTolerance(bad))
        .to.be.revertedWithCustomError(f.certs, "ToleranceOutOfRange")
        .withArgs(bad, 1000, 1500);
    }
    await expect(f.certs.connect(f.outsider).setTolerance(1200))
      .to.be.revertedWithCustomError(f.certs, "NotDgmd")
      .withArgs(f.outsider.address);
    // A new tolerance applies from the next period: a period in progress keeps its rule.
    expect(await f.certs.toleranceBps()).to.equal(1000n);
    await f.warpToPeriod(f.startPeriod + 1);
    expect(await f.certs.toleranceBps()).to.equal(1500n);
  });

  it("applies peak * 10000 > capacity * (10000 + tol) exactly, in Solidity and TS alike", async () => {
    const f = await load();
    const cases: Array<[bigint, bigint, bigint]> = [
      [5500n, 5000n, 1000n],
      [5501n, 5000n, 1000n],
      [5750n, 5000n, 1500n],
      [5751n, 5000n, 1500n],
      [4400n, 4000n, 1000n],
      [1n, 0n, 1000n],
      [4294967295n, 3904515722n, 1000n],
    ];
    for (const [peak, cap, tol] of cases) {
      const ts = violatesTolerance(peak, cap, tol);
      expect(await f.certs.violatesTolerance(peak, cap, tol)).to.equal(ts, `${peak} vs ${cap} @ ${tol}`);
      expect(ts).to.equal(peak > maxPeakWithinTolerance(cap, tol));
    }
    expect(violatesTolerance(5500n, 5000n, 1000n)).to.equal(false);
    expect(violatesTolerance(5501n, 5000n, 1000n)).to.equal(true);
    expect(() => checkToleranceBps(1600)).to.throw(/outside 1000..1500/);
  });
});

describe("CapacityCertificates: over-capacity fraud proofs (real homes, mock ledger)", () => {
  // Building 4 (5 kW declared) secretly doubles its array; Building 1 (4 kW) peaks exactly at 4 kW + 10%.
  const b4 = loadBuilding(4);
  const b1 = loadBuilding(1);

  async function readings(f: DgmdFixture, period: number) {
    const domain = await domainOf(f);
    const d4 = sunniestPeriod(b4);
    const d1 = sunniestPeriod(b1);
    const edge = maxPeakWithinTolerance(BigInt(b1.capacityW), 1000n);
    const upgraded = await signReading(
      f.prosumerMeters[0],
      domain,
      scaledReading(b4, d4, f.prosumerMeters[0].address, period, 2n, 1n),
    );
    const atEdge = await signReading(
      f.prosumerMeters[1],
      domain,
      scaledReading(
        b1,
        d1,
        f.prosumerMeters[1].address,
        period,
        edge,
        BigInt(b1.periods[d1].peakGenerationW),
      ),
    );
    return { upgraded, atEdge, edge };
  }

  it("deauthorizes the upgraded home from the reading's period, keeps the edge home, until re-certified", async () => {
    const f = await load();
    const [a, b] = f.prosumerMeters.map((w) => w.address);
    await certify(f, a, BigInt(b4.capacityW));
    await certify(f, b, BigInt(b1.capacityW));
    const period = f.startPeriod + 1;
    const { upgraded, atEdge, edge } = await readings(f, period);
    expect(upgraded.reading.peakGenerationW).to.be.greaterThan(5500);
    expect(atEdge.reading.peakGenerationW).to.equal(Number(edge));
    expect(upgraded.reading.loadWh + upgraded.reading.exportWh).to.equal(
      upgraded.reading.generationWh + upgraded.reading.importWh,
    );

    // Not proven against an accepted batch: refused by the ledger.
    await expect(f.certs.proveOverCapacity(proofArg(upgraded))).to.be.revertedWithCustomError(
      f.mock,
      "ReadingNotProven",
    );
    await f.mock.setProven(proofArg(upgraded), true);
    await f.mock.setProven(proofArg(atEdge), true);

    await expect(f.certs.connect(f.outsider).proveOverCapacity(proofArg(atEdge)))
      .to.be.revertedWithCustomError(f.certs, "NotOverCapacity")
      .withArgs(b, period, edge, BigInt(b1.capacityW), 1000);
    await expect(f.certs.connect(f.outsider).proveOverCapacity(proofArg(upgraded)))
      .to.emit(f.certs, "ProsumerDeauthorized")
      .withArgs(a, period, upgraded.reading.peakGenerationW, BigInt(b4.capacityW), 1000, f.outsider.address);

    expect(await f.certs.authorizedCapacityAt(a, period - 1)).to.equal(BigInt(b4.capacityW));
    expect(await f.certs.authorizedCapacityAt(a, period)).to.equal(0n);
    expect(await f.certs.authorizedCapacityAt(a, period + 100)).to.equal(0n);
    expect(await f.certs.authorizedCapacityAt(b, period)).to.equal(BigInt(b1.capacityW));
    // Nothing left to deauthorize.
    await expect(f.certs.proveOverCapacity(proofArg(upgraded)))
      .to.be.revertedWithCustomError(f.certs, "NotAuthorizedAt")
      .withArgs(a, period);

    // The DGMD re-certifies after a site visit (now 10 kW): later periods only.
    await f.warpToPeriod(period + 5);
    await certify(f, a, 10_000n);
    expect(await f.certs.authorizedCapacityAt(a, period + 4)).to.equal(0n);
    expect(await f.certs.authorizedCapacityAt(a, period + 5)).to.equal(10_000n);
  });

  it("a wider tolerance lets the edge plus 5% through; a reading before any certificate proves nothing", async () => {
    const f = await load();
    const b = f.prosumerMeters[1].address;
    const { atEdge } = await readings(f, f.startPeriod - 1);
    await f.mock.setProven(proofArg(atEdge), true);
    await certify(f, b, BigInt(b1.capacityW));
    await expect(f.certs.proveOverCapacity(proofArg(atEdge)))
      .to.be.revertedWithCustomError(f.certs, "NotAuthorizedAt")
      .withArgs(b, f.startPeriod - 1);
    const over = await signReading(f.prosumerMeters[1], await domainOf(f), {
      ...atEdge.reading,
      period: f.startPeriod + 1,
      peakGenerationW: 4401,
    });
    await f.mock.setProven(proofArg(over), true);
    await f.certs.connect(f.dgmd).setTolerance(1500); // in force from startPeriod + 1
    await f.warpToPeriod(f.startPeriod + 2);
    await expect(f.certs.proveOverCapacity(proofArg(over)))
      .to.be.revertedWithCustomError(f.certs, "NotOverCapacity")
      .withArgs(b, f.startPeriod + 1, 4401, 4000n, 1500);
  });
});

describe("CapacityCertificates: fraud proof through the real BatchLedger", () => {
  it("deauthorizes a home proven over capacity by its Merkle proof against an accepted batch", async () => {
    const f = await load();
    const b4 = loadBuilding(4);
    const meters = f.meters[0]; // cluster 1, sorted by address
    const a = f.prosumerMeters[0];
    await certify(f, a.address, BigInt(b4.capacityW), f.certsReal);
    const period = f.startPeriod;
    const domain = await domainOf(f);
    const homes = [4, 5, 6, 7].map((n) => loadBuilding(n));
    const signed: SignedReading[] = [];
    for (let i = 0; i < meters.length; i++) {
      const w = meters[i];
      const isUpgraded = w.address === a.address;
      const home = isUpgraded ? b4 : homes[i];
      const consumer = !f.prosumerMeters.some((p) => p.address === w.address);
      const r = scaledReading(
        home,
        sunniestPeriod(b4),
        w.address,
        period,
        isUpgraded ? 2n : consumer ? 0n : 1n,
        1n,
      );
      signed.push(await signReading(w, domain, r));
    }
    const batch = buildBatch(signed);
    const header = {
      clusterId: 1,
      period,
      root: batch.tree.root,
      leafCount: batch.tree.leafCount,
      totalLoadWh: signed.reduce((s, x) => s + x.reading.loadWh, 0n),
      totalGenerationWh: signed.reduce((s, x) => s + x.reading.generationWh, 0n),
    };
    await f.warpToPeriod(period + 1);
    const [parent, ...neighbours] = f.votersOf(1);
    await attestAndSubmit(f, header, [parent, ...neighbours.slice(0, 2)]);
    expect(await f.ledger.isAccepted(1, period)).to.equal(true);
    const index = batch.readings.findIndex((s) => s.reading.meter === a.address);
    const p = proofArg(batch.readings[index], index, getProof(batch.tree, index));
    await f.ledger.requireProvenReading(p);
    await expect(f.certsReal.proveOverCapacity(p)).to.emit(f.certsReal, "ProsumerDeauthorized");
    expect(await f.certsReal.authorizedCapacityAt(a.address, period)).to.equal(0n);
    // The same proof with a wrong sibling is refused by the ledger.
    const bad = { ...p, proof: "0x" + "0".repeat(p.proof.length - 2) };
    await expect(f.certsReal.proveOverCapacity(bad))
      .to.be.revertedWithCustomError(f.ledger, "InvalidMerkleProof")
      .withArgs(1, period, index);
  });
});

describe("personal-data records (AES-256-GCM)", () => {
  const key = parseRecordKey("11".repeat(32));
  const meter = Wallet.createRandom().address;
  const data = {
    name: "A. Prosumer",
    address: "1 Solar Way",
    siteVisitNotes: "5 kWp, 14 panels, south roof",
  };

  it("round-trips and commits to keccak256 of the blob, which the certificate carries on-chain", async () => {
    const f = await load();
    const blob = encryptRecord(key, f.prosumerMeters[0].address, data);
    expect(blob[0]).to.equal(1);
    expect(blob.length).to.equal(1 + 12 + 16 + Buffer.byteLength(JSON.stringify(data)));
    expect(decryptRecord(key, f.prosumerMeters[0].address, blob)).to.deep.equal(data);
    const cert = await certify(f, f.prosumerMeters[0].address, 5000n, f.certs, {
      infoCommitment: recordCommitment(blob),
    });
    const [, onChain] = await f.certs.certificate(cert.certId);
    expect(onChain).to.equal(recordCommitment(blob));
    // Plaintext never appears in the blob.
    expect(blob.includes(Buffer.from("Solar Way"))).to.equal(false);
  });

  it("refuses a wrong key, another meter, an altered byte, a bad version or a truncated blob", () => {
    const blob = encryptRecord(key, meter, data);
    expect(() => decryptRecord(parseRecordKey("22".repeat(32)), meter, blob)).to.throw(
      /does not authenticate/,
    );
    expect(() => decryptRecord(key, Wallet.createRandom().address, blob)).to.throw(/does not authenticate/);
    const altered = Buffer.from(blob);
    altered[altered.length - 1] ^= 1;
    expect(() => decryptRecord(key, meter, altered)).to.throw(/does not authenticate/);
    const v2 = Buffer.from(blob);
    v2[0] = 2;
    expect(() => decryptRecord(key, meter, v2)).to.throw(/version 2 is not supported/);
    expect(() => decryptRecord(key, meter, blob.subarray(0, 20))).to.throw(/shorter than its 29-byte header/);
    expect(() => parseRecordKey("abc")).to.throw(/64 hex digits/);
    expect(() => encryptRecord(Buffer.alloc(16), meter, data)).to.throw(/must be 32 bytes/);
  });
});

describe("application files", () => {
  const now = 1_800_000_000n;
  const good = {
    meter: Wallet.createRandom().address,
    installedCapacityW: 5000,
    personalData: { name: "B. Home", address: "4 Grid St", siteVisitNotes: "ok" },
    validFrom: "2027-01-11T00:00:00Z",
    validUntil: 1_900_000_000,
  };

  it("accepts a well-formed application and gives it a random certId", () => {
    const app = validateApplication(good, "app.json", now);
    expect(app.installedCapacityW).to.equal(5000n);
    expect(app.validFrom).to.equal(BigInt(Date.parse("2027-01-11T00:00:00Z") / 1000));
    expect(app.certId).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("names the problem: address, capacity, personal data, window, certId, file, JSON", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ meter: "0x12" }, /"meter" must be an address/],
      [{ installedCapacityW: 0 }, /must be > 0 W/],
      [{ installedCapacityW: -5 }, /must be > 0 W/],
      [{ installedCapacityW: 1.5 }, /integer number of watts/],
      [{ personalData: { name: "x", address: "", siteVisitNotes: "y" } }, /personalData.address/],
      [{ validUntil: "2027-01-01T00:00:00Z" }, /"validFrom" .* must be before "validUntil"/],
      [{ validFrom: 1, validUntil: 2 }, /not in the future/],
      [{ validFrom: "2027-02-01T00:00:00Z" }, /issue date .* may not lie in the future/],
      [{ validFrom: "soon" }, /"validFrom" must be seconds since 1970/],
      [{ certId: "0x1234" }, /"certId" must be a non-zero 32-byte hex/],
    ];
    for (const [patch, re] of cases) {
      expect(() => validateApplication({ ...good, ...patch }, "app.json", now)).to.throw(re);
    }
    expect(() => validateApplication([], "app.json", now)).to.throw(/app.json: must hold a JSON object/);
    expect(() => readApplicationFile("/nonexistent/app.json", now)).to.throw(/file not found/);
  });
});

describe("CapacityCertificates: cancellation and issue order (SPEC 8)", () => {
  it("the DGMD cancels a certificate nobody submitted yet: it can never be submitted", async () => {
    const f = await load();
    const { meter, cert: spare, sig } = await signedCert(f, 9000n);
    await expect(f.certs.connect(f.outsider).revokeCertificate(spare.certId))
      .to.be.revertedWithCustomError(f.certs, "NotDgmd")
      .withArgs(f.outsider.address);
    await expect(f.certs.connect(f.dgmd).revokeCertificate(spare.certId))
      .to.emit(f.certs, "CertificateCancelled")
      .withArgs(spare.certId);
    expect(await f.certs.certIdUsed(spare.certId)).to.equal(true);
    await expect(f.certs.submitCertificate(spare, sig))
      .to.be.revertedWithCustomError(f.certs, "CertIdCancelled")
      .withArgs(spare.certId);
    await expect(f.certs.connect(f.dgmd).revokeCertificate(spare.certId))
      .to.be.revertedWithCustomError(f.certs, "CertIdCancelled")
      .withArgs(spare.certId);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod)).to.equal(0n);
  });

  it("a spare certificate issued before revokeMeter is refused: the revocation stands", async () => {
    const f = await load();
    const meter = f.prosumerMeters[0].address;
    await certify(f, meter, 4000n);
    const now = BigInt(await networkHelpers.time.latest());
    const spare = await makeCert(f, meter, 9000n, { validFrom: now - 30n });
    const spareSig = await sign(f, spare);
    await f.warpToPeriod(f.startPeriod + 2);
    await f.certs.connect(f.dgmd).revokeMeter(meter);
    const revokedAt = BigInt(await networkHelpers.time.latest());
    await expect(f.certs.submitCertificate(spare, spareSig))
      .to.be.revertedWithCustomError(f.certs, "CertificateVoided")
      .withArgs(spare.certId, spare.validFrom, revokedAt);
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 2)).to.equal(0n);
    // A certificate issued after the revocation is the way back.
    await networkHelpers.time.increase(10);
    const fresh = await makeCert(f, meter, 5000n, { validFrom: revokedAt + 1n });
    await f.certs.submitCertificate(fresh, await sign(f, fresh));
    expect(await f.certs.authorizedCapacityAt(meter, f.startPeriod + 3)).to.equal(5000n);
  });

  it("a spare certificate issued before a fraud-proof deauthorization is refused", async () => {
    const f = await load();
    const b4 = loadBuilding(4);
    const meter = f.prosumerMeters[0];
    await certify(f, meter.address, BigInt(b4.capacityW));
    const now = BigInt(await networkHelpers.time.latest());
    const spare = await makeCert(f, meter.address, 9000n, { validFrom: now - 30n });
    const spareSig = await sign(f, spare);
    const period = f.startPeriod + 1;
    const over = await signReading(
      meter,
      await domainOf(f),
      scaledReading(b4, sunniestPeriod(b4), meter.address, period, 2n, 1n),
    );
    await f.mock.setProven(proofArg(over), true);
    await f.warpToPeriod(period + 1);
    await f.certs.proveOverCapacity(proofArg(over));
    expect(await f.certs.authorizedCapacityAt(meter.address, period + 1)).to.equal(0n);
    await expect(f.certs.submitCertificate(spare, spareSig))
      .to.be.revertedWithCustomError(f.certs, "CertificateVoided")
      .withArgs(spare.certId, spare.validFrom, periodStart(period, f.epoch));
    expect(await f.certs.authorizedCapacityAt(meter.address, period + 1)).to.equal(0n);
  });

  it("the certificate issued last stands, whatever order the certificates are submitted in", async () => {
    const f = await load();
    const [a, b] = f.prosumerMeters.map((w) => w.address);
    const now = BigInt(await networkHelpers.time.latest());
    const older = (meter: string) => makeCert(f, meter, 9000n, { validFrom: now - 3_600n });
    const newer = (meter: string) => makeCert(f, meter, 3000n, { validFrom: now - 60n });
    // Meter a: newer first, then the older, larger one. Meter b: the other way round.
    const submitted = new Map<string, string>();
    for (const [meter, order] of [
      [a, [newer, older]],
      [b, [older, newer]],
    ] as const) {
      for (const make of order) {
        const cert = await make(meter);
        await f.certs.submitCertificate(cert, await sign(f, cert));
        if (make === newer) submitted.set(meter, cert.certId);
      }
    }
    for (const period of [f.startPeriod, f.startPeriod + 1, f.startPeriod + 40]) {
      expect(await f.certs.authorizedCapacityAt(a, period)).to.equal(3000n, `a @ ${period}`);
      expect(await f.certs.authorizedCapacityAt(b, period)).to.equal(3000n, `b @ ${period}`);
    }
    const [newest] = (await f.certs.authorizationsOf(a)).filter((x) => x.capacityW === 3000n);
    expect(newest.issuedAt).to.equal(now - 60n);
    // Revoking the newest does not bring the older one back.
    await f.warpToPeriod(f.startPeriod + 2);
    await f.certs.connect(f.dgmd).revokeCertificate(submitted.get(a)!);
    expect(await f.certs.authorizedCapacityAt(a, f.startPeriod + 1)).to.equal(3000n);
    expect(await f.certs.authorizedCapacityAt(a, f.startPeriod + 2)).to.equal(0n);
  });

  it("refuses a certificate issued before its meter replaced the old one, and one dated in the future", async () => {
    const f = await load();
    const old = f.prosumerMeters[0].address;
    await certify(f, old, 4000n);
    const fresh = Wallet.createRandom().address;
    const early = await makeCert(f, fresh, 4000n);
    const earlySig = await sign(f, early);
    await f.warpToPeriod(f.startPeriod + 2);
    // Only a tampered (or removed) meter is replaced.
    await f.registry.connect(f.votersOf(1)[0]).reportTamper(old);
    await f.registry.replaceMeter(old, fresh, "WP-16");
    await expect(f.certs.submitCertificate(early, earlySig))
      .to.be.revertedWithCustomError(f.certs, "CertificateVoided")
      .withArgs(early.certId, early.validFrom, periodStart(f.startPeriod + 2, f.epoch));
    const now = BigInt(await networkHelpers.time.latest());
    const postDated = await makeCert(f, fresh, 4000n, { validFrom: now + 3_600n });
    await expect(f.certs.submitCertificate(postDated, await sign(f, postDated)))
      .to.be.revertedWithCustomError(f.certs, "NotYetIssued")
      .withArgs(postDated.certId, now + 3_600n, now + 1n);
    await certify(f, fresh, 4200n, f.certs, { validFrom: now });
    expect(await f.certs.authorizedCapacityAt(getAddress(fresh), f.startPeriod + 3)).to.equal(4200n);
  });

  it("refuses a second certificate of one meter with the same issue time", async () => {
    const f = await load();
    const meter = f.prosumerMeters[0].address;
    const first = await certify(f, meter, 4000n);
    const twin = await makeCert(f, meter, 5000n, { validFrom: first.validFrom });
    await expect(f.certs.submitCertificate(twin, await sign(f, twin)))
      .to.be.revertedWithCustomError(f.certs, "IssueTimeTaken")
      .withArgs(meter, first.validFrom);
  });
});

describe("CapacityCertificates: a fraud proof reaches only what it proves (SPEC 8)", () => {
  const b4 = loadBuilding(4);

  async function upgradedReading(f: DgmdFixture, period: number) {
    const meter = f.prosumerMeters[0];
    const r = await signReading(
      meter,
      await domainOf(f),
      scaledReading(b4, sunniestPeriod(b4), meter.address, period, 2n, 1n),
    );
    await f.mock.setProven(proofArg(r), true);
    return r;
  }

  it("an old reading does not deauthorize a certificate issued after it (re-certified after an upgrade)", async () => {
    const f = await load();
    const meter = f.prosumerMeters[0].address;
    await certify(f, meter, BigInt(b4.capacityW));
    const q1 = f.startPeriod + 1;
    const q2 = f.startPeriod + 3;
    const old = await upgradedReading(f, q1);
    const recent = await upgradedReading(f, q2);
    await f.warpToPeriod(q2 + 1);
    await f.certs.proveOverCapacity(proofArg(recent));
    // The DGMD visits and re-certifies the upgraded array.
    await f.warpToPeriod(q2 + 3);
    await certify(f, meter, 10_000n);
    expect(await f.certs.authorizedCapacityAt(meter, q2 + 3)).to.equal(10_000n);
    // The older violating reading still proves its own period...
    await expect(f.certs.proveOverCapacity(proofArg(old)))
      .to.emit(f.certs, "ProsumerDeauthorized")
      .withArgs(meter, q1, old.reading.peakGenerationW, BigInt(b4.capacityW), 1000, f.utility.address);
    expect(await f.certs.authorizedCapacityAt(meter, q1 - 1)).to.equal(BigInt(b4.capacityW));
    expect(await f.certs.authorizedCapacityAt(meter, q1)).to.equal(0n);
    // ...but never reaches the certificate issued after it.
    for (const p of [q2 + 3, q2 + 4, q2 + 100]) {
      expect(await f.certs.authorizedCapacityAt(meter, p)).to.equal(10_000n);
    }
    await expect(f.certs.proveOverCapacity(proofArg(recent)))
      .to.be.revertedWithCustomError(f.certs, "NotAuthorizedAt")
      .withArgs(meter, q2);
  });

  it("judges a reading by the tolerance in force in its period, not today's", async () => {
    const f = await load();
    const b = f.prosumerMeters[1];
    await certify(f, b.address, 4000n);
    // 15% from the next period on.
    await expect(f.certs.connect(f.dgmd).setTolerance(1500))
      .to.emit(f.certs, "ToleranceSet")
      .withArgs(1000, 1500, f.startPeriod + 1);
    expect(await f.certs.toleranceBps()).to.equal(1000n);
    expect(await f.certs.toleranceAt(f.startPeriod)).to.equal(1000n);
    expect(await f.certs.toleranceAt(f.startPeriod + 1)).to.equal(1500n);
    const domain = await domainOf(f);
    const b1 = loadBuilding(1);
    const base = scaledReading(b1, sunniestPeriod(b1), b.address, f.startPeriod + 1);
    const compliant = await signReading(b, domain, { ...base, peakGenerationW: 4500 }); // +12.5%
    await f.mock.setProven(proofArg(compliant), true);
    // Later the DGMD tightens to 10%: the old reading stays compliant.
    await f.warpToPeriod(f.startPeriod + 3);
    await f.certs.connect(f.dgmd).setTolerance(1000);
    await expect(f.certs.proveOverCapacity(proofArg(compliant)))
      .to.be.revertedWithCustomError(f.certs, "NotOverCapacity")
      .withArgs(b.address, f.startPeriod + 1, 4500, 4000n, 1500);
    // A reading taken under 10% is judged at 10%.
    const later = await signReading(b, domain, { ...base, period: f.startPeriod + 4, peakGenerationW: 4500 });
    await f.mock.setProven(proofArg(later), true);
    await f.warpToPeriod(f.startPeriod + 5);
    await expect(f.certs.proveOverCapacity(proofArg(later)))
      .to.emit(f.certs, "ProsumerDeauthorized")
      .withArgs(b.address, f.startPeriod + 4, 4500, 4000n, 1000, f.utility.address);
  });

  it("refuses readings older than the 13-week retention window", async () => {
    const f = await load();
    const meter = f.prosumerMeters[0].address;
    await certify(f, meter, BigInt(b4.capacityW));
    const tooOld = await upgradedReading(f, f.startPeriod);
    const justKept = await upgradedReading(f, f.startPeriod + 1);
    const now = f.startPeriod + 1 + RETENTION_PERIODS;
    await f.warpToPeriod(now);
    await expect(f.certs.proveOverCapacity(proofArg(tooOld)))
      .to.be.revertedWithCustomError(f.certs, "ReadingTooOld")
      .withArgs(meter, f.startPeriod, now);
    await expect(f.certs.proveOverCapacity(proofArg(justKept))).to.emit(f.certs, "ProsumerDeauthorized");
  });
});
