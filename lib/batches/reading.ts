/**
 * SPEC 4 meter readings: the typed value, its EIP-712 signature, the rules every reading must pass, and
 * the JSON shape the HTTP gateway exchanges. Twin of contracts/libraries/ReadingLib.sol.
 *
 * Plausibility rules we chose (SPEC 4 says "values out of range" without fixing them):
 * - every field fits its Solidity type (period, peaks: uint32; energies: uint64);
 * - balance: `loadWh + exportWh == generationWh + importWh`;
 * - a consumer meter has `generationWh == 0` and `peakGenerationW == 0`;
 * - peaks are at most `MAX_METER_POWER_W` (a low-voltage connection);
 * - `loadWh <= peakLoadW * 4 h` and `generationWh <= peakGenerationW * 4 h` (energy cannot exceed the
 *   peak average power held for the whole period);
 * - `exportWh <= generationWh` (a meter only exports what it generated in the period; by the balance
 *   this is the same as `importWh <= loadWh`).
 * The chain applies the same rules, in the same order, to every reading it takes as proven
 * (ReadingLib.violation); test/vectors/reading-rules.json pins the two.
 */
import {
  getAddress,
  recoverAddress,
  Signature,
  TypedDataEncoder,
  type Signer,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { checksumAddress } from "../address.js";
import { EIP712_NAME, EIP712_VERSION, MAX_METER_POWER_W, PERIOD_HOURS } from "../constants.js";
import { GridShareError } from "../errors.js";
import type { MeterKindName } from "../chain/schema.js";

/** One meter's reading for one 4-hour period (SPEC 4), in Wh and W. */
export interface Reading {
  /** Meter address, checksummed. */
  readonly meter: string;
  readonly period: number;
  readonly importWh: bigint;
  readonly exportWh: bigint;
  readonly loadWh: bigint;
  readonly generationWh: bigint;
  readonly peakLoadW: number;
  readonly peakGenerationW: number;
}

/** A reading with its meter's signature: `0x` + 65 bytes `r || s || v`, v = 27|28, low-s. */
export interface SignedReading {
  readonly reading: Reading;
  readonly signature: string;
}

/** EIP-712 types for ethers v6; field order is ReadingLib.READING_TYPEHASH's. */
export const READING_TYPES: Record<string, TypedDataField[]> = {
  Reading: [
    { name: "meter", type: "address" },
    { name: "period", type: "uint32" },
    { name: "importWh", type: "uint64" },
    { name: "exportWh", type: "uint64" },
    { name: "loadWh", type: "uint64" },
    { name: "generationWh", type: "uint64" },
    { name: "peakLoadW", type: "uint32" },
    { name: "peakGenerationW", type: "uint32" },
  ],
};

const ENERGY_FIELDS = ["importWh", "exportWh", "loadWh", "generationWh"] as const;
const UINT32_FIELDS = ["period", "peakLoadW", "peakGenerationW"] as const;
const READING_FIELDS = ["meter", ...UINT32_FIELDS, ...ENERGY_FIELDS] as const;

const UINT32_MAX = 2 ** 32 - 1;
const UINT64_MAX = (1n << 64n) - 1n;
/** secp256k1 group order; canonical signatures have `1 <= s <= n/2` (OpenZeppelin ECDSA's rule). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP256K1_HALF_N = SECP256K1_N >> 1n;
export const SIGNATURE_BYTES = 65;

// ---------------------------------------------------------------------------------------------- errors

/** A reading (or its JSON) lacks a field, has an unknown one, or a field of the wrong type. */
export class MalformedReadingError extends GridShareError {
  readonly field: string;
  constructor(field: string, problem: string) {
    super("MALFORMED_READING", `reading field "${field}": ${problem}`);
    this.field = field;
  }
}

/** A field does not fit its Solidity type (uint32 / uint64). */
export class ValueOutOfRangeError extends GridShareError {
  readonly field: string;
  constructor(field: string, value: bigint | number, max: bigint | number) {
    super("VALUE_OUT_OF_RANGE", `reading field "${field}" = ${value} is outside 0..${max}`);
    this.field = field;
  }
}

/** SPEC 4's energy balance `loadWh + exportWh == generationWh + importWh` does not hold. */
export class BalanceViolationError extends GridShareError {
  constructor(r: Reading) {
    super(
      "BALANCE_VIOLATION",
      `reading of ${r.meter} for period ${r.period} is unbalanced: load ${r.loadWh} + export ${r.exportWh} != ` +
        `generation ${r.generationWh} + import ${r.importWh} Wh; the meter must be inspected`,
    );
  }
}

/** A consumer meter reported generation. */
export class ConsumerGenerationError extends GridShareError {
  constructor(r: Reading) {
    super(
      "CONSUMER_GENERATION",
      `consumer meter ${r.meter} reported generation ${r.generationWh} Wh / peak ${r.peakGenerationW} W in ` +
        `period ${r.period}; only a certified prosumer may generate`,
    );
  }
}

/** Values fit their types but cannot come from a real meter (see the module's rules). */
export class ImplausibleReadingError extends GridShareError {
  readonly rule: string;
  constructor(r: Reading, rule: string) {
    super("IMPLAUSIBLE_READING", `reading of ${r.meter} for period ${r.period} is implausible: ${rule}`);
    this.rule = rule;
  }
}

/** The signature is not 65 bytes `r || s || v` with v 27|28, 0 < r < n and 0 < s <= n/2. */
export class NonCanonicalSignatureError extends GridShareError {
  constructor(problem: string) {
    super("NON_CANONICAL_SIGNATURE", `signature is not canonical: ${problem}; re-sign with the meter key`);
  }
}

/** The signature is valid but was made by another key than the reading's meter. */
export class SignatureMismatchError extends GridShareError {
  readonly recovered: string;
  constructor(meter: string, recovered: string) {
    super("SIGNATURE_MISMATCH", `reading claims meter ${meter} but was signed by ${recovered}`);
    this.recovered = recovered;
  }
}

// --------------------------------------------------------------------------------------------- EIP-712

/** SPEC 4's EIP-712 domain: "GridShare" / "1" / chainId / the ClusterRegistry. */
export function gridDomain(chainId: bigint, registry: string): TypedDataDomain {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId, verifyingContract: getAddress(registry) };
}

