/**
 * The gateway the ingest benches measure, opened the same way wherever it runs (the bench's own thread or a
 * per-core worker): a fresh SQLite file, a static provider (no RPC node is contacted) and a chain view over
 * fixed in-memory state, so the figures are the gateway's own cost, not an RPC node's.
 */
import { JsonRpcProvider, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { Gateway } from "../../lib/gateway/gateway.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { gridDomain } from "../../lib/batches/reading.js";
import { FakeChain } from "../../lab/fixtures/chain-view.js";

const CHAIN_ID = 31337n;
const REGISTRY = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
/** The signing domain of the gateway benches' readings. */
export const BENCH_DOMAIN = gridDomain(CHAIN_ID, REGISTRY);
const LEDGER = getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512");
const CLUSTER = 1;
/** The chain clock sits in this period; readings are for the periods just before it. */
export const NOW_PERIOD = 1_000;

/** The gateway's chain view over fixed in-memory state: every meter is an active prosumer of cluster 1. */
function staticChain(meters: readonly string[]): FakeChain {
  const chain = new FakeChain();
  chain.at(NOW_PERIOD);
  for (const m of meters) chain.addMeter(CLUSTER, m);
  chain.served = [{ clusterId: CLUSTER, role: "parent" }];
  return chain;
}

/**
 * A gateway on `dbFile` serving `meters` in cluster 1.
 * @param recoveryThreads its signature-recovery workers (default: one per core, as deployed; 0: inline)
 */
export function openBenchGateway(
  dbFile: string,
  meters: readonly string[],
  recoveryThreads?: number,
): Promise<Gateway> {
  return Gateway.open({
    dbFile,
    // Static network: the gateway asks the provider for the chain id only.
    provider: new JsonRpcProvider("http://127.0.0.1:9", CHAIN_ID, { staticNetwork: true }),
    nodeKey: keccak256(toUtf8Bytes("gridshare-bench-node")),
    registry: REGISTRY,
    ledger: LEDGER,
    build: buildClusterBatch,
    chain: staticChain(meters),
    recoveryThreads,
  });
}
