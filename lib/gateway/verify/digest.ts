/**
 * The EIP-712 digest of a reading (lib/batches/reading.ts's readingDigest) without ethers' generic typed-data
 * encoder: the domain separator and type hash are computed once per domain, the struct is the 256-byte ABI
 * encoding of the fields. Pinned to readingDigest by the tests.
 */
import { TypedDataEncoder, getBytes, toUtf8Bytes, type TypedDataDomain } from "ethers";
import { READING_TYPES, writeReadingFields, type Reading } from "../../batches/reading.js";
import { keccak256 } from "./recover.js";

const WORD = 32;
const FIELDS_BYTES = 8 * WORD;

export class ReadingHasher {
  /**
   * The two hashes' inputs, reused (digests are computed synchronously, so sharing them is safe):
   * typeHash || the 8 fields, and 0x19 0x01 || domainSeparator || the struct hash.
   */
  private readonly struct = new Uint8Array(WORD + FIELDS_BYTES);
  private readonly message = new Uint8Array(2 + 2 * WORD);

  constructor(domain: TypedDataDomain) {
    this.struct.set(keccak256(toUtf8Bytes(TypedDataEncoder.from(READING_TYPES).encodeType("Reading"))), 0);
    this.message.set([0x19, 0x01]);
    this.message.set(getBytes(TypedDataEncoder.hashDomain(domain)), 2);
  }

  /** keccak256(0x1901 || domainSeparator || hashStruct(reading)), 32 bytes. */
  digest(reading: Reading): Uint8Array {
    const out = new Uint8Array(WORD);
    this.digestInto(reading, out, 0);
    return out;
  }

  /** The digest of `reading` written at `out[offset..offset + 32]`. */
  digestInto(reading: Reading, out: Uint8Array, offset: number): void {
    writeReadingFields(this.struct, WORD, reading);
    this.message.set(keccak256(this.struct), 2 + WORD);
    out.set(keccak256(this.message), offset);
  }
}