/** The EIP-712 digest the meter signs. */
export function readingDigest(domain: TypedDataDomain, reading: Reading): string {
  return TypedDataEncoder.hash(domain, READING_TYPES, reading);
}

/** EIP-712 struct hash of a reading (ReadingLib.hashStruct). */
export function readingStructHash(reading: Reading): string {
  return TypedDataEncoder.hashStruct("Reading", READING_TYPES, reading);
}

/** Sign a reading with the meter's key; the result is the canonical 65-byte low-s signature. */
export async function signReading(
  signer: Signer,
  domain: TypedDataDomain,
  reading: Reading,
): Promise<SignedReading> {
  return { reading, signature: await signTypedCanonical(signer, domain, READING_TYPES, { ...reading }) };
}

/** `signer`'s EIP-712 signature of `value`, as the canonical 65-byte low-s signature the contracts accept. */
export async function signTypedCanonical(
  signer: Signer,
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  value: Record<string, unknown>,
): Promise<string> {
  const raw = await signer.signTypedData(domain, types, value);
  // Signature.from normalises v to 27|28 and s to the low half, whatever the signer produced.
  const signature = Signature.from(raw).serialized;
  assertCanonicalSignature(signature);
  return signature;
}

/** Address whose key made `signature` over the EIP-712 `hash` (after the canonical-signature check). */
export function recoverCanonical(hash: string, signature: string): string {
  assertCanonicalSignature(signature);
  return recoverAddress(hash, signature);
}

/** Throws NonCanonicalSignatureError unless `sig` is `0x` + 65 bytes, v 27|28, 0 < r < n, 0 < s <= n/2. */
export function assertCanonicalSignature(sig: string): void {
  if (typeof sig !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(sig)) {
    throw new NonCanonicalSignatureError(`expected 0x + ${SIGNATURE_BYTES} bytes of hex`);
  }
  const r = BigInt(sig.slice(0, 66));
  const s = BigInt("0x" + sig.slice(66, 130));
  const v = parseInt(sig.slice(130, 132), 16);
  if (v !== 27 && v !== 28) throw new NonCanonicalSignatureError(`v is ${v}, expected 27 or 28`);
  if (r === 0n || r >= SECP256K1_N) throw new NonCanonicalSignatureError("r is outside 1..n-1");
  if (s === 0n) throw new NonCanonicalSignatureError("s is zero");
  if (s > SECP256K1_HALF_N) throw new NonCanonicalSignatureError("s is in the upper half (high-s)");
}

