/**
 * The gateway service as the CLI runs it: arguments -> a running Gateway + HTTP service. Kept out of
 * scripts/gateway.ts so the script stays a thin wrapper and the parsing is testable.
 */
import { parseArgs } from "node:util";
import { FetchRequest, JsonRpcProvider } from "ethers";
import { parseAddress, parseInteger, parseOptional, parseRequired, parseUint32 } from "../args.js";
import { InvalidArgumentError } from "../errors.js";
import { buildClusterBatch } from "./batching.js";
import { Gateway } from "./gateway.js";
import { DEFAULT_ATTESTATION_TIMING } from "./outbox.js";
import { HttpPeers } from "./peers.js";
import type { OutboxRow } from "./store.js";
import { startService, type Service, type ServerOptions } from "./server.js";

export interface GatewayArgs {
  readonly rpc: string;
  readonly registry: string;
  readonly ledger: string;
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly tickMs: number;
  readonly graceSeconds?: number;
  readonly startPeriod?: number;
  /** Attestation timing, chain seconds into a batch's window (outbox.ts AttestationTiming). */
  readonly aggregateWaitSeconds?: number;
  readonly selfSubmitDelaySeconds?: number;
  /** The other voters' gateways, node address -> base URL: this node's attestations go to them. */
  readonly peers: Readonly<Record<string, string>>;
  /** Node key: from the environment (GRIDSHARE_NODE_KEY), never from the command line (ps shows argv). */
  readonly nodeKey: string;
}

/** The gateway's HTTP port unless --port says otherwise (0: any free port). */
export const DEFAULT_PORT = 8601;

export const USAGE = `usage: gateway --rpc <url> --registry <address> --ledger <address> --db <file>
               [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--tick-ms 5000] [--grace <s>] [--start-period <n>]
               [--aggregate-wait <s>] [--self-submit-delay <s>] [--peer <node address>=<gateway url>]...
environment: GRIDSHARE_NODE_KEY  the node's private key (0x + 64 hex digits), required
logs: JSON lines at info on stderr; stdout gets one line {"listening": <url>} when ready`;

/** An argument given in the environment is missing or unusable: named as a variable, not as a flag. */
export class InvalidEnvironmentError extends InvalidArgumentError {
  constructor(variable: string, problem: string) {
    super(variable, problem);
    this.message = `environment variable ${variable}: ${problem}`;
  }
}

/** Seconds one JSON-RPC request may take before the chain counts as unreachable. */
const RPC_TIMEOUT_MS = 10_000;

/** A batch's window is one 4-hour period: every attestation delay must fall inside it. */
const WINDOW_SECONDS = 14_400;

function peersOf(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const m = /^(0x[0-9a-fA-F]{40})=(https?:\/\/\S+)$/.exec(p);
    if (!m) throw new InvalidArgumentError("peer", `"${p}" is not <node address>=<http(s) url>`);
    out[parseAddress("peer", m[1] as string)] = m[2] as string;
  }
  return out;
}

function int(option: string, v: string | undefined, min: number, max: number): number | undefined {
  return parseOptional(v, (text) => parseInteger(option, text, min, max));
}

export function parseGatewayArgs(argv: readonly string[], env: NodeJS.ProcessEnv): GatewayArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rpc: { type: "string" },
      registry: { type: "string" },
      ledger: { type: "string" },
      db: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "tick-ms": { type: "string" },
      grace: { type: "string" },
      "start-period": { type: "string" },
      "aggregate-wait": { type: "string" },
      "self-submit-delay": { type: "string" },
      peer: { type: "string", multiple: true },
    },
    strict: true,
  });
  const [rpc, registry, ledger, db] = (["rpc", "registry", "ledger", "db"] as const).map((k) =>
    parseRequired(k, values[k]),
  );
  const nodeKey = env.GRIDSHARE_NODE_KEY;
  if (!nodeKey || !/^0x[0-9a-fA-F]{64}$/.test(nodeKey)) {
    throw new InvalidEnvironmentError(
      "GRIDSHARE_NODE_KEY",
      `${nodeKey ? "is not" : "is not set: set it to"} the node's private key (0x + 64 hex digits)`,
    );
  }
  return {
    rpc,
    registry: parseAddress("registry", registry),
    ledger: parseAddress("ledger", ledger),
    db,
    host: values.host ?? "127.0.0.1",
    port: int("port", values.port, 0, 65_535) ?? DEFAULT_PORT,
    tickMs: int("tick-ms", values["tick-ms"], 10, 600_000) ?? 5_000,
    graceSeconds: int("grace", values.grace, 0, 7_200),
    startPeriod: parseOptional(values["start-period"], (v) => parseUint32("start-period", v)),
    aggregateWaitSeconds: int("aggregate-wait", values["aggregate-wait"], 0, WINDOW_SECONDS),
    selfSubmitDelaySeconds: int("self-submit-delay", values["self-submit-delay"], 0, WINDOW_SECONDS),
    peers: peersOf(values.peer ?? []),
    nodeKey,
  };
}

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly service: Service;
  stop(): Promise<void>;
}

/**
 * Open the gateway and serve. `onStep` is the fault-injection hook of the crash test (it may kill the
 * process between the outbox protocol's steps).
 */
export async function runGateway(
  a: GatewayArgs,
  opts: { logger?: ServerOptions["logger"]; onStep?: (step: string, row: OutboxRow) => void } = {},
): Promise<RunningGateway> {
  const request = new FetchRequest(a.rpc);
  // A chain node that stops answering must make readings wait seconds (then 503), not minutes.
  request.timeout = RPC_TIMEOUT_MS;
  // The chain id is read once: no eth_chainId before every call.
  const provider = new JsonRpcProvider(request, undefined, {
    batchMaxCount: 1,
    pollingInterval: 250,
    staticNetwork: true,
  });
  const gateway = await Gateway.open({
    dbFile: a.db,
    provider,
    nodeKey: a.nodeKey,
    registry: a.registry,
    ledger: a.ledger,
    build: buildClusterBatch,
    graceSeconds: a.graceSeconds,
    startPeriod: a.startPeriod,
    timing: {
      aggregateWaitSeconds: a.aggregateWaitSeconds ?? DEFAULT_ATTESTATION_TIMING.aggregateWaitSeconds,
      selfSubmitDelaySeconds: a.selfSubmitDelaySeconds ?? DEFAULT_ATTESTATION_TIMING.selfSubmitDelaySeconds,
    },
    ...(Object.keys(a.peers).length > 0 ? { peers: new HttpPeers(new Map(Object.entries(a.peers))) } : {}),
    outbox: { receiptPollMs: 50, baseBackoffMs: 100, ...(opts.onStep ? { onStep: opts.onStep } : {}) },
  });
  const service = await startService(gateway, {
    host: a.host,
    port: a.port,
    tickMs: a.tickMs,
    logger: opts.logger,
  });
  return {
    gateway,
    service,
    async stop() {
      await service.stop();
      gateway.close();
      provider.destroy();
    },
  };
}
