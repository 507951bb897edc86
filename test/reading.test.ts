import { readFileSync } from "node:fs";
import { expect } from "chai";
import { AbiCoder, getAddress, Signature, toBeHex, TypedDataEncoder, Wallet, id } from "ethers";
import { loadBuilding } from "../lab/data/citylearn.js";
import { GridShareError } from "../lib/errors.js";
import {
  readingFromEnergy,
  assertCanonicalSignature,
  BalanceViolationError,
  checkReading,
  ConsumerGenerationError,
  encodeReadingFields,
  gridDomain,
  ImplausibleReadingError,
  MalformedReadingError,
  NonCanonicalSignatureError,
  READING_RULES,
  READING_TYPES,
  readingViolation,
  readingFromJson,
  readingToJson,
  recoverReadingSigner,
  signedReadingFromJson,
  signedReadingToJson,
  SignatureMismatchError,
  signReading,
  ValueOutOfRangeError,
  verifyReadingSignature,
  type Reading,
  type SignedReading,
} from "../lib/batches/reading.js";
import { buildReadingRuleVectors, vectorReading, type ReadingRuleVectors } from "./vectors/reading-rules.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const UINT64_MAX = (1n << 64n) - 1n;
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = gridDomain(31337n, REGISTRY);

/** Deterministic meter keys for Buildings 1-12. */
function meterWallet(building: number): Wallet {
  return new Wallet(id(`gridshare-test-meter-${building}`));
}

function readingOf(building: number, period: number): Reading {
  return readingFromEnergy(meterWallet(building).address, period, loadBuilding(building).periods[period]!);
}

/** A consumer meter's reading derived from a building's load alone (no PV behind the meter). */
function consumerReading(building: number, period: number): Reading {
  const r = readingOf(building, period);
  return { ...r, importWh: r.loadWh, exportWh: 0n, generationWh: 0n, peakGenerationW: 0 };
}

function withS(sig: string, f: (s: bigint, v: number) => { s: bigint; v: number }): string {
  const r = sig.slice(2, 66);
  const { s, v } = f(BigInt("0x" + sig.slice(66, 130)), parseInt(sig.slice(130), 16));
  return "0x" + r + toBeHex(s, 32).slice(2) + v.toString(16).padStart(2, "0");
}

