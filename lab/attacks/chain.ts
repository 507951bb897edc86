/** What the chain itself says about signatures: its EIP-712 domain and a signed tamper alarm. */
import { getAddress, Signature, type TypedDataDomain, type Wallet } from "ethers";
import type { Grid } from "../fixtures/grid.js";

/** What an EIP-5267 contract reports as its EIP-712 domain. */
interface Eip5267 {
  eip712Domain(): Promise<{ name: string; version: string; chainId: bigint; verifyingContract: string }>;
}

/** The EIP-712 domain as a deployed contract reports it (EIP-5267), not as the scenario assumes it. */
export async function domainOf(contract: Eip5267): Promise<TypedDataDomain> {
  const d = await contract.eip712Domain();
  return {
    name: d.name,
    version: d.version,
    chainId: d.chainId,
    verifyingContract: getAddress(d.verifyingContract),
  };
}

/** The grid registry's domain: the one meters sign readings and tamper alarms under. */
export function chainDomain(grid: Grid): Promise<TypedDataDomain> {
  return domainOf(grid.registry);
}

export const TAMPER_ALARM_TYPES = {
  TamperAlarm: [
    { name: "meter", type: "address" },
    { name: "detectedAt", type: "uint64" },
  ],
};

/** The meter's own EIP-712 tamper alarm signature (canonical, low-s). */
export async function signTamperAlarm(
  grid: Grid,
  signer: Wallet,
  meter: string,
  detectedAt: bigint,
): Promise<string> {
  const raw = await signer.signTypedData(await chainDomain(grid), TAMPER_ALARM_TYPES, { meter, detectedAt });
  return Signature.from(raw).serialized;
}

/** secp256k1 group order: `(r, n - s, v ^ 1)` is the malleable twin of `(r, s, v)`. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The high-s variant of a canonical 65-byte signature: same signer, different bytes. */
export function highS(sig: string): string {
  const s = Signature.from(sig);
  const flippedS = SECP256K1_N - BigInt(s.s);
  const v = s.v === 27 ? 28 : 27;
  return "0x" + s.r.slice(2) + flippedS.toString(16).padStart(64, "0") + v.toString(16);
}
