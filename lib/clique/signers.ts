import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { GridShareError, InvalidArgumentError } from "../errors.js";
import { parseAddress, parseAddressList, parseInteger, parseList, parseSeconds } from "../args.js";
import { compareBySize, type SizedNode } from "../registry/ranking.js";
import { DEFAULT_MAX_SIGNERS } from "../constants.js";
import { checkSignerCount } from "./genesis.js";
import { httpTransport, waitFor, type RpcTransport } from "./rpc.js";

/**
 * The signer set follows the registry (SPEC 6, layer 2): the Clique signers are a bounded set of the grid's
 * nodes, by default the `maxSigners` nodes with the largest clusters (SPEC 2's genesis order); every other
 * node is a permissioned sender. A change is voted in by every current signer calling `clique_propose`
 * (geth and Nethermind serve it); EIP-225 applies it once more than half of the signers voted, one vote per
 * sealed block.
 */
export interface SignerChange {
  address: string;
  /** true: add as signer; false: remove. */
  authorize: boolean;
}

/** The signer set did not become the wanted set in time. */
export class SignerSyncError extends GridShareError {
  constructor(problem: string) {
    super("SIGNER_SYNC_FAILED", problem);
  }
}

/** Which nodes the chain should have as signers. */
export interface SignerChoice {
  /** The registry's nodes, each with the size of the cluster it parents (0 when none). */
  nodes: readonly SizedNode[];
  /** Bound of the set (default 21). */
  maxSigners?: number;
  /** Signers the utility names instead of the default rule; each must be a registry node. */
  named?: readonly string[];
}

/**
 * SPEC 6's signer set: the nodes the utility names, or by default the `maxSigners` nodes with the most
 * meters in the cluster they parent, ties to the lowest address. Sorted by address (as `clique_getSigners`).
 */
export function chooseSigners(choice: SignerChoice): string[] {
  const max = choice.maxSigners ?? DEFAULT_MAX_SIGNERS;
  const nodes = choice.nodes.map((n) => ({ node: parseAddress("nodes", n.node), meterCount: n.meterCount }));
  if (nodes.length === 0)
    throw new InvalidArgumentError("nodes", "the registry lists no node: no signer would remain");
  let chosen: string[];
  if (choice.named !== undefined && choice.named.length > 0) {
    chosen = parseAddressList("signers", choice.named);
    const registered = new Set(nodes.map((n) => n.node));
    const stranger = chosen.find((a) => !registered.has(a));
    if (stranger !== undefined) {
      throw new InvalidArgumentError(
        "signers",
        `${stranger} is not a registry node: only nodes seal (add it with grid:node:add first)`,
      );
    }
    if (new Set(chosen).size !== chosen.length)
      throw new InvalidArgumentError("signers", "an address is listed twice");
  } else {
    chosen = [...nodes]
      .sort(compareBySize)
      .slice(0, max)
      .map((n) => n.node);
  }
  checkSignerCount(chosen.length, max);
  return chosen.sort(byAddress);
}

function byAddress(a: string, b: string): number {
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
}

/**
 * Votes that turn `signers` into `wanted`, in the order they are to pass. Additions come first, so a
 * removal never empties the set and the quorum only grows during a swap; at the bound a removal goes
 * first, so the set never exceeds `maxSigners` (it may when there is a single signer to swap).
 */
export function signerChanges(
  wanted: readonly string[],
  signers: readonly string[],
  maxSigners = DEFAULT_MAX_SIGNERS,
): SignerChange[] {
  const want = new Set(parseAddressList("wanted", wanted));
  const have = new Set(parseAddressList("signers", signers));
  if (want.size === 0)
    throw new InvalidArgumentError("nodes", "the registry lists no node: no signer would remain");
  checkSignerCount(want.size, maxSigners);
  const add = [...want].filter((a) => !have.has(a)).sort(byAddress);
  const remove = [...have].filter((a) => !want.has(a)).sort(byAddress);
  const out: SignerChange[] = [];
  let size = have.size;
  while (add.length > 0 || remove.length > 0) {
    const atBound = size >= maxSigners && remove.length > 0 && size > 1;
    if (add.length > 0 && !atBound) {
      out.push({ address: add.shift() as string, authorize: true });
      size++;
    } else {
      out.push({ address: remove.shift() as string, authorize: false });
      size--;
    }
  }
  return out;
}

/** `clique_getSigners` at the latest block, checksummed and sorted. */
export async function cliqueSigners(url: string, rpc: RpcTransport = httpTransport): Promise<string[]> {
  const result = (await rpc(url, "clique_getSigners", ["latest"])) as string[];
  return parseAddressList("clique_getSigners", result).sort(byAddress);
}

