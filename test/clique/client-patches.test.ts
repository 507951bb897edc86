/**
 * The patched EthereumJS packages (patches/, docs/private-network.md "Client patches"), where a fix can be
 * shown without starting nodes. The devnet suite (npm run test:clique) covers the rest on real nodes.
 */
import { expect } from "chai";
import { createBlock, type Block } from "@ethereumjs/block";
import { createBlockchain, type Blockchain } from "@ethereumjs/blockchain";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";

const GAS_LIMIT = 8_000_000n;

describe("EthereumJS client patches", function () {
  let chain: Blockchain;
  let common: Common;

  beforeEach(async function () {
    common = new Common({ chain: Mainnet, hardfork: Hardfork.Chainstart });
    chain = await createBlockchain({ common, validateBlocks: false, validateConsensus: false });
  });

  /** A child of `parent`; the heavier of two siblings is canonical (total difficulty). */
  function child(parent: Block, difficulty: bigint): Block {
    return createBlock(
      {
        header: {
          number: parent.header.number + 1n,
          parentHash: parent.hash(),
          difficulty,
          gasLimit: GAS_LIMIT,
          timestamp: parent.header.timestamp + 2n,
        },
      },
      { common },
    );
  }

  it("fix 13: the iterator reports a reorg that happened while its callback ran", async function () {
    // The client's execution runs each block in the callback with the chain's lock released; a sibling that
    // arrived meanwhile became canonical. Told "no reorg", the execution ran that sibling on the state of the
    // block it had just executed (a signer failed its own block and stopped following the chain).
    const genesis = chain.genesisBlock;
    const light = child(genesis, 1n);
    const heavy = child(genesis, 2n);
    await chain.putBlock(light);
    const calls: { number: bigint; hash: string; reorg: boolean }[] = [];
    await chain.iterator(
      "vm",
      async (block: Block, reorg: boolean) => {
        calls.push({ number: block.header.number, hash: block.hash().toString(), reorg });
        if (calls.length === 1) await chain.putBlock(heavy);
      },
      2,
      true,
    );
    expect(calls.map((c) => c.number)).to.deep.equal([1n, 1n]);
    expect(calls[1].hash).to.equal(heavy.hash().toString());
    expect(calls.map((c) => c.reorg)).to.deep.equal([false, true]);
  });
});
