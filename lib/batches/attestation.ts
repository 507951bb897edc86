/**
 * SPEC 6 attestations: a voter's EIP-712 signature over `Attestation(clusterId, period, digest)` in the
 * BatchLedger's domain. Twin of BatchLedger's ATTESTATION_TYPEHASH and `attestationHash`; pinned by
 * test/vectors/attestation.json.
 */
import { getAddress, TypedDataEncoder, type Signer, type TypedDataDomain } from "ethers";
import { LEDGER_EIP712_NAME, LEDGER_EIP712_VERSION } from "../constants.js";
import { GridShareError } from "../errors.js";
import { batchDigest, validateHeader, type BatchHeader } from "./batch.js";
import { assertCanonicalSignature, recoverCanonical, signTypedCanonical } from "./reading.js";

/** What a voter signs: the digest of the header it built for a cluster-period. */
export interface Attestation {
  readonly clusterId: number;
  readonly period: number;
  /** keccak256(abi.encode(header)), `0x` + 64 hex digits. */
  readonly digest: string;
}

/** An attestation with its 65-byte low-s signature and the address that signed it. */
export interface SignedAttestation extends Attestation {
  /** Checksummed signer (a voter node). */
  readonly signer: string;
  readonly signature: string;
}

export const ATTESTATION_TYPES = {
  Attestation: [
    { name: "clusterId", type: "uint32" },
    { name: "period", type: "uint32" },
    { name: "digest", type: "bytes32" },
  ],
};

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const UINT32_MAX = 2 ** 32 - 1;

/** An attestation that cannot be used: malformed, or its signature does not recover to its signer. */
export class InvalidAttestationError extends GridShareError {
  constructor(a: Attestation, problem: string) {
    super("INVALID_ATTESTATION", `attestation for cluster ${a.clusterId} period ${a.period}: ${problem}`);
  }
}

/** SPEC 6's EIP-712 domain: "GridShare Ledger" / "1" / chainId / the BatchLedger. */
export function ledgerDomain(chainId: bigint, ledger: string): TypedDataDomain {
  return {
    name: LEDGER_EIP712_NAME,
    version: LEDGER_EIP712_VERSION,
    chainId,
    verifyingContract: getAddress(ledger),
  };
}

function checkFields(a: Attestation): void {
  for (const [field, v] of [
    ["clusterId", a.clusterId],
    ["period", a.period],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > UINT32_MAX)
      throw new InvalidAttestationError(a, `${field} ${v} is not a uint32`);
  }
  if (!BYTES32.test(a.digest))
    throw new InvalidAttestationError(a, `digest ${a.digest} is not 32 bytes of hex`);
}

/** The attestation of a header: its cluster, period and digest. */
export function attestationOf(header: BatchHeader): Attestation {
  validateHeader(header);
  return { clusterId: header.clusterId, period: header.period, digest: batchDigest(header) };
}

/** EIP-712 struct hash (BatchLedger: keccak256(abi.encode(ATTESTATION_TYPEHASH, clusterId, period, digest))). */
export function attestationStructHash(a: Attestation): string {
  checkFields(a);
  return TypedDataEncoder.hashStruct("Attestation", ATTESTATION_TYPES, a);
}

/** The EIP-712 hash a voter signs (BatchLedger.attestationHash). */
export function attestationHash(domain: TypedDataDomain, a: Attestation): string {
  checkFields(a);
  return TypedDataEncoder.hash(domain, ATTESTATION_TYPES, a);
}

/** Sign with the node key; the result is the canonical 65-byte low-s signature. */
export async function signAttestation(
  signer: Signer,
  domain: TypedDataDomain,
  a: Attestation,
): Promise<SignedAttestation> {
  checkFields(a);
  const { clusterId, period, digest } = a;
  const signature = await signTypedCanonical(signer, domain, ATTESTATION_TYPES, {
    clusterId,
    period,
    digest,
  });
  return { clusterId, period, digest, signer: getAddress(await signer.getAddress()), signature };
}

/** Address whose key signed `a` in `domain` (after the canonical-signature check). */
export function recoverAttestationSigner(domain: TypedDataDomain, a: Attestation, signature: string): string {
  return recoverCanonical(attestationHash(domain, a), signature);
}

/**
 * Throws InvalidAttestationError unless `s` recovers to its claimed signer in `domain`. A signature made over
 * another cluster, period, digest or domain recovers to an unrelated address and is refused here.
 */
export function verifyAttestation(domain: TypedDataDomain, s: SignedAttestation): void {
  const recovered = recoverAttestationSigner(domain, s, s.signature);
  if (recovered !== getAddress(s.signer)) {
    throw new InvalidAttestationError(
      s,
      `signature recovers to ${recovered}, not to the claimed signer ${s.signer} ` +
        "(signed by another key, or over another cluster, period, digest or ledger domain)",
    );
  }
}

/** The JSON shape nodes exchange: `{ clusterId, period, digest, signer, signature }`, nothing else. */
export function signedAttestationFromJson(json: unknown): SignedAttestation {
  const keys = ["clusterId", "period", "digest", "signer", "signature"];
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new MalformedAttestationError(`expected an object with ${keys.join(", ")}`);
  }
  const o = json as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw new MalformedAttestationError(`unknown field(s) ${extra.join(", ")}`);
  const { clusterId, period, digest, signer, signature } = o;
  if (typeof clusterId !== "number" || typeof period !== "number") {
    throw new MalformedAttestationError("clusterId and period must be integers");
  }
  if (typeof digest !== "string" || typeof signer !== "string" || typeof signature !== "string") {
    throw new MalformedAttestationError("digest, signer and signature must be 0x hex strings");
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(signer))
    throw new MalformedAttestationError(`signer ${signer} is not an address`);
  const a: SignedAttestation = {
    clusterId,
    period,
    digest: digest.toLowerCase(),
    signer: getAddress(signer),
    signature: signature.toLowerCase(),
  };
  try {
    checkFields(a);
    assertCanonicalSignature(a.signature);
  } catch (e) {
    if (e instanceof GridShareError) throw new MalformedAttestationError(e.message);
    throw e;
  }
  return a;
}

/** An exchanged attestation is not `{ clusterId, period, digest, signer, signature }` as it must be. */
export class MalformedAttestationError extends GridShareError {
  constructor(problem: string) {
    super("MALFORMED_ATTESTATION", `malformed attestation: ${problem}`);
  }
}