/** The registry's nodes with the meter count of the cluster each parents: what `chooseSigners` ranks. */
export async function readSignerCandidates(registry: ClusterRegistry): Promise<SizedNode[]> {
  const nodes = await registry.nodes();
  return Promise.all(
    nodes.map(async (node) => {
      const clusterId = (await registry.nodeInfo(node)).clusterId;
      const meterCount = clusterId === 0n ? 0 : Number((await registry.clusterInfo(clusterId)).meterCount);
      return { node, meterCount };
    }),
  );
}

export interface SignerSyncOptions {
  /**
   * JSON-RPC URLs of the nodes that vote: every current signer (each casts its own vote); a node that is not
   * a signer may be listed too (its proposal counts once it seals).
   */
  signerUrls: readonly string[];
  /** The wanted signer set (`chooseSigners`). */
  wanted: readonly string[];
  maxSigners?: number;
  /** For the whole sync, every change included. */
  timeoutMs: number;
  pollMs?: number;
  rpc?: RpcTransport;
}

/** grid:signers:sync's options as typed. */
export interface SignerSyncArgs {
  signerUrls: string;
  timeout: string;
  maxSigners: string;
  signers: string;
}

/** grid:signers:sync's options, checked. */
export function parseSignerSyncArgs(args: SignerSyncArgs): {
  signerUrls: string[];
  timeoutMs: number;
  maxSigners: number;
  named: string[];
} {
  const signerUrls = parseList(args.signerUrls);
  if (signerUrls.length === 0)
    throw new InvalidArgumentError("signer-urls", "give the JSON-RPC URL of every signer");
  return {
    signerUrls,
    timeoutMs: parseSeconds("timeout", args.timeout) * 1000,
    maxSigners: parseInteger("max-signers", args.maxSigners, 1),
    named: parseAddressList("signers", parseList(args.signers)),
  };
}

export interface SignerSyncReport {
  before: string[];
  changes: SignerChange[];
  after: string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The set once `change` has passed. */
function applied(set: readonly string[], change: SignerChange): string[] {
  const rest = set.filter((a) => a !== change.address);
  return (change.authorize ? [...rest, change.address] : rest).sort(byAddress);
}

/**
 * Votes the changes one at a time, so they pass in `signerChanges`' order (a signer holding several
 * proposals votes for any of them): each is proposed on every URL, awaited on the first URL's
 * `clique_getSigners`, then withdrawn everywhere (`clique_discard`) so no signer keeps voting on it.
 */
export async function syncSigners(options: SignerSyncOptions): Promise<SignerSyncReport> {
  const rpc = options.rpc ?? httpTransport;
  const [first] = options.signerUrls;
  if (first === undefined) throw new InvalidArgumentError("signer-urls", "no signer RPC URL given");
  const deadline = Date.now() + options.timeoutMs;
  const before = await cliqueSigners(first, rpc);
  const changes = signerChanges(options.wanted, before, options.maxSigners);
  let now = before;
  for (const change of changes) {
    // Sequential on purpose: a refused proposal names the signer and the change that failed.
    for (const url of options.signerUrls)
      await rpc(url, "clique_propose", [change.address, change.authorize]);
    const target = applied(now, change);
    try {
      now = await waitFor(
        `${change.authorize ? "adding" : "removing"} signer ${change.address}`,
        async () => {
          now = await cliqueSigners(first, rpc);
          return sameSet(now, target) ? now : undefined;
        },
        Math.max(deadline - Date.now(), 0),
        options.pollMs ?? 1_000,
      );
    } catch {
      throw new SignerSyncError(
        `after ${options.timeoutMs} ms the signers are ${now.join(", ") || "-"}, not ` +
          `${target.join(", ")} (${change.authorize ? "adding" : "removing"} ${change.address}): a change ` +
          "needs votes from more than half of the signers (is every signer sealing, and did each accept " +
          "clique_propose?)",
      );
    }
    for (const url of options.signerUrls) await rpc(url, "clique_discard", [change.address]);
  }
  return { before, changes, after: now };
}

/** What grid:signers:sync prints: the votes that passed and the signers now, or that nothing had to change. */
export function formatSignerSync(report: SignerSyncReport, nodeCount: number): string {
  const permissioned = nodeCount - report.after.length;
  const summary = `${report.after.length} signers, ${permissioned} permissioned of ${nodeCount} registry nodes`;
  if (report.changes.length === 0) return `signer set already as chosen: ${summary}`;
  const changes = report.changes.map((c) => `${c.authorize ? "added  " : "removed"} ${c.address}`);
  return [...changes, `signers now: ${report.after.join(", ")}`, summary].join("\n");
}
