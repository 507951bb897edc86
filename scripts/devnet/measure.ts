/**
 * npm run chain:measure — a bounded, paced burst of transfers on the running devnet (`npm run chain:up`),
 * then block time, tx per block and tx/s from the blocks that hold them. GRIDSHARE_BURST_TXS (default
 * 200) txs spread over the operator accounts, one every GRIDSHARE_BURST_GAP_MS (default 20) ms,
 * round-robin over the nodes' RPC. Numbers go to docs/private-network.md; nothing is asserted.
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { blockHeader, DevnetError, loadState } from "../../lib/clique/devnet.js";
import { httpTransport, waitFor } from "../../lib/clique/rpc.js";
import { DEVNET_DIR, envInt } from "../../lib/clique/config.js";
import { runCli } from "../../lib/cli.js";

await runCli(async () => {
  const TRANSFER_GAS = 21_000n;
  const state = loadState(DEVNET_DIR);
  const total = envInt("GRIDSHARE_BURST_TXS", 200);
  const gapMs = envInt("GRIDSHARE_BURST_GAP_MS", 20);
  const urls = state.nodes.map((n) => n.rpcUrl);
  const provider = new JsonRpcProvider(urls[0], state.chainId, { staticNetwork: true });
  const wallets = state.operatorKeys.map((k) => new Wallet(k, provider));
  const nonces = await Promise.all(wallets.map((w) => provider.getTransactionCount(w.address, "pending")));
  const latest = await blockHeader(urls[0], "latest");
  const maxFee = BigInt(latest.baseFeePerGas ?? "0x0") * 4n + 10n ** 9n;
  const startBlock = Number(latest.number);

  /**
   * A node answers "State trie does not contain state root" while it is still executing a new head:
   * transient, so the same signed tx is sent again (identical bytes: it cannot be applied twice).
   */
  async function sendRaw(url: string, raw: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await httpTransport(url, "eth_sendRawTransaction", [raw])) as string;
      } catch (error) {
        if (attempt >= 20 || !String(error).includes("state root")) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  const hashes: string[] = [];
  const startMs = Date.now();
  for (let i = 0; i < total; i++) {
    const w = i % wallets.length;
    const wallet = wallets[w] as Wallet;
    const raw = await wallet.signTransaction({
      type: 2,
      chainId: state.chainId,
      to: wallets[(w + 1) % wallets.length]?.address,
      value: 1n,
      nonce: (nonces[w] as number) + Math.floor(i / wallets.length),
      gasLimit: TRANSFER_GAS,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    hashes.push(await sendRaw(urls[i % urls.length] as string, raw));
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const sentMs = Date.now() - startMs;

  // Poll one nonce per account (a node serves RPC on its only thread: 200 receipt polls a second would
  // slow its sealing), then read every receipt once.
  const targets = wallets.map((_, w) => (nonces[w] as number) + Math.ceil((total - w) / wallets.length));
  await waitFor(
    `${total} burst txs mined`,
    async () => {
      const counts = await Promise.all(wallets.map((w) => provider.getTransactionCount(w.address, "latest")));
      return counts.every((c, w) => c >= (targets[w] as number)) ? true : undefined;
    },
    300_000,
    2_000,
  );
  const receipts: ({ blockNumber: string } | null)[] = [];
  for (const h of hashes) {
    // One at a time: the node answers RPC on the thread that also seals.
    receipts.push(
      (await httpTransport(urls[0] as string, "eth_getTransactionReceipt", [h])) as {
        blockNumber: string;
      } | null,
    );
  }
  if (receipts.some((r) => r === null))
    throw new DevnetError(
      "a counted tx has no receipt on node0 yet: run the measurement again once it has caught up",
    );
  const blocks = receipts.map((r) => Number(r?.blockNumber));
  const first = Math.min(...blocks);
  const last = Math.max(...blocks);
  const perBlock = new Map<number, number>();
  for (const b of blocks) perBlock.set(b, (perBlock.get(b) ?? 0) + 1);
  const t0 = Number((await blockHeader(urls[0], startBlock)).timestamp);
  const tLast = Number((await blockHeader(urls[0], last)).timestamp);
  const tFirst = Number((await blockHeader(urls[0], first)).timestamp);
  const spanBlocks = last - startBlock;
  console.log(
    `burst: ${total} transfers from ${wallets.length} accounts, sent in ${sentMs} ms over ${urls.length} nodes`,
  );
  console.log(
    `mined in blocks ${first}..${last} (${perBlock.size} blocks with txs, ${last - first + 1} blocks)`,
  );
  console.log(
    `tx per block: max ${Math.max(...perBlock.values())}, mean over blocks with txs ${(total / perBlock.size).toFixed(1)}`,
  );
  console.log(
    `block time: ${((tLast - t0) / Math.max(spanBlocks, 1)).toFixed(2)} s mean over blocks ${startBlock + 1}..${last}`,
  );
  console.log(
    `throughput: ${(total / Math.max(tLast - t0, 1)).toFixed(1)} tx/s (send start to last inclusion, block timestamps)`,
  );
  console.log(`first inclusion ${tFirst - t0} s after the burst's parent block`);
});