describe("reading (SPEC 4)", () => {
  describe("EIP-712 shape", () => {
    it("encodes the Reading type exactly as ReadingLib.READING_TYPEHASH", () => {
      expect(TypedDataEncoder.from(READING_TYPES).encodeType("Reading")).to.equal(
        "Reading(address meter,uint32 period,uint64 importWh,uint64 exportWh,uint64 loadWh,uint64 generationWh," +
          "uint32 peakLoadW,uint32 peakGenerationW)",
      );
    });

    it("builds the GridShare domain with a checksummed registry", () => {
      expect(gridDomain(7n, REGISTRY.toLowerCase())).to.deep.equal({
        name: "GridShare",
        version: "1",
        chainId: 7n,
        verifyingContract: REGISTRY,
      });
    });
  });

  describe("signatures", () => {
    it("signs real readings of Buildings 1-12 canonically and recovers each meter", async () => {
      for (let b = 1; b <= 12; b++) {
        const signed = await signReading(meterWallet(b), domain, readingOf(b, 100 + b));
        expect(signed.signature).to.match(/^0x[0-9a-f]{130}$/);
        const sig = Signature.from(signed.signature);
        expect([27, 28]).to.include(sig.v);
        expect(BigInt(sig.s) <= N / 2n).to.equal(true);
        expect(recoverReadingSigner(domain, signed)).to.equal(meterWallet(b).address);
        expect(() => verifyReadingSignature(domain, signed)).not.to.throw();
      }
    });

    it("refuses a reading signed by another key", async () => {
      const r = readingOf(1, 10);
      const forged = await signReading(meterWallet(2), domain, r);
      expect(() => verifyReadingSignature(domain, forged)).to.throw(SignatureMismatchError);
    });

    it("refuses a reading altered after signing", async () => {
      const signed = await signReading(meterWallet(3), domain, readingOf(3, 20));
      const altered = { ...signed, reading: { ...signed.reading, loadWh: signed.reading.loadWh + 1n } };
      expect(() => verifyReadingSignature(domain, altered)).to.throw(SignatureMismatchError);
    });

    it("refuses a signature for another domain (chain or registry)", async () => {
      const signed = await signReading(meterWallet(4), gridDomain(1n, REGISTRY), readingOf(4, 30));
      expect(() => verifyReadingSignature(domain, signed)).to.throw(SignatureMismatchError);
    });

    it("refuses the high-s twin of a valid signature, and bad v, r, s or length", async () => {
      const signed = await signReading(meterWallet(5), domain, readingOf(5, 40));
      const highS = withS(signed.signature, (s, v) => ({ s: N - s, v: v === 27 ? 28 : 27 }));
      // The twin is a valid ECDSA signature of the same digest: only the canonical rule refuses it.
      expect(() => recoverReadingSigner(domain, { ...signed, signature: highS })).to.throw(
        NonCanonicalSignatureError,
        /high-s/,
      );
      const v01 = withS(signed.signature, (s, v) => ({ s, v: v - 27 }));
      expect(() => assertCanonicalSignature(v01)).to.throw(NonCanonicalSignatureError, /v is/);
      const sZero = withS(signed.signature, (_s, v) => ({ s: 0n, v }));
      expect(() => assertCanonicalSignature(sZero)).to.throw(NonCanonicalSignatureError, /s is zero/);
      const rZero = "0x" + "00".repeat(32) + signed.signature.slice(66);
      expect(() => assertCanonicalSignature(rZero)).to.throw(NonCanonicalSignatureError, /r is outside/);
      const rN = "0x" + toBeHex(N, 32).slice(2) + signed.signature.slice(66);
      expect(() => assertCanonicalSignature(rN)).to.throw(NonCanonicalSignatureError, /r is outside/);
      expect(() => assertCanonicalSignature(signed.signature.slice(0, 130))).to.throw(
        NonCanonicalSignatureError,
      );
      expect(() => assertCanonicalSignature(signed.signature + "00")).to.throw(NonCanonicalSignatureError);
      expect(() => assertCanonicalSignature("0x" + "zz".repeat(65))).to.throw(NonCanonicalSignatureError);
    });
  });

  describe("checkReading", () => {
    it("accepts every period of Buildings 1-12 as prosumer readings", () => {
      for (let b = 1; b <= 12; b++) {
        const periods = loadBuilding(b).periods;
        for (let p = 0; p < periods.length; p += 23) checkReading(readingOf(b, p), { kind: "prosumer" });
      }
    });

    it("accepts a consumer reading without generation", () => {
      expect(() => checkReading(consumerReading(6, 50), { kind: "consumer" })).not.to.throw();
    });

    it("refuses a balance violation", () => {
      const r = readingOf(1, 5);
      expect(() => checkReading({ ...r, importWh: r.importWh + 1n })).to.throw(BalanceViolationError);
      expect(() => checkReading({ ...r, exportWh: r.exportWh + 1n })).to.throw(BalanceViolationError);
    });

    it("refuses generation on a consumer meter (energy or peak)", () => {
      const r = readingOf(2, 63); // 12:00-16:00, PV generating
      expect(() => checkReading(r, { kind: "consumer" })).to.throw(ConsumerGenerationError);
      const peakOnly = { ...consumerReading(2, 63), peakGenerationW: 1 };
      expect(() => checkReading(peakOnly, { kind: "consumer" })).to.throw(ConsumerGenerationError);
      expect(() => checkReading(peakOnly, { kind: "prosumer" })).not.to.throw();
    });

    it("refuses values outside uint32 / uint64", () => {
      const r = readingOf(7, 1);
      const cases: [Partial<Reading>, string][] = [
        [{ period: -1 }, "period"],
        [{ period: 2 ** 32 }, "period"],
        [{ peakLoadW: 2 ** 32 }, "peakLoadW"],
        [{ peakGenerationW: -5 }, "peakGenerationW"],
        [{ importWh: -1n }, "importWh"],
        [{ loadWh: UINT64_MAX + 1n }, "loadWh"],
      ];
      for (const [patch, field] of cases) {
        expect(() => checkReading({ ...r, ...patch }), field)
          .to.throw(ValueOutOfRangeError)
          .with.property("field", field);
      }
    });

    it("refuses malformed fields, naming them", () => {
      const r = readingOf(8, 1);
      const cases: [Record<string, unknown>, string][] = [
        [{ meter: 42 }, "meter"],
        [{ meter: r.meter.toLowerCase() }, "meter"],
        [{ meter: "0x1234" }, "meter"],
        [{ period: 1.5 }, "period"],
        [{ period: "3" }, "period"],
        [{ exportWh: 5 }, "exportWh"],
      ];
      for (const [patch, field] of cases) {
        expect(() => checkReading({ ...r, ...patch } as unknown as Reading), field)
          .to.throw(MalformedReadingError)
          .with.property("field", field);
      }
    });

    it("refuses physically implausible readings", () => {
      const r = readingOf(9, 3);
      // Peak above the meter limit (balanced, in range).
      expect(() => checkReading({ ...r, peakLoadW: 250_001 })).to.throw(ImplausibleReadingError, /peakLoadW/);
      expect(() => checkReading({ ...r, peakGenerationW: 250_001 })).to.throw(
        ImplausibleReadingError,
        /peakGen/,
      );
      // Energy above peak x 4 h: shift 1 Wh more load, balanced by 1 Wh more import.
      const maxLoad = BigInt(r.peakLoadW) * 4n;
      const tooMuchLoad = { ...r, loadWh: maxLoad + 1n, importWh: r.importWh + (maxLoad + 1n - r.loadWh) };
      expect(() => checkReading(tooMuchLoad)).to.throw(ImplausibleReadingError, /loadWh/);
      const g = readingOf(9, 2189 - 800); // any period: add generation beyond its peak, exported
      const maxGen = BigInt(g.peakGenerationW) * 4n;
      const extra = maxGen + 1n - g.generationWh;
      const tooMuchGen = { ...g, generationWh: maxGen + 1n, exportWh: g.exportWh + extra };
      expect(() => checkReading(tooMuchGen)).to.throw(ImplausibleReadingError, /generationWh/);
      // Exporting more than generated: balanced by importing the difference.
      const c = consumerReading(9, 3);
      const exportNoGen = { ...c, exportWh: 10n, importWh: c.importWh + 10n };
      expect(() => checkReading(exportNoGen)).to.throw(ImplausibleReadingError, /exportWh/);
      // A deployment may lower the power limit.
      expect(() => checkReading(r, { maxPowerW: r.peakLoadW - 1 })).to.throw(ImplausibleReadingError);
      expect(() => checkReading(r, { maxPowerW: r.peakLoadW })).not.to.throw();
    });

    it("every refusal is a GridShareError with its own code", () => {
      const codes = [
        new MalformedReadingError("x", "y"),
        new ValueOutOfRangeError("x", 1, 0),
        new BalanceViolationError(readingOf(1, 1)),
        new ConsumerGenerationError(readingOf(1, 1)),
        new ImplausibleReadingError(readingOf(1, 1), "z"),
        new NonCanonicalSignatureError("z"),
        new SignatureMismatchError("a", "b"),
      ].map((e) => {
        expect(e).to.be.instanceOf(GridShareError);
        return e.code;
      });
      expect(new Set(codes).size).to.equal(codes.length);
    });
  });

  describe("encodeReadingFields", () => {
    it("equals ethers' abi.encode of the 8 fields, real and extreme values", () => {
      const extreme: Reading = {
        meter: getAddress("0xffffffffffffffffffffffffffffffffffffffff"),
        period: 2 ** 32 - 1,
        importWh: UINT64_MAX,
        exportWh: 1n,
        loadWh: 0n,
        generationWh: UINT64_MAX - 1n,
        peakLoadW: 2 ** 32 - 1,
        peakGenerationW: 0,
      };
      const types = ["address", "uint32", "uint64", "uint64", "uint64", "uint64", "uint32", "uint32"];
      for (const r of [readingOf(10, 500), readingOf(11, 0), extreme]) {
        const want = AbiCoder.defaultAbiCoder().encode(types, [
          r.meter,
          r.period,
          r.importWh,
          r.exportWh,
          r.loadWh,
          r.generationWh,
          r.peakLoadW,
          r.peakGenerationW,
        ]);
        expect("0x" + Buffer.from(encodeReadingFields(r)).toString("hex")).to.equal(want);
      }
    });

    it("refuses a value that does not fit the ABI type", () => {
      expect(() => encodeReadingFields({ ...readingOf(1, 1), loadWh: 1n << 64n })).to.throw(
        ValueOutOfRangeError,
      );
    });
  });

  describe("JSON", () => {
    let signed: SignedReading;
    before(async () => {
      signed = await signReading(meterWallet(12), domain, readingOf(12, 777));
    });

    it("round-trips a signed reading exactly, energies as decimal strings", () => {
      const json = JSON.parse(JSON.stringify(signedReadingToJson(signed))) as unknown;
      expect((json as { reading: { loadWh: unknown } }).reading.loadWh).to.equal(
        signed.reading.loadWh.toString(),
      );
      expect(signedReadingFromJson(json)).to.deep.equal(signed);
      expect(readingFromJson(readingToJson(signed.reading))).to.deep.equal(signed.reading);
    });

    it("normalises a lower-case meter to its checksum and the signature to lower case", () => {
      const j = signedReadingToJson(signed);
      const parsed = signedReadingFromJson({
        reading: { ...j.reading, meter: j.reading.meter.toLowerCase() },
        signature: j.signature.toUpperCase().replace("0X", "0x"),
      });
      expect(parsed).to.deep.equal(signed);
    });

    it("refuses malformed JSON, naming the field", () => {
      const j = readingToJson(signed.reading) as unknown as Record<string, unknown>;
      const bad: [Record<string, unknown>, string][] = [
        [{ ...j, loadWh: 12 }, "loadWh"],
        [{ ...j, loadWh: "012" }, "loadWh"],
        [{ ...j, importWh: "-1" }, "importWh"],
        [{ ...j, exportWh: "1e3" }, "exportWh"],
        [{ ...j, generationWh: " 5" }, "generationWh"],
        [{ ...j, period: "5" }, "period"],
        [{ ...j, peakLoadW: 1.25 }, "peakLoadW"],
        [{ ...j, meter: "0x" + "g".repeat(40) }, "meter"],
        [{ ...j, meter: String(j.meter).replace(/[a-f]/, (c: string) => c.toUpperCase()) }, "meter"],
        [{ ...j, extra: 1 }, "extra"],
      ];
      const { peakGenerationW: _drop, ...missing } = j;
      bad.push([missing, "peakGenerationW"]);
      for (const [json, field] of bad) {
        expect(() => readingFromJson(json), field)
          .to.throw(MalformedReadingError)
          .with.property("field", field);
      }
      expect(() => readingFromJson([j])).to.throw(MalformedReadingError);
      expect(() => readingFromJson({ ...j, loadWh: (1n << 64n).toString() })).to.throw(ValueOutOfRangeError);
      expect(() => readingFromJson({ ...j, period: 2 ** 32 })).to.throw(ValueOutOfRangeError);
    });

    it("refuses a malformed signed-reading envelope or signature", () => {
      const j = signedReadingToJson(signed);
      expect(() => signedReadingFromJson({ reading: j.reading })).to.throw(MalformedReadingError);
      expect(() => signedReadingFromJson({ ...j, sig: "0x" })).to.throw(MalformedReadingError);
      expect(() => signedReadingFromJson({ ...j, signature: 5 })).to.throw(MalformedReadingError);
      expect(() => signedReadingFromJson({ ...j, signature: j.signature.slice(0, 40) })).to.throw(
        NonCanonicalSignatureError,
      );
      expect(() => signedReadingFromJson(null)).to.throw(MalformedReadingError);
    });
  });
});

