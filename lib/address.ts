/**
 * ethers' getAddress (checksum check and normalisation), remembered: a gateway sees the same few
 * thousand meter addresses every period, and each check costs a keccak. Bounded; a refused address
 * (bad checksum) throws and is never remembered.
 */
import { getAddress } from "ethers";

const MAX_REMEMBERED = 100_000;
const memo = new Map<string, string>();

export function checksumAddress(address: string): string {
  const hit = memo.get(address);
  if (hit !== undefined) return hit;
  const checksummed = getAddress(address);
  if (memo.size >= MAX_REMEMBERED) memo.clear();
  memo.set(address, checksummed);
  return checksummed;
}
