import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet, getAddress } from "ethers";
import { InvalidArgumentError, InvalidFileError } from "../errors.js";
import { parseAddressList, parseEtherAmount, parseInteger, parseList } from "../args.js";
import { buildCliqueGenesis, checkSignerCount, sortedSigners, type GethGenesis } from "./genesis.js";

/**
 * grid:genesis: everything a new Clique network needs before its first start: the genesis, one key
 * per node (generated when only a count is given) and a per-node config for the devnet client
 * (EthereumJS) and for production (Nethermind). SPEC 6: N signers (at most `maxSigners`) seal; M
 * permissioned nodes run the same chain and send transactions but are not in the genesis signer list.
 * Pure apart from key generation.
 */
export interface NetworkPlanOptions {
  chainId: number;
  periodSeconds: number;
  epoch: number;
  /** Existing signer addresses (their keys stay with their operators), or how many keys to create. */
  signers: readonly string[] | number;
  /** Permissioned nodes (not sealing): addresses or how many keys to create; none by default. */
  permissioned?: readonly string[] | number;
  /** Bound of the signer set (SPEC 6, default 21). */
  maxSigners?: number;
  /** Operator accounts (utility, gateways) funded at genesis, besides the nodes. */
  operators: readonly string[];
  prefundWei: bigint;
  /** Unix seconds of the genesis block; not in the future. */
  timestamp: number;
  gasLimit?: bigint;
  /** Hosts are loopback on the devnet, real addresses in production (one per node, or one for all). */
  hosts?: readonly string[];
  p2pBasePort: number;
  rpcBasePort: number;
}

/** A signer seals blocks; a permissioned node follows the chain and sends transactions (SPEC 6). */
export type NodeRole = "signer" | "permissioned";

export interface NodePlan {
  index: number;
  role: NodeRole;
  address: string;
  /** Only when the plan created the key: DEVNET ONLY, store it encrypted anywhere else. */
  privateKey?: string;
  host: string;
  p2pPort: number;
  rpcPort: number;
  /** EthereumJS CLI options (without --bootnodes, which need the running peers' enodes). */
  ethereumjs: string[];
  /** Nethermind config (JSON config file sections). */
  nethermind: Record<string, Record<string, unknown>>;
}

export interface NetworkPlan {
  genesis: GethGenesis;
  nodes: NodePlan[];
}

/** grid:genesis's options, as typed. */
export interface NetworkArgs {
  signers: string;
  permissioned: string;
  maxSigners: string;
  period: string;
  epoch: string;
  chainId: string;
  operators: string;
  prefundEth: string;
  hosts: string;
  p2pPort: string;
  rpcPort: string;
}

/** Check grid:genesis's options; `signers` is a count of keys to create or a list of addresses. */
export function parseNetworkArgs(
  args: NetworkArgs,
  timestamp = Math.floor(Date.now() / 1000),
): NetworkPlanOptions {
  return {
    chainId: parseInteger("chain-id", args.chainId),
    periodSeconds: parseInteger("period", args.period),
    epoch: parseInteger("epoch", args.epoch),
    signers: countOrList("signers", args.signers),
    permissioned: countOrList("permissioned", args.permissioned),
    maxSigners: parseInteger("max-signers", args.maxSigners, 1),
    operators: parseList(args.operators),
    prefundWei: parseEtherAmount("prefund-eth", args.prefundEth),
    timestamp,
    hosts: parseList(args.hosts),
    p2pBasePort: parseInteger("p2p-port", args.p2pPort),
    rpcBasePort: parseInteger("rpc-port", args.rpcPort),
  };
}

/** A count of keys to create (digits only) or a comma-separated address list. */
function countOrList(option: string, value: string): number | string[] {
  return /^\d+$/.test(value.trim()) ? parseInteger(option, value) : parseList(value);
}

interface NodeKey {
  role: NodeRole;
  address: string;
  privateKey?: string;
}

/** Keys of one role: created for a count, else the given addresses (their keys stay with their operators). */
function roleKeys(
  role: NodeRole,
  value: readonly string[] | number,
  newKey: () => { address: string; privateKey: string },
): NodeKey[] {
  if (typeof value === "number") {
    return Array.from({ length: value }, () => {
      const { address, privateKey } = newKey();
      return { role, address, privateKey };
    });
  }
  const addresses = role === "signer" ? sortedSigners(value) : parseAddressList(role, value);
  return addresses.map((address) => ({ role, address }));
}

/** Largest TCP port. */
const MAX_PORT = 65_535;

