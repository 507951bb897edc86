/** Helpers of the gateway tests; the grid itself is lab/fixtures/gateway-grid.ts (benchmarks use it too). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Provider } from "ethers";
import type { FastifyInstance } from "fastify";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { Gateway, type GatewayConfig } from "../../lib/gateway/gateway.js";
import { HttpPeers } from "../../lib/gateway/peers.js";
import { buildServer } from "../../lib/gateway/server.js";
import { FAST_OUTBOX } from "../../lab/demo/gateways.js";
import type { TestGrid } from "../../lab/fixtures/gateway-grid.js";

export { deployTestGrid, nodeKey, type TestGrid } from "../../lab/fixtures/gateway-grid.js";

/** A gateway serving HTTP on loopback. */
export interface RunningGateway {
  gw: Gateway;
  app: FastifyInstance;
  url: string;
}

/**
 * Every node's gateway of `grid`, each serving HTTP on loopback with the others as its attestation peers (the
 * peer list fills as they start); `options(i)` adds node i's settings.
 */
export async function startPeerGateways(
  grid: TestGrid,
  dir: { file(name: string): string },
  options: (i: number) => Partial<GatewayConfig> = () => ({}),
): Promise<RunningGateway[]> {
  const out: RunningGateway[] = [];
  const urls = new Map<string, string>();
  for (const [i, key] of grid.nodeKeys.entries()) {
    const gw = await openGateway(grid, key, dir.file(`node-${i}.db`), {
      peers: new HttpPeers(urls),
      outbox: FAST_OUTBOX,
      ...options(i),
    });
    const app = buildServer(gw, { logger: false });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    urls.set(gw.node, url);
    out.push({ gw, app, url });
  }
  return out;
}

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
