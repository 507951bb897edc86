import { GridShareError, InvalidArgumentError } from "../errors.js";
import { parseAddressList, parseList, parseSeconds } from "../args.js";
import { httpTransport, waitFor, type RpcTransport } from "./rpc.js";

/**
 * Signer set = node registry (SPEC 6, layer 2): the Clique signers are the grid's registered nodes.
 * A change is voted in by every current signer calling `clique_propose` (geth and Nethermind serve it);
 * EIP-225 applies it once more than half of the signers voted, one vote per sealed block.
 */
export interface SignerChange {
  address: string;
  /** true: add as signer; false: remove. */
  authorize: boolean;
}

/** The signer set did not become the registry's node set in time. */
export class SignerSyncError extends GridShareError {
  constructor(problem: string) {
    super("SIGNER_SYNC_FAILED", problem);
  }
}

/** Votes that turn `signers` into `nodes`: additions first (a removal never empties the set). */
export function signerChanges(nodes: readonly string[], signers: readonly string[]): SignerChange[] {
  const want = new Set(parseAddressList("nodes", nodes));
  const have = new Set(parseAddressList("signers", signers));
  if (want.size === 0)
    throw new InvalidArgumentError("nodes", "the registry lists no node: no signer would remain");
  const add = [...want].filter((a) => !have.has(a)).sort();
  const remove = [...have].filter((a) => !want.has(a)).sort();
  return [
    ...add.map((address) => ({ address, authorize: true })),
    ...remove.map((address) => ({ address, authorize: false })),
  ];
}

/** `clique_getSigners` at the latest block, checksummed and sorted. */
export async function cliqueSigners(url: string, rpc: RpcTransport = httpTransport): Promise<string[]> {
  const result = (await rpc(url, "clique_getSigners", ["latest"])) as string[];
  return parseAddressList("clique_getSigners", result).sort();
}

export interface SignerSyncOptions {
  /** JSON-RPC URLs of every current signer (each casts its own vote). */
  signerUrls: readonly string[];
  /** Node addresses of the registry (the wanted signer set). */
  nodes: readonly string[];
  timeoutMs: number;
  pollMs?: number;
  rpc?: RpcTransport;
}

/** grid:signers:sync's options: every signer's RPC URL and how long to wait for the votes. */
export function parseSignerSyncArgs(args: { signerUrls: string; timeout: string }): {
  signerUrls: string[];
  timeoutMs: number;
} {
  const signerUrls = parseList(args.signerUrls);
  if (signerUrls.length === 0)
    throw new InvalidArgumentError("signer-urls", "give the JSON-RPC URL of every signer");
  return { signerUrls, timeoutMs: parseSeconds("timeout", args.timeout) * 1000 };
}

export interface SignerSyncReport {
  before: string[];
  changes: SignerChange[];
  after: string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Proposes every change on every signer, waits until the first signer's `clique_getSigners` equals
 * the node set, then withdraws the proposals (`clique_discard`) so no signer keeps voting on them.
 */
export async function syncSigners(options: SignerSyncOptions): Promise<SignerSyncReport> {
  const rpc = options.rpc ?? httpTransport;
  const [first] = options.signerUrls;
  if (first === undefined) throw new InvalidArgumentError("signer-urls", "no signer RPC URL given");
  const before = await cliqueSigners(first, rpc);
  const changes = signerChanges(options.nodes, before);
  const wanted = parseAddressList("nodes", options.nodes).sort();
  if (changes.length === 0) return { before, changes, after: before };
  // Sequential on purpose: a refused proposal names the signer and the change that failed.
  for (const url of options.signerUrls) {
    for (const c of changes) await rpc(url, "clique_propose", [c.address, c.authorize]);
  }
  let after: string[] = before;
  try {
    after = await waitFor(
      `signer set = ${wanted.length} registry nodes`,
      async () => {
        after = await cliqueSigners(first, rpc);
        return sameSet(after, wanted) ? after : undefined;
      },
      options.timeoutMs,
      options.pollMs ?? 1_000,
    );
  } catch {
    throw new SignerSyncError(
      `after ${options.timeoutMs} ms the signers are ${after.join(", ") || "-"}, not the registry's ` +
        `${wanted.join(", ")}: a change needs votes from more than half of the signers (is every signer ` +
        `sealing, and did each accept clique_propose?)`,
    );
  }
  for (const url of options.signerUrls) {
    for (const c of changes) await rpc(url, "clique_discard", [c.address]);
  }
  return { before, changes, after };
}

/** What grid:signers:sync prints: the votes that passed and the signers now, or that nothing had to change. */
export function formatSignerSync(report: SignerSyncReport, nodeCount: number): string {
  if (report.changes.length === 0) return `signer set already equals the registry's ${nodeCount} nodes`;
  const changes = report.changes.map((c) => `${c.authorize ? "added  " : "removed"} ${c.address}`);
  return [...changes, `signers now: ${report.after.join(", ")}`].join("\n");
}