export function planNetwork(
  options: NetworkPlanOptions,
  newKey: () => { address: string; privateKey: string } = () => Wallet.createRandom(),
): NetworkPlan {
  const signerCount = typeof options.signers === "number" ? options.signers : options.signers.length;
  checkSignerCount(signerCount, options.maxSigners);
  const keys = [
    ...roleKeys("signer", options.signers, newKey),
    ...roleKeys("permissioned", options.permissioned ?? 0, newKey),
  ];
  const addresses = new Set(keys.map((k) => getAddress(k.address)));
  if (addresses.size !== keys.length) {
    throw new InvalidArgumentError(
      "permissioned",
      "an address is listed twice: each node is either a signer or permissioned, once",
    );
  }
  const count = keys.length;
  const hosts = options.hosts ?? ["127.0.0.1"];
  if (hosts.length !== 1 && hosts.length !== count) {
    throw new InvalidArgumentError(
      "hosts",
      `${hosts.length} hosts for ${count} nodes: give one or one per node`,
    );
  }
  for (const [what, base] of [
    ["p2p-port", options.p2pBasePort],
    ["rpc-port", options.rpcBasePort],
  ] as const) {
    if (!Number.isInteger(base) || base < 1024 || base + count - 1 > MAX_PORT) {
      throw new InvalidArgumentError(
        what,
        `${base}: ports ${base}..${base + count - 1} must lie in 1024..${MAX_PORT}`,
      );
    }
  }
  const prefunded = new Map<string, bigint>();
  for (const address of parseAddressList("operators", options.operators))
    prefunded.set(address, options.prefundWei);
  // Every node (signer or permissioned) sends its cluster's batches, so all are funded.
  for (const k of keys) prefunded.set(getAddress(k.address), options.prefundWei);
  const genesis = buildCliqueGenesis({
    chainId: options.chainId,
    signers: keys.filter((k) => k.role === "signer").map((k) => k.address),
    maxSigners: options.maxSigners,
    periodSeconds: options.periodSeconds,
    epoch: options.epoch,
    prefunded,
    timestamp: options.timestamp,
    gasLimit: options.gasLimit,
  });
  const nodes = keys.map((k, index): NodePlan => {
    const host = hosts.length === 1 ? (hosts[0] as string) : (hosts[index] as string);
    const p2pPort = options.p2pBasePort + index;
    const rpcPort = options.rpcBasePort + index;
    // EthereumJS seals whenever it mines, signer or not: only the signers mine on it.
    const sealing = k.role === "signer" ? ["--mine", `--unlock=node${index}/signer.key`] : [];
    return {
      index,
      role: k.role,
      address: getAddress(k.address),
      ...(k.privateKey !== undefined ? { privateKey: k.privateKey } : {}),
      host,
      p2pPort,
      rpcPort,
      ethereumjs: [
        "--gethGenesis=genesis.json",
        `--dataDir=node${index}`,
        `--port=${p2pPort}`,
        `--extIP=${host}`,
        "--rpc",
        `--rpcPort=${rpcPort}`,
        `--rpcAddr=${host}`,
        ...sealing,
        "--discDns=false",
        "--discV4=false",
        "--saveReceipts",
      ],
      // Every node mines with its own key: Nethermind's Clique sealer seals only while the chain lists the
      // node as a signer (CliqueSealer.CanSeal), so grid:signers:sync promotes or demotes without a restart.
      nethermind: {
        Init: { ChainSpecPath: "genesis.json", IsMining: true, BaseDbPath: `node${index}/db` },
        KeyStore: { BlockAuthorAccount: getAddress(k.address), UnlockAccounts: [getAddress(k.address)] },
        Network: { ExternalIp: host, LocalIp: host, P2PPort: p2pPort, DiscoveryPort: p2pPort },
        Discovery: { Discovery: false },
        JsonRpc: {
          Enabled: true,
          Host: host,
          Port: rpcPort,
          // clique: signer votes (grid:signers:sync); admin: static peers.
          EnabledModules: ["Eth", "Net", "Web3", "Clique", "Admin", "TxPool"],
        },
      },
    };
  });
  return { genesis, nodes };
}

/**
 * Writes `genesis.json`, and per node `node<i>/config.json` (both clients' settings) and, for keys the
 * plan created, `node<i>/signer.key` (hex without 0x, as EthereumJS --unlock reads it; mode 600).
 * Refuses a folder that already holds a genesis: a second genesis would fork the network.
 */
export function writeNetworkPlan(plan: NetworkPlan, outDir: string): string[] {
  const genesisFile = path.join(outDir, "genesis.json");
  if (existsSync(genesisFile)) {
    throw new InvalidFileError(
      genesisFile,
      "exists already: choose another --out (a new genesis is a new chain)",
    );
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(genesisFile, `${JSON.stringify(plan.genesis, null, 2)}\n`);
  const written = [genesisFile];
  for (const n of plan.nodes) {
    const dir = path.join(outDir, `node${n.index}`);
    mkdirSync(dir, { recursive: true });
    const { privateKey, ...config } = n;
    writeFileSync(path.join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    written.push(path.join(dir, "config.json"));
    if (privateKey !== undefined) {
      writeFileSync(path.join(dir, "signer.key"), privateKey.slice(2), { mode: 0o600 });
      written.push(path.join(dir, "signer.key"));
    }
  }
  return written;
}

/** What grid:genesis prints: each node, then where the files went. */
export function formatNetworkPlan(plan: NetworkPlan, written: readonly string[], outDir: string): string {
  const nodes = plan.nodes.map(
    (n) =>
      `node${n.index} ${n.role.padEnd(12)} ${n.address} p2p ${n.host}:${n.p2pPort} rpc ${n.host}:${n.rpcPort}`,
  );
  return [...nodes, `wrote ${written.length} files under ${outDir}`].join("\n");
}
