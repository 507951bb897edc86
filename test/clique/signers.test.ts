/**
 * The bounded signer set (SPEC 6) and grid:signers:sync: the choice from the registry, the order of the votes,
 * and the sync against a recorded Clique JSON-RPC exchange (test/vectors/clique-signer-vote.json), replayed by
 * an injected transport: the devnet client has no clique_* namespace (see docs/private-network.md), geth and
 * Nethermind serve it. The task itself runs against a deployed registry and a scripted Clique node on loopback.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import hre from "hardhat";
import { getAddress } from "ethers";
import { RpcError, type RpcTransport } from "../../lib/clique/rpc.js";
import {
  SignerSyncError,
  chooseSigners,
  readSignerCandidates,
  signerChanges,
  syncSigners,
} from "../../lib/clique/signers.js";
import { genesisDeployer } from "../../lib/registry/ranking.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import { deployGrid } from "../../lab/fixtures/grid.js";
import { runTask } from "../helpers/tasks.js";

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
) as { maxSigners: number; registry: { node: string; meterCount: number }[]; exchange: Exchange[] };
const URLS = [...new Set(VECTOR.exchange.map((e) => e.url))];
const [A, B, C, D, E] = VECTOR.registry.map((n) => getAddress(n.node));

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

describe("Clique signer set: bounded, chosen from the registry (SPEC 6)", () => {
  it("chooses the nodes with the largest clusters, ties to the lowest address, up to the bound", () => {
    const nodes = VECTOR.registry;
    expect(chooseSigners({ nodes, maxSigners: 3 })).to.deep.equal([A, B, D]);
    expect(chooseSigners({ nodes, maxSigners: 4 })).to.deep.equal([A, B, C, D]);
    // The default bound (21) takes every node of a small grid, a node without a cluster included.
    expect(chooseSigners({ nodes })).to.deep.equal([A, B, C, D, E]);
    // A tie on size goes to the lower address: A before B.
    expect(chooseSigners({ nodes, maxSigners: 1 })).to.deep.equal([A]);
    // Same order as SPEC 2's genesis rule (the deployer is the first signer).
    const sites = nodes.map((n, i) => ({ clusterId: i + 1, parent: n.node, x: 0n, y: 0n, ...n }));
    expect(chooseSigners({ nodes, maxSigners: 1 })[0]).to.equal(getAddress(genesisDeployer(sites) ?? ""));
  });

  it("takes the signers the utility names, only registry nodes, within the bound", () => {
    const nodes = VECTOR.registry;
    expect(chooseSigners({ nodes, maxSigners: 3, named: [E, C.toLowerCase()] })).to.deep.equal([C, E]);
    const stranger = "0x9999999999999999999999999999999999999999";
    expect(() => chooseSigners({ nodes, named: [A, stranger] })).to.throw(
      InvalidArgumentError,
      /0x9999.* is not a registry node/,
    );
    expect(() => chooseSigners({ nodes, maxSigners: 2, named: [A, B, C] })).to.throw(
      InvalidArgumentError,
      /3 signers, more than the bound of 2 .*permissioned/,
    );
    expect(() => chooseSigners({ nodes, named: [A, A] })).to.throw(InvalidArgumentError, /listed twice/);
    expect(() => chooseSigners({ nodes: [] })).to.throw(InvalidArgumentError, /no signer would remain/);
    expect(() => chooseSigners({ nodes, maxSigners: 0 })).to.throw(InvalidArgumentError, /--max-signers/);
  });

  it("orders the votes: additions first below the bound, a removal first at the bound", () => {
    // Below the bound: D joins, then C leaves (the set never shrinks during a swap).
    expect(signerChanges([D, A], [C, A])).to.deep.equal([
      { address: D, authorize: true },
      { address: C, authorize: false },
    ]);
    // At the bound of 3: C leaves first, so the set never holds 4.
    expect(signerChanges([A, B, D], [A, B, C], 3)).to.deep.equal([
      { address: C, authorize: false },
      { address: D, authorize: true },
    ]);
    // Two swaps at the bound alternate; the size stays within 2..3.
    expect(signerChanges([A, D, E], [A, B, C], 3).map((c) => c.authorize)).to.deep.equal([
      false,
      true,
      false,
      true,
    ]);
    // A lone signer is never removed before its successor is in.
    expect(signerChanges([B], [A], 1)).to.deep.equal([
      { address: B, authorize: true },
      { address: A, authorize: false },
    ]);
    expect(() => signerChanges([], [A])).to.throw(InvalidArgumentError, /no signer would remain/);
    expect(() => signerChanges([A, B, C], [A], 2)).to.throw(InvalidArgumentError, /more than the bound/);
    expect(() => signerChanges(["0x12"], [A])).to.throw(InvalidArgumentError, /entry 0 \(0x12\)/);
    expect(() => signerChanges([A], ["nope"])).to.throw(InvalidArgumentError, /--signers/);
  });
});

describe("grid:signers:sync (votes against a recorded exchange)", () => {
  it("votes one change at a time on every signer, waits until it passed, then discards it", async () => {
    const rpc = replay(VECTOR.exchange);
    const wanted = chooseSigners({ nodes: VECTOR.registry, maxSigners: VECTOR.maxSigners });
    const report = await syncSigners({
      signerUrls: URLS,
      wanted,
      maxSigners: VECTOR.maxSigners,
      timeoutMs: 5_000,
      pollMs: 1,
      rpc,
    });
    expect(rpc.remaining()).to.equal(0);
    expect(report.before).to.deep.equal([A, B, C]);
    expect(report.changes).to.deep.equal([
      { address: C, authorize: false },
      { address: D, authorize: true },
    ]);
    expect(report.after).to.deep.equal([A, B, D]);
  });

  it("sends nothing when the signers already are the chosen set", async () => {
    const rpc = replay([{ ...VECTOR.exchange[0], result: [D.toLowerCase(), A, B] }]);
    const report = await syncSigners({ signerUrls: URLS, wanted: [A, B, D], timeoutMs: 1_000, rpc });
    expect(report.changes).to.deep.equal([]);
    expect(rpc.remaining()).to.equal(0);
  });

  it("fails with the signer set it ended at when a vote does not pass in time", async () => {
    const rpc: RpcTransport = async (_url, method) => (method === "clique_getSigners" ? [A, B, C] : null);
    const sync = syncSigners({ signerUrls: URLS, wanted: [A, B, D], timeoutMs: 20, pollMs: 1, rpc });
    const error = await rejection(sync);
    expect(error).to.be.instanceOf(SignerSyncError);
    expect(error.message).to.match(/signers are .*0x3333.*adding 0x4444/);
  });

  it("passes on a signer's refusal of clique_propose (e.g. the namespace is not enabled)", async () => {
    const rpc: RpcTransport = async (url, method) => {
      if (method === "clique_getSigners") return [A, B, C];
      throw new RpcError(url, method, "-32601 the method clique_propose does not exist/is not available");
    };
    const sync = syncSigners({ signerUrls: URLS, wanted: [A, B, D], timeoutMs: 1_000, rpc });
    const error = await rejection(sync);
    expect(error).to.be.instanceOf(RpcError);
    expect(error.message).to.match(/clique_propose.*does not exist/);
  });

  it("refuses to run without a signer URL", async () => {
    const error = await rejection(syncSigners({ signerUrls: [], wanted: [A], timeoutMs: 1 }));
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect(error.message).to.match(/no signer RPC URL/);
  });
});

/**
 * A scripted Clique node: answers clique_getSigners, records proposals and applies one proposal per
 * clique_getSigners poll after it was proposed (a vote passing), clique_discard drops it.
 */
