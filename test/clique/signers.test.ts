/**
 * grid:signers:sync against a recorded Clique JSON-RPC exchange (test/vectors/clique-signer-vote.json),
 * replayed by an injected transport: the devnet client has no clique_* namespace (see
 * docs/private-network.md), geth and Nethermind serve it.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RpcError, type RpcTransport } from "../../lib/clique/rpc.js";
import { SignerSyncError, signerChanges, syncSigners } from "../../lib/clique/signers.js";
import { InvalidArgumentError } from "../../lib/errors.js";

interface Exchange {
  url: string;
  method: string;
  params: unknown[];
  result: unknown;
}
const VECTOR = JSON.parse(
  readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), "../vectors/clique-signer-vote.json"),
    "utf8",
  ),
) as { registryNodes: string[]; exchange: Exchange[] };
const URLS = [...new Set(VECTOR.exchange.map((e) => e.url))];
const [A, B, D] = VECTOR.registryNodes;
const C = "0x3333333333333333333333333333333333333333";

/** Replays `exchange` in order; any other call fails the test with what was expected. */
function replay(exchange: readonly Exchange[]): RpcTransport & { remaining: () => number } {
  let next = 0;
  const transport = async (url: string, method: string, params: readonly unknown[]) => {
    const want = exchange[next];
    if (want === undefined) throw new Error(`unexpected call ${method} on ${url}: exchange exhausted`);
    expect({ url, method, params }).to.deep.equal({
      url: want.url,
      method: want.method,
      params: want.params,
    });
    next++;
    return want.result;
  };
  return Object.assign(transport, { remaining: () => exchange.length - next });
}

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("Clique signer set = node registry (grid:signers:sync)", () => {
  it("votes every change on every signer, waits until it passed, then discards the proposals", async () => {
    const rpc = replay(VECTOR.exchange);
    const report = await syncSigners({
      signerUrls: URLS,
      nodes: VECTOR.registryNodes,
      timeoutMs: 5_000,
      pollMs: 1,
      rpc,
    });
    expect(rpc.remaining()).to.equal(0);
    expect(report.before).to.deep.equal([A, B, C]);
    expect(report.changes).to.deep.equal([
      { address: D, authorize: true },
      { address: C, authorize: false },
    ]);
    expect(report.after).to.deep.equal([A, B, D]);
  });

  it("sends nothing when the signers already are the registry's nodes", async () => {
    const rpc = replay([{ ...VECTOR.exchange[0], result: [D.toLowerCase(), A, B] }]);
    const report = await syncSigners({ signerUrls: URLS, nodes: [A, B, D], timeoutMs: 1_000, rpc });
    expect(report.changes).to.deep.equal([]);
    expect(rpc.remaining()).to.equal(0);
  });

  it("fails with the signer set it ended at when the votes do not pass in time", async () => {
    const rpc: RpcTransport = async (_url, method) => (method === "clique_getSigners" ? [A, B, C] : null);
    const sync = syncSigners({ signerUrls: URLS, nodes: [A, B, D], timeoutMs: 20, pollMs: 1, rpc });
    const error = await rejection(sync);
    expect(error).to.be.instanceOf(SignerSyncError);
    expect(error.message).to.match(/signers are .*0x3333.*not the registry's/);
  });

  it("passes on a signer's refusal of clique_propose (e.g. the namespace is not enabled)", async () => {
    const rpc: RpcTransport = async (url, method) => {
      if (method === "clique_getSigners") return [A, B, C];
      throw new RpcError(url, method, "-32601 the method clique_propose does not exist/is not available");
    };
    const sync = syncSigners({ signerUrls: URLS, nodes: [A, B, D], timeoutMs: 1_000, rpc });
    const error = await rejection(sync);
    expect(error).to.be.instanceOf(RpcError);
    expect(error.message).to.match(/clique_propose.*does not exist/);
  });

  it("adds before it removes, sorted; refuses an empty registry and non-addresses", () => {
    expect(signerChanges([D, A], [C, A])).to.deep.equal([
      { address: D, authorize: true },
      { address: C, authorize: false },
    ]);
    expect(() => signerChanges([], [A])).to.throw(InvalidArgumentError, /no signer would remain/);
    expect(() => signerChanges(["0x12"], [A])).to.throw(InvalidArgumentError, /entry 0 \(0x12\)/);
    expect(() => signerChanges([A], ["nope"])).to.throw(InvalidArgumentError, /--signers/);
  });

  it("refuses to run without a signer URL", async () => {
    const error = await rejection(syncSigners({ signerUrls: [], nodes: [A], timeoutMs: 1 }));
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect(error.message).to.match(/no signer RPC URL/);
  });
});