describe("reading rules: the TypeScript twin of ReadingLib.violation (shared vectors)", () => {
  const committed = JSON.parse(
    readFileSync(new URL("./vectors/reading-rules.json", import.meta.url), "utf8"),
  ) as ReadingRuleVectors;

  it("committed vectors are exactly what the TS rules generate (regenerate: npx tsx scripts/vectors/reading-rules.ts)", () => {
    expect(committed).to.deep.equal(buildReadingRuleVectors());
  });

  it("covers every rule, and readingViolation gives each vector's rule in the shared order", () => {
    const seen = new Set<string>();
    for (let i = 0; i < committed.rule.length; i++) {
      const { reading, consumer } = vectorReading(committed, i);
      const expected = READING_RULES[Number(committed.rule[i])];
      expect(readingViolation(reading, consumer ? "consumer" : "prosumer") ?? "None").to.equal(
        expected,
        `row ${i}`,
      );
      seen.add(expected);
    }
    expect([...seen].sort()).to.deep.equal([...READING_RULES].sort());
  });

  it("checkReading refuses exactly the readings that break a rule, with the rule's error class", () => {
    const classes: Record<string, new (...a: never[]) => GridShareError> = {
      Unbalanced: BalanceViolationError,
      ConsumerGeneration: ConsumerGenerationError,
    };
    for (let i = 0; i < committed.rule.length; i++) {
      const { reading, consumer } = vectorReading(committed, i);
      const rule = READING_RULES[Number(committed.rule[i])];
      const check = () => checkReading(reading, { kind: consumer ? "consumer" : "prosumer" });
      if (rule === "None") expect(check).not.to.throw();
      else expect(check).to.throw(classes[rule] ?? ImplausibleReadingError);
    }
  });
});