/** Address whose key signed the reading (after the canonical-signature check). */
export function recoverReadingSigner(domain: TypedDataDomain, signed: SignedReading): string {
  return recoverCanonical(readingDigest(domain, signed.reading), signed.signature);
}

/** Throws SignatureMismatchError unless the reading was signed by its own meter. */
export function verifyReadingSignature(domain: TypedDataDomain, signed: SignedReading): void {
  const recovered = recoverReadingSigner(domain, signed);
  if (recovered !== getAddress(signed.reading.meter)) {
    throw new SignatureMismatchError(signed.reading.meter, recovered);
  }
}

// ------------------------------------------------------------------------------------------------ rules

/**
 * SPEC 4's value rules in the order both twins check them; a rule's index is its ReadingLib.Rule value ("None"
 * is 0). The first broken rule is the one reported.
 */
export const READING_RULES = [
  "None",
  "Unbalanced",
  "ConsumerGeneration",
  "PeakLoadAboveMax",
  "PeakGenerationAboveMax",
  "LoadAbovePeak",
  "GenerationAbovePeak",
  "ExportAboveGeneration",
] as const;
export type ReadingRuleName = (typeof READING_RULES)[number];
export type ReadingRule = Exclude<ReadingRuleName, "None">;

/**
 * The first of SPEC 4's value rules a well-typed reading breaks, undefined when it breaks none (the twin of
 * ReadingLib.violation). `kind` "consumer" adds the no-generation rule.
 */
export function readingViolation(
  r: Reading,
  kind?: MeterKindName,
  maxPowerW: number = MAX_METER_POWER_W,
): ReadingRule | undefined {
  const hours = BigInt(PERIOD_HOURS);
  if (r.loadWh + r.exportWh !== r.generationWh + r.importWh) return "Unbalanced";
  if (kind === "consumer" && (r.generationWh !== 0n || r.peakGenerationW !== 0)) return "ConsumerGeneration";
  if (r.peakLoadW > maxPowerW) return "PeakLoadAboveMax";
  if (r.peakGenerationW > maxPowerW) return "PeakGenerationAboveMax";
  if (r.loadWh > BigInt(r.peakLoadW) * hours) return "LoadAbovePeak";
  if (r.generationWh > BigInt(r.peakGenerationW) * hours) return "GenerationAbovePeak";
  if (r.exportWh > r.generationWh) return "ExportAboveGeneration";
  return undefined;
}

/** What an implausible reading breaks, in words a meter engineer can act on. */
function implausibility(r: Reading, rule: ReadingRule, maxPowerW: number): string {
  switch (rule) {
    case "PeakLoadAboveMax":
      return `peakLoadW ${r.peakLoadW} W exceeds the ${maxPowerW} W meter limit`;
    case "PeakGenerationAboveMax":
      return `peakGenerationW ${r.peakGenerationW} W exceeds the ${maxPowerW} W meter limit`;
    case "LoadAbovePeak":
      return `loadWh ${r.loadWh} exceeds peakLoadW ${r.peakLoadW} W x ${PERIOD_HOURS} h`;
    case "GenerationAbovePeak":
      return `generationWh ${r.generationWh} exceeds peakGenerationW ${r.peakGenerationW} W x ${PERIOD_HOURS} h`;
    default:
      return `exportWh ${r.exportWh} exceeds generationWh ${r.generationWh}`;
  }
}

export interface CheckReadingOptions {
  /** The meter's registered kind; a consumer may not generate. */
  readonly kind?: MeterKindName;
  /** Deployment's maximum meter power in W (default MAX_METER_POWER_W). */
  readonly maxPowerW?: number;
}

function checkUint32(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new MalformedReadingError(field, `expected an integer number, got ${describe(v)}`);
  }
  if (v < 0 || v > UINT32_MAX) throw new ValueOutOfRangeError(field, v, UINT32_MAX);
  return v;
}

function checkUint64(field: string, v: unknown): bigint {
  if (typeof v !== "bigint") throw new MalformedReadingError(field, `expected a bigint, got ${describe(v)}`);
  if (v < 0n || v > UINT64_MAX) throw new ValueOutOfRangeError(field, v, UINT64_MAX);
  return v;
}

