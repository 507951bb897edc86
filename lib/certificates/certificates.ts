/**
 * SPEC 8: DGMD capacity certificates off-chain: the EIP-712 type (twin of CapacityCertificates.sol), signing,
 * the tolerance rule, and parsing/validation of an application file before anything is sent.
 */
import {
  getAddress,
  hexlify,
  isAddress,
  isHexString,
  randomBytes,
  type TypedDataDomain,
  type Signer,
} from "ethers";
import { EIP712_NAME, EIP712_VERSION } from "../constants.js";
import { GridShareError, InvalidFileError } from "../errors.js";
import { readJsonFile } from "../args.js";
import type { PersonalData } from "./record.js";

export const BPS = 10_000n;
export const MIN_TOLERANCE_BPS = 1_000;
export const MAX_TOLERANCE_BPS = 1_500;
const UINT64_MAX = (1n << 64n) - 1n;

/** The fields the DGMD signs (CapacityCertificates.Certificate). */
export interface Certificate {
  readonly meter: string;
  readonly installedCapacityW: bigint;
  readonly infoCommitment: string;
  readonly validFrom: bigint;
  readonly validUntil: bigint;
  readonly certId: string;
}

export const CERTIFICATE_TYPES = {
  Certificate: [
    { name: "meter", type: "address" },
    { name: "installedCapacityW", type: "uint64" },
    { name: "infoCommitment", type: "bytes32" },
    { name: "validFrom", type: "uint64" },
    { name: "validUntil", type: "uint64" },
    { name: "certId", type: "bytes32" },
  ],
};

/** The certificate domain: verifying contract = the CapacityCertificates contract (not the registry). */
export function certificateDomain(chainId: bigint, certificates: string): TypedDataDomain {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId, verifyingContract: getAddress(certificates) };
}

/** The DGMD's 65-byte EIP-712 signature of a certificate. */
export async function signCertificate(
  signer: Signer,
  domain: TypedDataDomain,
  cert: Certificate,
): Promise<string> {
  return signer.signTypedData(domain, CERTIFICATE_TYPES, { ...cert });
}

/** SPEC 8 violation rule in exact integers (twin of CapacityCertificates.violatesTolerance). */
export function violatesTolerance(
  peakGenerationW: bigint,
  installedCapacityW: bigint,
  toleranceBps: bigint,
): boolean {
  return peakGenerationW * BPS > installedCapacityW * (BPS + toleranceBps);
}

/** The largest peak (W) still within tolerance: floor(capacity * (10000 + tol) / 10000). */
export function maxPeakWithinTolerance(installedCapacityW: bigint, toleranceBps: bigint): bigint {
  return (installedCapacityW * (BPS + toleranceBps)) / BPS;
}

/**
 * SPEC 8's issue rule: a certificate is issued at its `validFrom`, which may not lie in the future, and must be
 * issued after the meter's latest revocation, deauthorization or replacement (`voidThrough`, the contract's view).
 */
export function checkIssueTime(
  cert: Pick<Certificate, "certId" | "validFrom">,
  now: bigint,
  voidThrough: bigint,
): void {
  if (cert.validFrom > now) {
    throw new GridShareError(
      "NOT_YET_ISSUED",
      `certificate ${cert.certId}: validFrom ${cert.validFrom} (its issue time) is after now (${now}); ` +
        "date it at the site visit, or submit it from then on",
    );
  }
  if (cert.validFrom <= voidThrough) {
    throw new GridShareError(
      "CERTIFICATE_VOIDED",
      `certificate ${cert.certId}: issued at ${cert.validFrom}, not after the meter's latest revocation, ` +
        `deauthorization or replacement (${voidThrough}); issue a new certificate dated after it`,
    );
  }
}

export function checkToleranceBps(bps: number): number {
  if (!Number.isInteger(bps) || bps < MIN_TOLERANCE_BPS || bps > MAX_TOLERANCE_BPS) {
    throw new GridShareError(
      "INVALID_TOLERANCE",
      `tolerance ${bps} bps is outside ${MIN_TOLERANCE_BPS}..${MAX_TOLERANCE_BPS} (10%..15%)`,
    );
  }
  return bps;
}

