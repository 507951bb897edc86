/** Helpers of the gateway tests; the grid itself is lab/fixtures/gateway-grid.ts (benchmarks use it too). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Provider } from "ethers";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { Gateway, type GatewayConfig } from "../../lib/gateway/gateway.js";
import type { TestGrid } from "../../lab/fixtures/gateway-grid.js";

export { deployTestGrid, nodeKey, type TestGrid } from "../../lab/fixtures/gateway-grid.js";

/** The hardhat-ethers provider as a plain ethers Provider (it implements the interface). */
export function asProvider(p: unknown): Provider {
  return p as Provider;
}

/**
 * The gateway of the node with key `nodeKey` on `grid`, over the grid's provider, building honest batches from
 * period 0; `options` overrides any of that.
 */
export function openGateway(
  grid: TestGrid,
  nodeKey: string,
  dbFile: string,
  options: Partial<GatewayConfig> = {},
): Promise<Gateway> {
  return Gateway.open({
    dbFile,
    provider: grid.provider,
    nodeKey,
    registry: grid.registryAddress,
    ledger: grid.ledgerAddress,
    build: buildClusterBatch,
    startPeriod: 0,
    ...options,
  });
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
