/**
 * The EIP-712 digest of a reading (lib/batches/reading.ts's readingDigest) without ethers' generic typed-data
 * encoder: the domain separator and type hash are computed once per domain, the struct is the 256-byte ABI
 * encoding of the fields. Pinned to readingDigest by the tests.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { TypedDataEncoder, getBytes, toUtf8Bytes, type TypedDataDomain } from "ethers";
import { READING_TYPES, writeReadingFields, type Reading } from "../../batches/reading.js";

const WORD = 32;
const FIELDS_BYTES = 8 * WORD;

export class ReadingHasher {
  /** 0x19 0x01 || domainSeparator, followed by room for the struct hash. */
  private readonly prefix: Uint8Array;
  private readonly typeHash: Uint8Array;

  constructor(domain: TypedDataDomain) {
    this.prefix = new Uint8Array(2 + 2 * WORD);
    this.prefix.set([0x19, 0x01]);
    this.prefix.set(getBytes(TypedDataEncoder.hashDomain(domain)), 2);
    this.typeHash = keccak_256(toUtf8Bytes(TypedDataEncoder.from(READING_TYPES).encodeType("Reading")));
  }

  /** keccak256(0x1901 || domainSeparator || hashStruct(reading)), 32 bytes. */
  digest(reading: Reading): Uint8Array {
    const struct = new Uint8Array(WORD + FIELDS_BYTES);
    struct.set(this.typeHash, 0);
    writeReadingFields(struct, WORD, reading);
    const msg = Uint8Array.from(this.prefix);
    msg.set(keccak_256(struct), 2 + WORD);
    return keccak_256(msg);
  }
}
