/**
 * What a contract's runtime code says about its interface. solc's dispatcher compares the call's selector
 * with each external function's selector, pushed as a constant: a function whose selector the code never
 * pushes is not one the contract has. This tells a ClusterRegistry from a BatchLedger at the same cost for
 * every build profile (the bytecode itself differs with the optimizer settings and immutables).
 */
import { Interface, type InterfaceAbi } from "ethers";

const PUSH1 = 0x60;
const PUSH32 = 0x7f;
const SELECTOR_BYTES = 4;

/** The constants the code pushes with PUSH1..PUSH4 (a selector with leading zero bytes is pushed short). */
export function pushedConstants(code: string): Set<number> {
  const bytes = Buffer.from(code.replace(/^0x/, ""), "hex");
  const pushed = new Set<number>();
  for (let i = 0; i < bytes.length; i++) {
    const op = bytes[i] as number;
    if (op < PUSH1 || op > PUSH32) continue;
    const size = op - PUSH1 + 1;
    if (size <= SELECTOR_BYTES && i + size < bytes.length) pushed.add(bytes.readUIntBE(i + 1, size));
    i += size;
  }
  return pushed;
}

/** The ABI's functions whose selectors the code never pushes, by name: [] when the code has them all. */
export function missingFunctions(code: string, abi: InterfaceAbi): string[] {
  const pushed = pushedConstants(code);
  const missing: string[] = [];
  new Interface(abi).forEachFunction((f) => {
    if (!pushed.has(Number.parseInt(f.selector, 16))) missing.push(f.name);
  });
  return missing;
}
