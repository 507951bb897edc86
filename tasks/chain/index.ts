import { task } from "hardhat/config";
import { contractOption, fromOption, option } from "../options.js";
import { DEFAULT_MAX_SIGNERS } from "../../lib/constants.js";

const maxSignersOption = option(
  "maxSigners",
  "Bound of the signer set (SPEC 6)",
  String(DEFAULT_MAX_SIGNERS),
);

/**
 * Chain operations: deploying GridShare, the Clique network's genesis and its signer set (a bounded set of
 * the registry's nodes).
 */
export const chainTasks = [
  task("grid:deploy", "Deploy GridShare with Ignition: epoch (a Monday 00:00 UTC), utility and DGMD accounts")
    .addOption(
      option("epoch", "Start of period 0: a Monday, YYYY-MM-DD or Unix seconds (default: this week's)"),
    )
    .addOption(option("utility", "Utility (admin) address (default: the network's utility account)"))
    .addOption(option("dgmd", "DGMD address (default: the network's DGMD account)"))
    .addFlag({ name: "reset", description: "Delete this chain's Ignition journal first and deploy anew" })
    .addOption(fromOption("utility"))
    .setAction(() => import("./deploy.js"))
    .build(),
  task("grid:genesis", "Write a Clique genesis, signer keys and per-node configs (EthereumJS, Nethermind)")
    .addOption(option("signers", "Signer count (keys generated) or comma-separated addresses", "3"))
    .addOption(
      option("permissioned", "Permissioned (non-sealing) node count (keys generated) or addresses", "0"),
    )
    .addOption(maxSignersOption)
    .addOption(option("period", "Seconds between blocks", "2"))
    .addOption(option("epoch", "Blocks between checkpoints (votes reset)", "30000"))
    .addOption(option("chainId", "Chain id", "3133742"))
    .addOption(option("operators", "Comma-separated operator addresses to fund"))
    .addOption(option("prefundEth", "Ether per operator and node", "1000000"))
    .addOption(option("hosts", "One host for all nodes or one per node (comma-separated)", "127.0.0.1"))
    .addOption(option("p2pPort", "RLPx port of node 0 (node i: +i)", "30303"))
    .addOption(option("rpcPort", "JSON-RPC port of node 0 (node i: +i)", "8545"))
    .addOption(option("out", "Output folder (must not hold a genesis yet)", "network"))
    .setAction(() => import("./genesis.js"))
    .build(),
  task(
    "grid:signers:sync",
    "Vote the Clique signer set to the registry's largest-cluster nodes, bounded (clique_propose on every signer)",
  )
    .addOption(option("signerUrls", "Comma-separated JSON-RPC URLs of every signer"))
    .addOption(maxSignersOption)
    .addOption(option("signers", "Comma-separated signers the utility names instead of the default rule"))
    .addOption(option("timeout", "Seconds to wait for the votes to pass", "120"))
    .addOption(contractOption("ClusterRegistry"))
    .setAction(() => import("./signers-sync.js"))
    .build(),
];