/** A DGMD application file after validation (nothing signed yet). */
export interface Application {
  readonly meter: string;
  readonly installedCapacityW: bigint;
  readonly personalData: PersonalData;
  readonly validFrom: bigint;
  readonly validUntil: bigint;
  readonly certId: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Seconds since 1970 from an integer or an ISO-8601 date string. */
function parseTime(file: string, field: string, v: unknown): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === "string") {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return BigInt(Math.floor(ms / 1000));
  }
  throw new InvalidFileError(
    file,
    `"${field}" must be seconds since 1970 or an ISO date, got ${JSON.stringify(v)}`,
  );
}

function nonEmptyString(file: string, field: string, v: unknown): string {
  if (typeof v !== "string" || v.trim() === "")
    throw new InvalidFileError(file, `"${field}" must be a non-empty string`);
  return v;
}

/**
 * Validate an application (already parsed JSON): meter address, capacity > 0 (W, integer, uint64), personal data
 * (name, address, siteVisitNotes), validity window (validFrom < validUntil, validFrom the issue date, not after `now`; validUntil after `now`), optional
 * certId (32-byte hex; random when absent).
 */
export function validateApplication(json: unknown, file: string, now: bigint): Application {
  if (!isRecord(json)) throw new InvalidFileError(file, "must hold a JSON object");
  const meter = json.meter;
  if (typeof meter !== "string" || !isAddress(meter)) {
    throw new InvalidFileError(file, `"meter" must be an address, got ${JSON.stringify(meter)}`);
  }
  const cap = json.installedCapacityW;
  const capOk =
    (typeof cap === "number" && Number.isSafeInteger(cap)) ||
    (typeof cap === "string" && /^-?\d+$/.test(cap));
  if (!capOk) throw new InvalidFileError(file, `"installedCapacityW" must be an integer number of watts`);
  const capacity = BigInt(cap as number | string);
  if (capacity <= 0n || capacity > UINT64_MAX) {
    throw new InvalidFileError(file, `"installedCapacityW" must be > 0 W (and fit uint64), got ${capacity}`);
  }
  const pd = json.personalData;
  if (!isRecord(pd))
    throw new InvalidFileError(file, `"personalData" must be an object {name, address, siteVisitNotes}`);
  const personalData: PersonalData = {
    name: nonEmptyString(file, "personalData.name", pd.name),
    address: nonEmptyString(file, "personalData.address", pd.address),
    siteVisitNotes: nonEmptyString(file, "personalData.siteVisitNotes", pd.siteVisitNotes),
  };
  const validFrom = parseTime(file, "validFrom", json.validFrom);
  const validUntil = parseTime(file, "validUntil", json.validUntil);
  if (validFrom >= validUntil) {
    throw new InvalidFileError(
      file,
      `"validFrom" (${validFrom}) must be before "validUntil" (${validUntil})`,
    );
  }
  if (validUntil <= now)
    throw new InvalidFileError(file, `"validUntil" (${validUntil}) is not in the future`);
  if (validFrom > now) {
    throw new InvalidFileError(
      file,
      `"validFrom" (${validFrom}) is the issue date (SPEC 8) and may not lie in the future: use the site visit's date`,
    );
  }
  let certId: string;
  if (json.certId === undefined) certId = hexlify(randomBytes(32));
  else if (typeof json.certId === "string" && isHexString(json.certId, 32) && BigInt(json.certId) !== 0n) {
    certId = json.certId.toLowerCase();
  } else throw new InvalidFileError(file, `"certId" must be a non-zero 32-byte hex string`);
  return {
    meter: getAddress(meter),
    installedCapacityW: capacity,
    personalData,
    validFrom,
    validUntil,
    certId,
  };
}

/** Read, parse and validate an application file; one-line error naming the problem. */
export function readApplicationFile(file: string, now: bigint): Application {
  return validateApplication(readJsonFile(file), file, now);
}