function checkMeter(v: unknown): string {
  if (typeof v !== "string")
    throw new MalformedReadingError("meter", `expected an address, got ${describe(v)}`);
  let a: string;
  try {
    a = checksumAddress(v);
  } catch {
    throw new MalformedReadingError("meter", `"${v}" is not an address (or its checksum is wrong)`);
  }
  if (a !== v) throw new MalformedReadingError("meter", `"${v}" is not checksummed; use ${a}`);
  return a;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length} item(s)`;
  if (typeof v === "string") return `string "${v.length > 40 ? v.slice(0, 40) + "..." : v}"`;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean")
    return `${typeof v} ${String(v)}`;
  return typeof v;
}

/**
 * Every SPEC 4 rule a reading must pass before it may enter a batch, in this order: shape, ranges,
 * balance, consumer, plausibility. Throws the first violation's error class.
 */
export function checkReading(reading: Reading, opts: CheckReadingOptions = {}): void {
  if (typeof reading !== "object" || reading === null) {
    throw new MalformedReadingError("reading", `expected an object, got ${describe(reading)}`);
  }
  checkMeter(reading.meter);
  for (const f of UINT32_FIELDS) checkUint32(f, reading[f]);
  for (const f of ENERGY_FIELDS) checkUint64(f, reading[f]);
  const maxPowerW = opts.maxPowerW ?? MAX_METER_POWER_W;
  const rule = readingViolation(reading, opts.kind, maxPowerW);
  if (rule === undefined) return;
  if (rule === "Unbalanced") throw new BalanceViolationError(reading);
  if (rule === "ConsumerGeneration") throw new ConsumerGenerationError(reading);
  throw new ImplausibleReadingError(reading, implausibility(reading, rule, maxPowerW));
}

// ------------------------------------------------------------------------------------------- encoding

/** `abi.encode(meter, period, importWh, exportWh, loadWh, generationWh, peakLoadW, peakGenerationW)`: 256 bytes. */
export function encodeReadingFields(reading: Reading): Uint8Array {
  const out = new Uint8Array(8 * 32);
  writeReadingFields(out, 0, reading);
  return out;
}

const HEX_RE = /^0x[0-9a-fA-F]{40}$/;

/**
 * Write the 256-byte ABI encoding into `out` at `offset` (which must be zeroed there). Hand-rolled so
 * that leaf hashing allocates nothing per field; pinned to ethers' AbiCoder by the tests.
 */
export function writeReadingFields(out: Uint8Array, offset: number, r: Reading): void {
  if (typeof r.meter !== "string" || !HEX_RE.test(r.meter)) {
    throw new MalformedReadingError("meter", `expected 0x + 20 bytes of hex, got ${describe(r.meter)}`);
  }
  for (let i = 0; i < 20; i++) {
    out[offset + 12 + i] =
      (nibble(r.meter.charCodeAt(2 + 2 * i)) << 4) | nibble(r.meter.charCodeAt(3 + 2 * i));
  }
  writeUint(out, offset + 32, BigInt(checkUint32("period", r.period)));
  writeUint(out, offset + 64, checkUint64("importWh", r.importWh));
  writeUint(out, offset + 96, checkUint64("exportWh", r.exportWh));
  writeUint(out, offset + 128, checkUint64("loadWh", r.loadWh));
  writeUint(out, offset + 160, checkUint64("generationWh", r.generationWh));
  writeUint(out, offset + 192, BigInt(checkUint32("peakLoadW", r.peakLoadW)));
  writeUint(out, offset + 224, BigInt(checkUint32("peakGenerationW", r.peakGenerationW)));
}

const UINT32 = 0xffffffffn;

/** The value of one hex digit's char code (the caller has checked it is one). */
function nibble(c: number): number {
  // '0'-'9' are 48-57; 'A'-'F' 65-70 and 'a'-'f' 97-102 share their low bits (c & 7 is 1..6).
  return c <= 57 ? c - 48 : (c & 7) + 9;
}

/** Big-endian uint64 into the low 8 bytes of a 32-byte word (two 32-bit halves: fewer BigInt steps). */
function writeUint(out: Uint8Array, word: number, v: bigint): void {
  const hi = Number((v >> 32n) & UINT32);
  const lo = Number(v & UINT32);
  for (let i = 0; i < 4; i++) {
    out[word + 27 - i] = (hi >>> (8 * i)) & 0xff;
    out[word + 31 - i] = (lo >>> (8 * i)) & 0xff;
  }
}

// ----------------------------------------------------------------------------------------------- JSON

/** The gateway's JSON shape: energies as decimal strings (they exceed 2^53), the rest as is. */
export interface ReadingJson {
  meter: string;
  period: number;
  importWh: string;
  exportWh: string;
  loadWh: string;
  generationWh: string;
  peakLoadW: number;
  peakGenerationW: number;
}

export interface SignedReadingJson {
  reading: ReadingJson;
  signature: string;
}

/** One meter-period's measured energies, the values a smart meter signs (SPEC 4), in Wh and W. */
export interface PeriodEnergy extends Omit<Reading, "meter" | "period"> {
  /** Period index of the data source (a data loader's own numbering). */
  readonly index: number;
}

/** The reading a meter signs for `period` from a measured period's energies (lib/data). */
export function readingFromEnergy(meter: string, period: number, e: PeriodEnergy): Reading {
  return {
    meter,
    period,
    importWh: e.importWh,
    exportWh: e.exportWh,
    loadWh: e.loadWh,
    generationWh: e.generationWh,
    peakLoadW: e.peakLoadW,
    peakGenerationW: e.peakGenerationW,
  };
}

export function readingToJson(r: Reading): ReadingJson {
  return {
    meter: r.meter,
    period: r.period,
    importWh: r.importWh.toString(),
    exportWh: r.exportWh.toString(),
    loadWh: r.loadWh.toString(),
    generationWh: r.generationWh.toString(),
    peakLoadW: r.peakLoadW,
    peakGenerationW: r.peakGenerationW,
  };
}

export function signedReadingToJson(s: SignedReading): SignedReadingJson {
  return { reading: readingToJson(s.reading), signature: s.signature };
}

const DECIMAL_RE = /^(0|[1-9][0-9]{0,19})$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new MalformedReadingError(k, `unknown field in ${where}`);
  }
  for (const k of allowed) {
    if (!(k in obj)) throw new MalformedReadingError(k, `missing in ${where}`);
  }
}

/**
 * Strictly parse a reading's JSON: exactly the 8 fields, energies as decimal strings (no sign, no
 * leading zeros, no exponent), period and peaks as integer numbers, meter as an address (normalised
 * to its checksum). Does NOT apply checkReading's rules: a parsed reading may still be quarantined.
 */
export function readingFromJson(json: unknown): Reading {
  if (!isRecord(json))
    throw new MalformedReadingError("reading", `expected an object, got ${describe(json)}`);
  onlyKeys(json, READING_FIELDS, "reading");
  const meterRaw = json.meter;
  if (typeof meterRaw !== "string" || !HEX_RE.test(meterRaw)) {
    throw new MalformedReadingError("meter", `expected 0x + 40 hex digits, got ${describe(meterRaw)}`);
  }
  let meter: string;
  try {
    meter = checksumAddress(meterRaw);
  } catch {
    throw new MalformedReadingError("meter", `"${meterRaw}" has a wrong checksum`);
  }
  const energy = (f: (typeof ENERGY_FIELDS)[number]): bigint => {
    const v = json[f];
    if (typeof v !== "string" || !DECIMAL_RE.test(v)) {
      throw new MalformedReadingError(f, `expected a decimal string such as "1234", got ${describe(v)}`);
    }
    return checkUint64(f, BigInt(v));
  };
  return {
    meter,
    period: checkUint32("period", json.period),
    importWh: energy("importWh"),
    exportWh: energy("exportWh"),
    loadWh: energy("loadWh"),
    generationWh: energy("generationWh"),
    peakLoadW: checkUint32("peakLoadW", json.peakLoadW),
    peakGenerationW: checkUint32("peakGenerationW", json.peakGenerationW),
  };
}

/** Strictly parse `{ reading, signature }`; the signature must be canonical (lower-cased on output). */
export function signedReadingFromJson(json: unknown): SignedReading {
  if (!isRecord(json)) {
    throw new MalformedReadingError("signedReading", `expected an object, got ${describe(json)}`);
  }
  onlyKeys(json, ["reading", "signature"], "signed reading");
  const reading = readingFromJson(json.reading);
  const sig = json.signature;
  if (typeof sig !== "string") {
    throw new MalformedReadingError("signature", `expected a 0x hex string, got ${describe(sig)}`);
  }
  assertCanonicalSignature(sig);
  return { reading, signature: sig.toLowerCase() };
}
