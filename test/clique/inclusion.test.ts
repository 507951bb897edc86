/** Resend-on-drop (lib/clique/inclusion.ts) against a scripted node: reorgs, drops, refusals. */
import { expect } from "chai";
import { RpcError, type RpcTransport } from "../../lib/clique/rpc.js";
import { InclusionError, awaitInclusion, inclusionOf } from "../../lib/clique/inclusion.js";

const URL = "http://127.0.0.1:9600";
const HASH = `0x${"ab".repeat(32)}`;
const RAW = "0x02f8";
const BLOCK_A = `0x${"0a".repeat(32)}`;
const BLOCK_B = `0x${"0b".repeat(32)}`;

/** A node whose view is `state`; records every eth_sendRawTransaction. */
function node(state: {
  receipt: { blockNumber: string; blockHash: string } | null;
  canonical: Record<string, string>;
  head: number;
  pooled: boolean;
  onSend?: () => void;
}): RpcTransport & { sends: number } {
  const transport = async (_url: string, method: string, params: readonly unknown[]) => {
    switch (method) {
      case "eth_getTransactionReceipt":
        return state.receipt;
      case "eth_getBlockByNumber": {
        const hash = state.canonical[params[0] as string];
        return hash === undefined ? null : { hash };
      }
      case "eth_blockNumber":
        return `0x${state.head.toString(16)}`;
      case "eth_getTransactionByHash":
        return state.pooled ? { hash: HASH, blockHash: null } : null;
      case "eth_sendRawTransaction":
        transport.sends++;
        state.onSend?.();
        return HASH;
      default:
        throw new Error(`unexpected ${method}`);
    }
  };
  transport.sends = 0;
  return transport;
}

/** Wait, polling every ms, until the tx has `confirmations` or `timeoutMs` passed. */
function waitForInclusion(rpc: RpcTransport, confirmations: number, timeoutMs: number) {
  return awaitInclusion({ url: URL, rawTx: RAW, hash: HASH, confirmations, timeoutMs, pollMs: 1, rpc });
}

/** What `waitForInclusion` threw (undefined when it returned). */
async function inclusionError(rpc: RpcTransport, confirmations: number, timeoutMs: number): Promise<unknown> {
  try {
    await waitForInclusion(rpc, confirmations, timeoutMs);
    return undefined;
  } catch (e) {
    return e;
  }
}

describe("Clique tx inclusion: resend on drop", () => {
  it("classifies pending, dropped, mined (too few confirmations) and included", async () => {
    const s = { receipt: null, canonical: { "0x5": BLOCK_A }, head: 5, pooled: true };
    expect(await inclusionOf(URL, HASH, 2, node(s))).to.deep.equal({ state: "pending" });
    expect(await inclusionOf(URL, HASH, 2, node({ ...s, pooled: false }))).to.deep.equal({
      state: "dropped",
    });
    const mined = { ...s, receipt: { blockNumber: "0x5", blockHash: BLOCK_A } };
    expect((await inclusionOf(URL, HASH, 2, node(mined))).state).to.equal("mined");
    expect(await inclusionOf(URL, HASH, 2, node({ ...mined, head: 6 }))).to.deep.equal({
      state: "included",
      blockNumber: 5,
      blockHash: BLOCK_A,
    });
  });

  it("treats a receipt whose block a reorg replaced as not mined", async () => {
    const s = {
      receipt: { blockNumber: "0x5", blockHash: BLOCK_A },
      canonical: { "0x5": BLOCK_B },
      head: 9,
      pooled: false,
    };
    expect(await inclusionOf(URL, HASH, 1, node(s))).to.deep.equal({ state: "dropped" });
  });

  it("resends the same bytes after a reorg dropped the tx, then waits for its confirmations", async () => {
    const s: Parameters<typeof node>[0] = {
      receipt: { blockNumber: "0x5", blockHash: BLOCK_A },
      canonical: { "0x5": BLOCK_B },
      head: 5,
      pooled: false,
    };
    s.onSend = () => {
      // The resent tx lands in block 6 of the new branch, which then gets a successor.
      s.receipt = { blockNumber: "0x6", blockHash: BLOCK_B };
      s.canonical["0x6"] = BLOCK_B;
      s.head = 7;
    };
    const rpc = node(s);
    const result = await waitForInclusion(rpc, 2, 1_000);
    expect(result).to.deep.equal({ blockNumber: 6, blockHash: BLOCK_B, resent: 1 });
    expect(rpc.sends).to.equal(1);
  });

  it("does not resend a pending tx, and times out naming its state", async () => {
    const rpc = node({ receipt: null, canonical: {}, head: 3, pooled: true });
    const error = await inclusionError(rpc, 1, 10);
    expect(error).to.be.instanceOf(InclusionError);
    expect((error as Error).message).to.match(/still pending after 10 ms \(resent 0 times\)/);
    expect(rpc.sends).to.equal(0);
  });

  it("gives up when another tx took the nonce", async () => {
    const base = node({ receipt: null, canonical: {}, head: 3, pooled: false });
    const rpc: RpcTransport = async (url, method, params) => {
      if (method === "eth_sendRawTransaction") throw new RpcError(url, method, "-32000 nonce too low");
      return base(url, method, params);
    };
    const error = await inclusionError(rpc, 1, 1_000);
    expect(error).to.be.instanceOf(InclusionError);
    expect((error as Error).message).to.match(/nonce was used by another tx/);
  });
});
