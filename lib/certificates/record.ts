/**
 * SPEC 8: the applicant's personal data (name, address, site-visit notes) never goes on-chain. The DGMD encrypts
 * it with AES-256-GCM under its own key; only `infoCommitment = keccak256(blob)` is certified.
 *
 * Blob layout (version 1): `0x01 || iv (12 bytes) || tag (16 bytes) || ciphertext`. The additional
 * authenticated data is `"GridShare/record/v1" || meter address (20 bytes)`, so a record cannot be passed off as
 * another meter's. A fresh random IV per record: never reuse one under the same key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { getAddress, keccak256 } from "ethers";
import { GridShareError } from "../errors.js";

export const RECORD_VERSION = 1;
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const AAD_PREFIX = Buffer.from("GridShare/record/v1", "utf8");

/** What the DGMD notes about an applicant at the site visit. */
export interface PersonalData {
  readonly name: string;
  readonly address: string;
  readonly siteVisitNotes: string;
}

export class RecordError extends GridShareError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) {
    throw new RecordError(
      "INVALID_RECORD_KEY",
      `the DGMD record key must be ${KEY_BYTES} bytes, got ${key.length}`,
    );
  }
}

function aad(meter: string): Buffer {
  return Buffer.concat([AAD_PREFIX, Buffer.from(getAddress(meter).slice(2), "hex")]);
}

/** Encrypt a personal-data record for `meter`; returns the versioned blob. */
export function encryptRecord(
  key: Uint8Array,
  meter: string,
  data: PersonalData,
  iv = randomBytes(IV_BYTES),
): Buffer {
  checkKey(key);
  if (iv.length !== IV_BYTES) throw new RecordError("INVALID_IV", `the IV must be ${IV_BYTES} bytes`);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(meter));
  const plaintext = Buffer.from(
    JSON.stringify({ name: data.name, address: data.address, siteVisitNotes: data.siteVisitNotes }),
    "utf8",
  );
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(RECORD_VERSION), iv, cipher.getAuthTag(), ciphertext]);
}

/** Decrypt a blob made by {@link encryptRecord}; refuses a wrong key, meter, version or any altered byte. */
export function decryptRecord(key: Uint8Array, meter: string, blob: Uint8Array): PersonalData {
  checkKey(key);
  const b = Buffer.from(blob);
  if (b.length < HEADER_BYTES) {
    throw new RecordError(
      "RECORD_TRUNCATED",
      `record is ${b.length} bytes, shorter than its ${HEADER_BYTES}-byte header`,
    );
  }
  if (b[0] !== RECORD_VERSION) {
    throw new RecordError(
      "RECORD_VERSION",
      `record version ${b[0]} is not supported (expected ${RECORD_VERSION})`,
    );
  }
  const iv = b.subarray(1, 1 + IV_BYTES);
  const tag = b.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(aad(meter));
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(b.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    throw new RecordError(
      "RECORD_AUTH_FAILED",
      `record does not authenticate for meter ${getAddress(meter)}: wrong key, wrong meter or altered data`,
    );
  }
  const parsed = JSON.parse(plaintext.toString("utf8")) as PersonalData;
  return { name: parsed.name, address: parsed.address, siteVisitNotes: parsed.siteVisitNotes };
}

/** What the certificate commits to: keccak256 of the whole blob. */
export function recordCommitment(blob: Uint8Array): string {
  return keccak256(blob);
}

/** Parse a DGMD record key given as 64 hex digits (with or without 0x). */
export function parseRecordKey(hex: string): Buffer {
  const h = hex.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(h)) {
    throw new RecordError("INVALID_RECORD_KEY", "the DGMD record key must be 64 hex digits (32 bytes)");
  }
  return Buffer.from(h, "hex");
}
