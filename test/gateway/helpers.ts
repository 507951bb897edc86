/** Helpers of the gateway tests; the grid itself is lab/fixtures/gateway-grid.ts (benchmarks use it too). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Provider } from "ethers";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { Gateway } from "../../lib/gateway/gateway.js";
import type { TestGrid } from "../../lab/fixtures/gateway-grid.js";

export { deployTestGrid, nodeKey, type TestGrid } from "../../lab/fixtures/gateway-grid.js";

/** The hardhat-ethers provider as a plain ethers Provider (it implements the interface). */
export function asProvider(p: unknown): Provider {
  return p as Provider;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): {
  dir: string;
  file: (name: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), `gridshare-${prefix}-`));
  return {
    dir,
    file: (n) => path.join(dir, n),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Node `i`'s gateway on `grid`, closing periods from 0, with a quick outbox. */
export function openNodeGateway(
  grid: TestGrid,
  i: number,
  dbFile: string,
  provider: Provider,
): Promise<Gateway> {
  return Gateway.open({
    dbFile,
    provider,
    nodeKey: grid.nodeKeys[i],
    registry: grid.registryAddress,
    ledger: grid.ledgerAddress,
    build: buildClusterBatch,
    startPeriod: 0,
    outbox: { baseBackoffMs: 1, receiptPollMs: 1, receiptPolls: 3 },
  });
}
