/**
 * Gas spent, per operation type, from every receipt of the blocks the demo mined: whoever sent a
 * transaction (utility, DGMD, a node's gateway, a meter's relay), it is counted. An operation is
 * `Contract.function` (decoded from the selector) or `deploy Contract`.
 */
import type { Interface, Provider } from "ethers";
import type { ReportGas } from "../report/model.js";

export interface KnownContract {
  readonly name: string;
  readonly address: string;
  readonly iface: Interface;
}

export interface GasRow {
  operation: string;
  count: number;
  totalGas: bigint;
}

export function operationOf(
  contracts: readonly KnownContract[],
  to: string | null,
  data: string,
  created: string | null,
): string {
  if (to === null) {
    const c = contracts.find((k) => created !== null && k.address.toLowerCase() === created.toLowerCase());
    return `deploy ${c?.name ?? "unknown contract"}`;
  }
  const c = contracts.find((k) => k.address.toLowerCase() === to.toLowerCase());
  if (!c) return data === "0x" ? "transfer" : "call to unknown contract";
  const fn = data.length >= 10 ? c.iface.getFunction(data.slice(0, 10)) : null;
  return `${c.name}.${fn?.name ?? "unknown"}`;
}

/** Sum gasUsed per operation over blocks `fromBlock..toBlock` (inclusive). */
export async function collectGas(
  provider: Provider,
  contracts: readonly KnownContract[],
  fromBlock: number,
  toBlock: number,
): Promise<GasRow[]> {
  const rows = new Map<string, GasRow>();
  for (let n = fromBlock; n <= toBlock; n++) {
    const block = await provider.getBlock(n, true);
    if (!block) continue;
    for (const tx of block.prefetchedTransactions) {
      const receipt = await provider.getTransactionReceipt(tx.hash);
      if (!receipt) continue;
      const op = operationOf(contracts, tx.to, tx.data, receipt.contractAddress);
      const row = rows.get(op) ?? { operation: op, count: 0, totalGas: 0n };
      row.count++;
      row.totalGas += receipt.gasUsed;
      rows.set(op, row);
    }
  }
  return [...rows.values()].sort((a, b) => (a.totalGas > b.totalGas ? -1 : a.totalGas < b.totalGas ? 1 : 0));
}

export function gasForReport(rows: readonly GasRow[]): ReportGas[] {
  return rows.map((r) => ({ operation: r.operation, count: r.count, totalGas: Number(r.totalGas) }));
}
