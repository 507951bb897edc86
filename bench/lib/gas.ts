/** Gas from receipts on the in-process network; the fixture is the project's deployGrid. */
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { BenchInputError } from "./figures.js";

/** What gas benchmarks need from a Hardhat network connection. */
export interface GasContext {
  readonly ethers: HardhatEthers;
  readonly networkHelpers: NetworkHelpers;
}

/** Ethereum's intrinsic cost of any transaction. */
export const TX_FLOOR_GAS = 21_000;
/** A zero-to-nonzero SSTORE on a cold slot (EIP-2929: 20,000 + 2,100 cold access). */
export const FRESH_SLOT_GAS = 22_100;
/** A non-zero to different non-zero SSTORE on a cold slot (EIP-2929/3529: 2,900 + 2,100 cold access). */
export const REWRITE_SLOT_GAS = 5_000;
/** Calldata cost per byte (EIP-2028). */
export const CALLDATA_NONZERO_GAS = 16;
export const CALLDATA_ZERO_GAS = 4;

/** gasUsed of a mined transaction. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new BenchInputError("transaction has no receipt");
  return Number(receipt.gasUsed);
}

/** Calldata bytes and their gas (16 per non-zero byte, 4 per zero byte) of a 0x-hex payload. */
export function calldataCost(hex: string): { bytes: number; gas: number } {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  let gas = 0;
  for (let i = 0; i < body.length; i += 2)
    gas += body.slice(i, i + 2) === "00" ? CALLDATA_ZERO_GAS : CALLDATA_NONZERO_GAS;
  return { bytes: body.length / 2, gas };
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new BenchInputError("mean of no values");
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Up to `max` indices spread evenly over 0..n-1 (all of them when n <= max). */
export function spreadSample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, k) => Math.floor((k * n) / max));
}
