/**
 * grid:genesis and the devnet plan: the genesis, keys and per-node configs of a new Clique network, N signers
 * plus M permissioned nodes (SPEC 6), without starting a node.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { Wallet, getAddress } from "ethers";
import { planNetwork, writeNetworkPlan, type NetworkPlanOptions } from "../../lib/clique/network.js";
import { BATCH_TX_GAS_BOUND, signersFromExtraData } from "../../lib/clique/genesis.js";
import { devnetSigners, nodeArgs, planDevnet } from "../../lib/clique/devnet.js";
import { InvalidArgumentError, InvalidFileError } from "../../lib/errors.js";
import { captureTask } from "../helpers/tasks.js";

// Fixed keys (test only): the plan must be reproducible from them.
const KEYS = [1, 2, 3, 4, 5].map((i) => new Wallet(`0x${i.toString(16).padStart(64, "0")}`));
const OPERATOR = getAddress("0x00000000000000000000000000000000000000aa");
const BASE: NetworkPlanOptions = {
  chainId: 3_133_742,
  periodSeconds: 2,
  epoch: 30_000,
  signers: 3,
  operators: [OPERATOR],
  prefundWei: 10n ** 24n,
  timestamp: 1_700_000_000,
  p2pBasePort: 31_400,
  rpcBasePort: 9_600,
};

const SIGNER_KEYS = KEYS.slice(0, 3);

function fixedKeys(): () => Wallet {
  let i = 0;
  return () => KEYS[i++ % KEYS.length];
}

const byAddress = (a: string, b: string) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1);

describe("grid:genesis (Clique network plan)", () => {
  it("writes a geth-format Clique genesis: period, epoch, sorted signers, 1,000 batch txs per block, funded operators", () => {
    const { genesis, nodes } = planNetwork(BASE, fixedKeys());
    expect(genesis.config.chainId).to.equal(3_133_742);
    expect(genesis.config.clique).to.deep.equal({ period: 2, epoch: 30_000 });
    // Up to Gray Glacier at block 0, never the merge: Clique ends at Paris.
    expect(genesis.config.londonBlock).to.equal(0);
    expect(genesis.config.grayGlacierBlock).to.equal(0);
    expect(genesis.config).to.not.have.property("terminalTotalDifficulty");
    const sorted = SIGNER_KEYS.map((k) => k.address).sort(byAddress);
    expect(signersFromExtraData(genesis.extraData)).to.deep.equal(sorted);
    expect(BigInt(genesis.gasLimit) / BATCH_TX_GAS_BOUND).to.be.at.least(1_000n);
    expect(genesis.alloc[OPERATOR.slice(2).toLowerCase()]).to.deep.equal({
      balance: "0xd3c21bcecceda1000000",
    });
    // Signers are the grid's nodes: they pay for their proposals and votes.
    for (const k of SIGNER_KEYS)
      expect(genesis.alloc[k.address.slice(2).toLowerCase()]).to.not.equal(undefined);
    expect(Object.keys(genesis.alloc)).to.have.length(1 + SIGNER_KEYS.length);
    expect(genesis.timestamp).to.equal("0x6553f100");
    expect(nodes.map((n) => [n.role, n.address, n.privateKey, n.p2pPort, n.rpcPort])).to.deep.equal(
      SIGNER_KEYS.map((k, i) => ["signer", k.address, k.privateKey, 31_400 + i, 9_600 + i]),
    );
    expect(nodes[1].ethereumjs).to.include.members([
      "--port=31401",
      "--rpcPort=9601",
      "--mine",
      "--extIP=127.0.0.1",
    ]);
    expect(nodes[1].nethermind.KeyStore).to.deep.equal({
      BlockAuthorAccount: KEYS[1].address,
      UnlockAccounts: [KEYS[1].address],
    });
    expect(nodes[1].nethermind.JsonRpc.EnabledModules).to.include("Clique");
  });

  it("adds permissioned nodes: funded, after the signers, not in the genesis signer list, not sealing on EthereumJS", () => {
    const { genesis, nodes } = planNetwork({ ...BASE, permissioned: 2 }, fixedKeys());
    expect(signersFromExtraData(genesis.extraData)).to.deep.equal(
      SIGNER_KEYS.map((k) => k.address).sort(byAddress),
    );
    expect(nodes.map((n) => [n.index, n.role, n.address, n.rpcPort])).to.deep.equal(
      KEYS.map((k, i) => [i, i < 3 ? "signer" : "permissioned", k.address, 9_600 + i]),
    );
    // Every node sends its cluster's batches: all funded.
    for (const k of KEYS) expect(genesis.alloc[k.address.slice(2).toLowerCase()]).to.not.equal(undefined);
    expect(nodes[3].ethereumjs).to.not.include("--mine");
    expect(nodes[3].ethereumjs.some((a) => a.startsWith("--unlock"))).to.equal(false);
    expect(nodes[3].ethereumjs).to.include("--rpcPort=9603");
    // Nethermind seals only while the chain lists the node: every node mines with its own key.
    expect(nodes[3].nethermind.Init.IsMining).to.equal(true);
    expect(nodes[3].nethermind.KeyStore.BlockAuthorAccount).to.equal(KEYS[3].address);
    const listed = planNetwork({ ...BASE, signers: [KEYS[0].address], permissioned: [KEYS[4].address] });
    expect(listed.nodes.map((n) => [n.role, n.address, n.privateKey])).to.deep.equal([
      ["signer", KEYS[0].address, undefined],
      ["permissioned", KEYS[4].address, undefined],
    ]);
  });

  it("bounds the signer set (default 21): the other nodes join as permissioned", () => {
    const many = () => Wallet.createRandom();
    expect(planNetwork({ ...BASE, signers: 21, permissioned: 4 }, many).nodes).to.have.length(25);
    expect(() => planNetwork({ ...BASE, signers: 22 }, many)).to.throw(
      InvalidArgumentError,
      /22 signers, more than the bound of 21 .*permissioned senders, or raise --max-signers/,
    );
    expect(() => planNetwork({ ...BASE, signers: 3, maxSigners: 2 }, many)).to.throw(/bound of 2/);
    expect(() =>
      planNetwork({ ...BASE, signers: [KEYS[0].address], permissioned: [KEYS[0].address.toLowerCase()] }),
    ).to.throw(InvalidArgumentError, /either a signer or permissioned/);
  });

  it("plans a devnet of N signers plus M permissioned nodes: only the signers seal", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gridshare-devnet-plan-"));
    try {
      const state = planDevnet({ baseDir: dir, signers: 3, permissioned: 2, periodSeconds: 2, operators: 1 });
      expect(state.nodes.map((n) => n.role)).to.deep.equal([
        "signer",
        "signer",
        "signer",
        "permissioned",
        "permissioned",
      ]);
      expect(devnetSigners(state).map((n) => n.index)).to.deep.equal([0, 1, 2]);
      const genesis = JSON.parse(readFileSync(state.genesisFile, "utf8"));
      expect(signersFromExtraData(genesis.extraData)).to.deep.equal(
        devnetSigners(state)
          .map((n) => n.address)
          .sort(byAddress),
      );
      for (const n of state.nodes)
        expect(genesis.alloc[n.address.slice(2).toLowerCase()]).to.not.equal(undefined);
      expect(nodeArgs(state, state.nodes[0], [])).to.include("--mine");
      const follower = nodeArgs(state, state.nodes[4], ["enode://x"]);
      expect(follower).to.not.include("--mine");
      expect(follower.some((a) => a.startsWith("--unlock"))).to.equal(false);
      expect(follower).to.include(`--rpcPort=${state.nodes[4].rpcPort}`);
      expect(() =>
        planDevnet({ baseDir: path.join(dir, "b"), signers: 22, periodSeconds: 2, operators: 1 }),
      ).to.throw(InvalidArgumentError, /bound of 21/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes existing signer addresses (no keys written) and one host per node", () => {
    const addresses = SIGNER_KEYS.map((k) => k.address.toLowerCase());
    const { nodes } = planNetwork({
      ...BASE,
      signers: addresses,
      hosts: ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
    });
    expect(nodes.every((n) => n.privateKey === undefined)).to.equal(true);
    expect(nodes.map((n) => n.host)).to.deep.equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  });

  it("refuses no signer, a duplicate signer, a host count that fits no node count, ports out of range, a bad operator", () => {
    expect(() => planNetwork({ ...BASE, signers: 0 })).to.throw(InvalidArgumentError, /at least one signer/);
    expect(() => planNetwork({ ...BASE, signers: [KEYS[0].address, KEYS[0].address] })).to.throw(
      /listed twice/,
    );
    expect(() => planNetwork({ ...BASE, hosts: ["a", "b"] })).to.throw(
      InvalidArgumentError,
      /2 hosts for 3 nodes/,
    );
    expect(() => planNetwork({ ...BASE, p2pBasePort: 65_534 })).to.throw(InvalidArgumentError, /--p2p-port/);
    expect(() => planNetwork({ ...BASE, rpcBasePort: 80 })).to.throw(InvalidArgumentError, /--rpc-port/);
    expect(() => planNetwork({ ...BASE, operators: ["0xnope"] })).to.throw(
      InvalidArgumentError,
      /--operators/,
    );
    expect(() => planNetwork({ ...BASE, gasLimit: 1_000_000n })).to.throw(
      InvalidArgumentError,
      /fewer than 1000/,
    );
  });

  it("writes genesis, configs and 600-mode keys, and refuses to overwrite a genesis", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gridshare-genesis-"));
    try {
      const plan = planNetwork({ ...BASE, permissioned: 1 }, fixedKeys());
      const files = writeNetworkPlan(plan, dir);
      expect(files).to.have.length(1 + 2 * 4);
      expect(JSON.parse(readFileSync(path.join(dir, "genesis.json"), "utf8"))).to.deep.equal(plan.genesis);
      const config = JSON.parse(readFileSync(path.join(dir, "node2", "config.json"), "utf8"));
      expect(config).to.not.have.property("privateKey");
      expect(config.address).to.equal(KEYS[2].address);
      expect(readFileSync(path.join(dir, "node2", "signer.key"), "utf8")).to.equal(
        KEYS[2].privateKey.slice(2),
      );
      expect(statSync(path.join(dir, "node2", "signer.key")).mode & 0o777).to.equal(0o600);
      const follower = JSON.parse(readFileSync(path.join(dir, "node3", "config.json"), "utf8"));
      expect([follower.role, follower.address]).to.deep.equal(["permissioned", KEYS[3].address]);
      expect(() => writeNetworkPlan(plan, dir)).to.throw(InvalidFileError, /exists already/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("grid:genesis task writes a network folder from its options", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gridshare-genesis-task-"));
    const out = path.join(dir, "net");
    const original = console.log;
    const lines: string[] = [];
    console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
    try {
      await hre.tasks
        .getTask("grid:genesis")
        .run({ signers: "2", permissioned: "1", operators: OPERATOR, out, period: "5" });
      const genesis = JSON.parse(readFileSync(path.join(out, "genesis.json"), "utf8"));
      expect(genesis.config.clique.period).to.equal(5);
      expect(signersFromExtraData(genesis.extraData)).to.have.length(2);
      expect(lines.join("\n")).to.match(/node2 permissioned 0x.*\nwrote 7 files/);
      for (const bad of [{ period: "x" }, { maxSigners: "1" }, { permissioned: "x" }]) {
        const refused = await captureTask("grid:genesis", { signers: "2", out: path.join(dir, "b"), ...bad });
        expect(refused.error, JSON.stringify(bad)).to.be.instanceOf(InvalidArgumentError);
      }
    } finally {
      console.log = original;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
