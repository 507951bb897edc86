import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { GridShareError } from "../errors.js";
import { buildCliqueGenesis } from "./genesis.js";
import type { NodeRole } from "./network.js";
import { httpTransport, waitFor, type RpcTransport } from "./rpc.js";
import { cliqueSealer, type RpcHeader } from "./seal.js";

/** Devnet ports sit in a range unlikely to clash with other local services. */
export const P2P_BASE_PORT = 31_400;
export const RPC_BASE_PORT = 9_600;
export const DEVNET_CHAIN_ID = 31_337_42;
/** Genesis file name: EthereumJS names the chain (and its data folder) after it. */
export const GENESIS_FILE = "gridshare-devnet.json";
const STATE_FILE = "devnet.json";
/** Operators funded at genesis: deployer plus gateways (wei). */
const PREFUND_WEI = 10n ** 24n;

/** Where a devnet node lives and how it is reached. */
export interface DevnetNode {
  index: number;
  /** Signers seal; permissioned nodes follow the chain and relay transactions (SPEC 6). */
  role: NodeRole;
  /** Node address: its Clique identity when a signer, its sending account either way. */
  address: string;
  /** Node key, hex with 0x: DEVNET ONLY, written to disk unencrypted. */
  privateKey: string;
  dataDir: string;
  keyFile: string;
  logFile: string;
  p2pPort: number;
  rpcPort: number;
  rpcUrl: string;
  pid?: number;
  enode?: string;
  /** Indexes of the nodes this node's running process dials (its --bootnodes). */
  dials?: number[];
}

/** What chain:up wrote and chain:status / chain:down read back. */
export interface DevnetState {
  chainId: number;
  periodSeconds: number;
  genesisFile: string;
  /** Funded operator keys (index 0 deploys): DEVNET ONLY. */
  operatorKeys: string[];
  nodes: DevnetNode[];
}

export interface DevnetOptions {
  /** Folder of all devnet data (gitignored `.devnet/` by default). */
  baseDir: string;
  signers: number;
  /** Nodes that do not seal (SPEC 6's permissioned senders), started after the signers; default 0. */
  permissioned?: number;
  periodSeconds: number;
  operators: number;
  /** Path of @ethereumjs/client's CLI script. */
  clientCli: string;
  /** Added to the base ports, so a test devnet can run beside `chain:up`'s. */
  portOffset?: number;
}

/** A devnet step failed; the nodes it started are stopped. */
export class DevnetError extends GridShareError {
  constructor(problem: string, options?: { cause?: unknown }) {
    super("DEVNET_FAILED", problem, options);
  }
}

/** The nodes that seal: the genesis signer list (the devnet client cannot vote it to change). */
export function devnetSigners(state: DevnetState): DevnetNode[] {
  return state.nodes.filter((n) => n.role === "signer");
}

/** Creates keys, genesis and per-node layout: signers first, then permissioned nodes (pure apart from the key randomness). */
export function planDevnet(
  options: Omit<DevnetOptions, "clientCli">,
  now = Math.floor(Date.now() / 1000),
): DevnetState {
  const nodes: DevnetNode[] = [];
  const offset = options.portOffset ?? 0;
  const total = options.signers + (options.permissioned ?? 0);
  for (let i = 0; i < total; i++) {
    const wallet = Wallet.createRandom();
    const dataDir = path.join(options.baseDir, `node${i}`);
    nodes.push({
      index: i,
      role: i < options.signers ? "signer" : "permissioned",
      address: wallet.address,
      privateKey: wallet.privateKey,
      dataDir,
      keyFile: path.join(dataDir, "signer.key"),
      logFile: path.join(dataDir, "node.log"),
      p2pPort: P2P_BASE_PORT + offset + i,
      rpcPort: RPC_BASE_PORT + offset + i,
      rpcUrl: `http://127.0.0.1:${RPC_BASE_PORT + offset + i}`,
    });
  }
  const operatorKeys = Array.from({ length: options.operators }, () => Wallet.createRandom().privateKey);
  const prefunded = new Map<string, bigint>();
  for (const k of operatorKeys) prefunded.set(new Wallet(k).address, PREFUND_WEI);
  for (const n of nodes) prefunded.set(n.address, PREFUND_WEI);
  const genesis = buildCliqueGenesis({
    chainId: DEVNET_CHAIN_ID,
    signers: nodes.filter((n) => n.role === "signer").map((n) => n.address),
    periodSeconds: options.periodSeconds,
    epoch: 30_000,
    prefunded,
    timestamp: now,
  });
  const genesisFile = path.join(options.baseDir, GENESIS_FILE);
  mkdirSync(options.baseDir, { recursive: true });
  writeFileSync(genesisFile, `${JSON.stringify(genesis, null, 2)}\n`);
  for (const n of nodes) {
    mkdirSync(n.dataDir, { recursive: true });
    // EthereumJS --unlock reads a key file without 0x.
    writeFileSync(n.keyFile, n.privateKey.slice(2), { mode: 0o600 });
  }
  return { chainId: DEVNET_CHAIN_ID, periodSeconds: options.periodSeconds, genesisFile, operatorKeys, nodes };
}

