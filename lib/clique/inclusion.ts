import { GridShareError } from "../errors.js";
import { httpTransport, type RpcTransport } from "./rpc.js";

/**
 * Resend-on-drop for the gateways: no accepted reading may be lost to a reorg. A tx counts as
 * included only when its receipt's block is canonical and has `confirmations` blocks on top (itself
 * included); a tx that is neither mined nor pending was dropped and its SAME signed bytes are sent
 * again (identical bytes cannot apply twice). The gateway outbox (lib/gateway/outbox.ts) keeps the raw
 * tx and hash per intent and calls `awaitInclusion`.
 */
export type Inclusion =
  | { state: "included"; blockNumber: number; blockHash: string }
  | { state: "mined"; blockNumber: number; blockHash: string }
  | { state: "pending" }
  | { state: "dropped" };

/** The tx did not reach the wanted confirmations in time, or its nonce was taken by another tx. */
export class InclusionError extends GridShareError {
  constructor(hash: string, problem: string) {
    super("TX_NOT_INCLUDED", `tx ${hash}: ${problem}`);
  }
}

interface RpcReceipt {
  blockNumber: string;
  blockHash: string;
}

/** Where the tx stands on the node at `url`. */
export async function inclusionOf(
  url: string,
  hash: string,
  confirmations: number,
  rpc: RpcTransport = httpTransport,
): Promise<Inclusion> {
  const receipt = (await rpc(url, "eth_getTransactionReceipt", [hash])) as RpcReceipt | null;
  if (receipt !== null) {
    const block = (await rpc(url, "eth_getBlockByNumber", [receipt.blockNumber, false])) as {
      hash: string;
    } | null;
    // A receipt of a block a reorg replaced is stale: the tx is not mined on the canonical chain.
    if (block !== null && block.hash === receipt.blockHash) {
      const head = Number((await rpc(url, "eth_blockNumber", [])) as string);
      const blockNumber = Number(receipt.blockNumber);
      const state = head - blockNumber + 1 >= confirmations ? "included" : "mined";
      return { state, blockNumber, blockHash: receipt.blockHash };
    }
  }
  const tx = await rpc(url, "eth_getTransactionByHash", [hash]);
  return tx === null ? { state: "dropped" } : { state: "pending" };
}

export interface AwaitInclusionOptions {
  url: string;
  /** Signed tx bytes (0x hex) as first sent. */
  rawTx: string;
  hash: string;
  confirmations: number;
  timeoutMs: number;
  pollMs?: number;
  rpc?: RpcTransport;
}

/** Polls until the tx is included with `confirmations`, rebroadcasting it whenever it was dropped. */
export async function awaitInclusion(
  options: AwaitInclusionOptions,
): Promise<{ blockNumber: number; blockHash: string; resent: number }> {
  const rpc = options.rpc ?? httpTransport;
  const deadline = Date.now() + options.timeoutMs;
  let resent = 0;
  let last: Inclusion = { state: "pending" };
  for (;;) {
    last = await inclusionOf(options.url, options.hash, options.confirmations, rpc);
    if (last.state === "included")
      return { blockNumber: last.blockNumber, blockHash: last.blockHash, resent };
    if (last.state === "dropped") {
      try {
        await rpc(options.url, "eth_sendRawTransaction", [options.rawTx]);
        resent++;
      } catch (error) {
        // "nonce too low" while our hash is nowhere: another tx took the nonce, resending cannot help.
        if (/nonce too low/i.test(String(error))) {
          throw new InclusionError(
            options.hash,
            "its nonce was used by another tx: build a new tx for the intent",
          );
        }
        // Anything else (node busy, already known) is retried at the next poll.
      }
    }
    if (Date.now() > deadline) {
      throw new InclusionError(
        options.hash,
        `still ${last.state} after ${options.timeoutMs} ms (resent ${resent} times): check the signers are sealing`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1_000));
  }
}