function scriptedClique(signers: string[]): { server: Server; calls: string[]; url: () => string } {
  const proposals = new Map<string, boolean>();
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      calls.push(method === "clique_getSigners" ? method : `${method} ${String(params[0])}`);
      let result: unknown = null;
      if (method === "clique_propose") proposals.set(getAddress(String(params[0])), params[1] === true);
      else if (method === "clique_discard") proposals.delete(getAddress(String(params[0])));
      else if (method === "clique_getSigners") {
        result = [...signers];
        const [change] = proposals;
        if (change !== undefined) {
          const [address, authorize] = change;
          const rest = signers.filter((s) => s !== address);
          signers.splice(0, signers.length, ...rest, ...(authorize ? [address] : []));
        }
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
    });
  });
  return {
    server,
    calls,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

describe("grid:signers:sync on a registry", () => {
  it("reads the nodes' cluster sizes and votes the chain to the largest clusters", async () => {
    const { ethers, networkHelpers } = await hre.network.getOrCreate();
    const grid = await deployGrid(ethers, networkHelpers, { neighbours: [[], [], [], []] });
    const [n0, n1, n2, n3] = grid.nodes.map((n) => n.address);
    // Cluster sizes 4, 2, 3, 4 after removing meters; the outsider becomes a node without a cluster.
    for (const m of [...grid.meters[1].slice(0, 2), grid.meters[2][0]])
      await grid.registry.removeMeter(m.address);
    await grid.registry.addNode(grid.outsider.address, 9_000, 0);
    const candidates = await readSignerCandidates(grid.registry);
    const sizes = new Map(candidates.map((c) => [c.node, c.meterCount]));
    expect(Object.fromEntries(sizes)).to.deep.equal({
      [n0]: 4,
      [n1]: 2,
      [n2]: 3,
      [n3]: 4,
      [grid.outsider.address]: 0,
    });

    // The chain's signers are n1, the outsider and n0; the bound of 3 wants n0, n3 and n2.
    const clique = scriptedClique([n1, grid.outsider.address, n0]);
    await new Promise<void>((r) => clique.server.listen(0, "127.0.0.1", r));
    try {
      const out = await runTask("grid:signers:sync", {
        signerUrls: clique.url(),
        maxSigners: "3",
        timeout: "10",
        registry: await grid.registry.getAddress(),
      });
      const wanted = [n0, n2, n3].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
      expect(out).to.include(`signers now: ${wanted.join(", ")}`);
      expect(out).to.include("3 signers, 2 permissioned of 5 registry nodes");
      // At the bound every addition waits for a removal; each change is discarded once it passed.
      const votes = clique.calls.filter((c) => c !== "clique_getSigners");
      expect(votes.filter((c) => c.startsWith("clique_propose"))).to.have.length(4);
      expect(votes.filter((c) => c.startsWith("clique_discard"))).to.have.length(4);
      const rerun = await runTask("grid:signers:sync", {
        signerUrls: clique.url(),
        maxSigners: "3",
        timeout: "10",
        registry: await grid.registry.getAddress(),
      });
      expect(rerun).to.equal("signer set already as chosen: 3 signers, 2 permissioned of 5 registry nodes");
      const refused = await runTask("grid:signers:sync", {
        signerUrls: clique.url(),
        maxSigners: "0",
        registry: await grid.registry.getAddress(),
      }).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(InvalidArgumentError);
    } finally {
      await new Promise((r) => clique.server.close(r));
    }
  });
});
