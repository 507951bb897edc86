import { task } from "hardhat/config";

/** Chain operations: the Clique network's genesis and its signer set (= the registry's nodes). */
export const chainTasks = [
  task("grid:genesis", "Write a Clique genesis, signer keys and per-node configs (EthereumJS, Nethermind)")
    .addOption({
      name: "signers",
      description: "Signer count (keys generated) or comma-separated addresses",
      defaultValue: "3",
    })
    .addOption({ name: "period", description: "Seconds between blocks", defaultValue: "2" })
    .addOption({
      name: "epoch",
      description: "Blocks between checkpoints (votes reset)",
      defaultValue: "30000",
    })
    .addOption({ name: "chainId", description: "Chain id", defaultValue: "3133742" })
    .addOption({
      name: "operators",
      description: "Comma-separated operator addresses to fund",
      defaultValue: "",
    })
    .addOption({ name: "prefundEth", description: "Ether per operator and signer", defaultValue: "1000000" })
    .addOption({
      name: "hosts",
      description: "One host for all nodes or one per node (comma-separated)",
      defaultValue: "127.0.0.1",
    })
    .addOption({ name: "p2pPort", description: "RLPx port of node 0 (node i: +i)", defaultValue: "30303" })
    .addOption({ name: "rpcPort", description: "JSON-RPC port of node 0 (node i: +i)", defaultValue: "8545" })
    .addOption({
      name: "out",
      description: "Output folder (must not hold a genesis yet)",
      defaultValue: "network",
    })
    .setAction(() => import("./genesis.js"))
    .build(),
  task(
    "grid:signers:sync",
    "Vote the Clique signer set to the registry's nodes (clique_propose on every signer)",
  )
    .addOption({
      name: "signerUrls",
      description: "Comma-separated JSON-RPC URLs of every signer",
      defaultValue: "",
    })
    .addOption({ name: "timeout", description: "Seconds to wait for the votes to pass", defaultValue: "120" })
    .addOption({
      name: "registry",
      description: "ClusterRegistry address (default: GRIDSHARE_REGISTRY or the Ignition deployment)",
      defaultValue: "",
    })
    .setAction(() => import("./signers-sync.js"))
    .build(),
];