export function saveState(baseDir: string, state: DevnetState): void {
  writeFileSync(path.join(baseDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function loadState(baseDir: string): DevnetState {
  const file = path.join(baseDir, STATE_FILE);
  if (!existsSync(file)) throw new DevnetError(`${file} not found: run \`npm run chain:up\` first`);
  return JSON.parse(readFileSync(file, "utf8")) as DevnetState;
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * CLI arguments of one node: loopback only, no discovery; a signer seals with its own key, a permissioned
 * node does not mine (EthereumJS would seal without checking the signer list).
 */
export function nodeArgs(state: DevnetState, node: DevnetNode, bootnodes: readonly string[]): string[] {
  const sealing = node.role === "signer" ? ["--mine", `--unlock=${node.keyFile}`] : [];
  const args = [
    `--gethGenesis=${state.genesisFile}`,
    `--dataDir=${node.dataDir}`,
    `--port=${node.p2pPort}`,
    "--extIP=127.0.0.1",
    "--rpc",
    `--rpcPort=${node.rpcPort}`,
    "--rpcAddr=127.0.0.1",
    ...sealing,
    "--discDns=false",
    "--discV4=false",
    // --logFile=false made the client write a rotating file literally named "false" in the cwd: keep its
    // default (a debug log inside the data dir); stdout goes to node.log.
    `--logLevel=${process.env.GRIDSHARE_DEVNET_LOG ?? "info"}`,
    "--saveReceipts",
  ];
  if (bootnodes.length > 0) args.push(`--bootnodes=${bootnodes.join(",")}`);
  return args;
}

/** Starts one node detached (it outlives chain:up), logging to its own file; returns its pid. */
export function spawnNode(
  clientCli: string,
  state: DevnetState,
  node: DevnetNode,
  bootnodes: readonly string[],
): number {
  const log = openSync(node.logFile, "a");
  const child = spawn(process.execPath, [clientCli, ...nodeArgs(state, node, bootnodes)], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new DevnetError(`node ${node.index} did not start; see ${node.logFile}`);
  return child.pid;
}

/** Asks a node for its enode once its RPC answers (i.e. RLPx is listening). */
export async function nodeEnode(
  node: DevnetNode,
  timeoutMs: number,
  rpc: RpcTransport = httpTransport,
): Promise<string> {
  return waitFor(
    `node ${node.index} RPC at ${node.rpcUrl}`,
    async () => {
      const info = (await rpc(node.rpcUrl, "admin_nodeInfo", [])) as { enode?: string };
      return info.enode;
    },
    timeoutMs,
  );
}

/**
 * Starts (or restarts) node `index`. Two nodes dialling each other at once drop both connections, so
 * each link has one dialler: the node started later dials the running nodes that do not already
 * dial it. A dialled link that drops is redialled by the dialler (client patch fix 9). A node that comes
 * back, though, has a new node id: the client keeps no node key (abstract-level 3 answers `undefined`
 * for a missing key where the client expects an error, so it neither stores nor reuses one). Its old
 * diallers would redial a stale id forever, so a restarted node dials every running node itself, and
 * they stop counting it as theirs.
 */
export async function startNode(
  clientCli: string,
  state: DevnetState,
  index: number,
  timeoutMs: number,
): Promise<void> {
  const node = state.nodes[index];
  if (node === undefined) throw new DevnetError(`no node ${index}`);
  if (isAlive(node.pid)) throw new DevnetError(`node ${index} is already running (pid ${node.pid})`);
  const restart = node.enode !== undefined;
  const peers = state.nodes.filter(
    (n) =>
      n.index !== index &&
      isAlive(n.pid) &&
      n.enode !== undefined &&
      (restart || !(n.dials ?? []).includes(index)),
  );
  for (const n of peers) n.dials = (n.dials ?? []).filter((d) => d !== index);
  node.dials = peers.map((n) => n.index);
  node.pid = spawnNode(
    clientCli,
    state,
    node,
    peers.map((n) => n.enode as string),
  );
  node.enode = await nodeEnode(node, timeoutMs);
}

/** Stops a node by its PID (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopNode(node: DevnetNode, graceMs = 5_000): Promise<void> {
  const pid = node.pid;
  if (!isAlive(pid)) return;
  process.kill(pid as number, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid as number, "SIGKILL");
  node.pid = undefined;
  node.dials = undefined;
}

export async function stopDevnet(state: DevnetState): Promise<void> {
  await Promise.all(state.nodes.map((n) => stopNode(n)));
}

/** One node's view: head, peers and recent sealers. */
export interface NodeStatus {
  index: number;
  rpcUrl: string;
  alive: boolean;
  head?: { number: number; hash: string; sealer?: string };
  peers?: number;
}

export async function blockHeader(
  url: string,
  tag: string | number,
  rpc: RpcTransport = httpTransport,
): Promise<RpcHeader & { hash: string }> {
  const param = typeof tag === "number" ? `0x${tag.toString(16)}` : tag;
  const block = (await rpc(url, "eth_getBlockByNumber", [param, false])) as
    (RpcHeader & { hash: string }) | null;
  if (block === null) throw new DevnetError(`${url} has no block ${tag}`);
  return block;
}

export async function nodeStatus(node: DevnetNode, rpc: RpcTransport = httpTransport): Promise<NodeStatus> {
  const status: NodeStatus = { index: node.index, rpcUrl: node.rpcUrl, alive: isAlive(node.pid) };
  if (!status.alive) return status;
  try {
    const h = await blockHeader(node.rpcUrl, "latest", rpc);
    status.head = { number: Number(h.number), hash: h.hash, sealer: cliqueSealer(h) };
    status.peers = Number((await rpc(node.rpcUrl, "net_peerCount", [])) as string);
  } catch {
    // A node still starting answers nothing yet: alive without a head.
  }
  return status;
}

/** Sealers of blocks [from, to] as seen by one node. */
export async function recentSealers(
  url: string,
  from: number,
  to: number,
  rpc: RpcTransport = httpTransport,
): Promise<{ number: number; sealer?: string; hash: string }[]> {
  const out = [];
  for (let n = Math.max(from, 0); n <= to; n++) {
    const h = await blockHeader(url, n, rpc);
    out.push({ number: n, sealer: cliqueSealer(h), hash: h.hash });
  }
  return out;
}

/**
 * Waits until every running node is peered with all other running nodes and all of them have the same
 * block at height `minHeight` or above (they agree).
 */
export async function waitForAgreement(
  state: DevnetState,
  minHeight: number,
  timeoutMs: number,
): Promise<number> {
  const running = state.nodes.filter((n) => isAlive(n.pid));
  return waitFor(
    `${running.length} nodes agreeing on a block >= ${minHeight}`,
    async () => {
      const statuses = await Promise.all(running.map((n) => nodeStatus(n)));
      if (statuses.some((s) => s.head === undefined || (s.peers ?? 0) < running.length - 1)) return undefined;
      const height = Math.min(...statuses.map((s) => s.head?.number ?? 0));
      if (height < minHeight) return undefined;
      const hashes = await Promise.all(running.map((n) => blockHeader(n.rpcUrl, height).then((h) => h.hash)));
      return hashes.every((h) => h === hashes[0]) ? height : undefined;
    },
    timeoutMs,
    500,
  );
}

/** chain:up: plan, start the signers then the permissioned nodes, wait until they peer and agree. Kills them on failure. */
export async function startDevnet(options: DevnetOptions, timeoutMs = 60_000): Promise<DevnetState> {
  if (existsSync(path.join(options.baseDir, STATE_FILE))) {
    const old = loadState(options.baseDir);
    if (old.nodes.some((n) => isAlive(n.pid))) {
      throw new DevnetError(
        `a devnet is already running in ${options.baseDir}: run \`npm run chain:down\` first`,
      );
    }
  }
  rmSync(options.baseDir, { recursive: true, force: true });
  const state = planDevnet(options);
  try {
    for (let i = 0; i < state.nodes.length; i++) {
      await startNode(options.clientCli, state, i, timeoutMs);
      saveState(options.baseDir, state);
    }
    await waitForAgreement(state, 1, timeoutMs);
    return state;
  } catch (cause) {
    await stopDevnet(state);
    saveState(options.baseDir, state);
    throw cause instanceof GridShareError
      ? cause
      : new DevnetError(`devnet start failed: ${String(cause)}`, { cause });
  }
}
