import { getAddress, hexlify, toBeHex } from "ethers";
import { InvalidArgumentError } from "../errors.js";
import { parseAddressList } from "../args.js";
import { DEFAULT_MAX_SIGNERS } from "../constants.js";

/**
 * A geth-format genesis for a Clique (EIP-225) network. The same file loads in EthereumJS
 * (`--gethGenesis`) for the devnet and in Nethermind (`--Init.ChainSpecPath` accepts geth genesis
 * since 1.26) for production.
 */
export interface GethGenesis {
  config: Record<string, unknown> & { chainId: number; clique: { period: number; epoch: number } };
  nonce: string;
  timestamp: string;
  extraData: string;
  gasLimit: string;
  difficulty: string;
  mixHash: string;
  coinbase: string;
  number: string;
  gasUsed: string;
  parentHash: string;
  baseFeePerGas: string;
  alloc: Record<string, { balance: string }>;
}

export interface CliqueGenesisOptions {
  chainId: number;
  /** Signer (node) addresses; sorted ascending into extraData, as Clique requires. */
  signers: readonly string[];
  /** Bound of the signer set (SPEC 6); default `DEFAULT_MAX_SIGNERS`. */
  maxSigners?: number;
  /** Seconds between blocks. */
  periodSeconds: number;
  /** Blocks between checkpoints (votes are reset at each epoch). */
  epoch: number;
  /** Accounts funded at genesis (operators, gateways): address -> wei. */
  prefunded: ReadonlyMap<string, bigint>;
  /** Unix seconds; must not be in the future (EthereumJS refuses a future genesis). */
  timestamp: number;
  /** Block gas limit; default sized for MIN_BATCH_TXS_PER_BLOCK batch transactions. */
  gasLimit?: bigint;
}

/** Refuses a signer count outside 1..maxSigners, saying where the other nodes go. */
export function checkSignerCount(count: number, maxSigners = DEFAULT_MAX_SIGNERS): void {
  if (!Number.isInteger(maxSigners) || maxSigners < 1) {
    throw new InvalidArgumentError("max-signers", `${maxSigners}: the bound must be a whole number >= 1`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError("signers", `${count}: at least one signer is needed`);
  }
  if (count > maxSigners) {
    throw new InvalidArgumentError(
      "signers",
      `${count} signers, more than the bound of ${maxSigners} (SPEC 6): name at most ${maxSigners} ` +
        "and add the other nodes as permissioned senders, or raise --max-signers",
    );
  }
}

/** EIP-225: 32 bytes of vanity before the signer list, 65 bytes of seal after it. */
export const CLIQUE_VANITY_BYTES = 32;
export const CLIQUE_SEAL_BYTES = 65;

/**
 * Gas bound of one batch transaction (a proposal carries the header and a root; a vote the digest).
 * Generous on purpose: the limit is a ceiling, empty space in a block costs nothing.
 */
export const BATCH_TX_GAS_BOUND = 250_000n;
/** Issue 10: one block must hold at least 1,000 batch proposals or votes. */
export const MIN_BATCH_TXS_PER_BLOCK = 1_000n;
export const DEFAULT_GAS_LIMIT = BATCH_TX_GAS_BOUND * MIN_BATCH_TXS_PER_BLOCK;

/**
 * Hardforks up to Gray Glacier, all at block 0. Clique ends there: Paris (the merge) would turn the
 * chain into proof of stake, so no merge or Shanghai field is set and contracts compile for `paris`.
 */
const FORK_BLOCKS = [
  "homesteadBlock",
  "eip150Block",
  "eip155Block",
  "eip158Block",
  "byzantiumBlock",
  "constantinopleBlock",
  "petersburgBlock",
  "istanbulBlock",
  "muirGlacierBlock",
  "berlinBlock",
  "londonBlock",
  "arrowGlacierBlock",
  "grayGlacierBlock",
] as const;

/** EIP-1559 initial base fee (1 gwei), stated so every client starts from the same value. */
const INITIAL_BASE_FEE = 1_000_000_000n;

/** Signer addresses, checksummed, unique and sorted ascending by their bytes. */
export function sortedSigners(signers: readonly string[]): string[] {
  const addresses = parseAddressList("signers", signers);
  const unique = new Set(addresses.map((a) => a.toLowerCase()));
  if (unique.size !== addresses.length) {
    throw new InvalidArgumentError("signers", "an address is listed twice");
  }
  return addresses.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
}

/** Genesis extraData: 32 zero bytes, the sorted signers, 65 zero bytes (no seal on block 0). */
export function cliqueExtraData(signers: readonly string[]): string {
  const body = sortedSigners(signers)
    .map((a) => a.slice(2).toLowerCase())
    .join("");
  return `0x${"00".repeat(CLIQUE_VANITY_BYTES)}${body}${"00".repeat(CLIQUE_SEAL_BYTES)}`;
}

/** The signers a genesis extraData lists (inverse of `cliqueExtraData`). */
export function signersFromExtraData(extraData: string): string[] {
  const hex = extraData.startsWith("0x") ? extraData.slice(2) : extraData;
  const body = hex.slice(CLIQUE_VANITY_BYTES * 2, hex.length - CLIQUE_SEAL_BYTES * 2);
  if (body.length % 40 !== 0) {
    throw new InvalidArgumentError(
      "extraData",
      `signer list is ${body.length / 2} bytes, not a multiple of 20`,
    );
  }
  const out: string[] = [];
  for (let i = 0; i < body.length; i += 40) out.push(getAddress(`0x${body.slice(i, i + 40)}`));
  return out;
}

/** Builds the genesis; refuses values a Clique client would refuse later, at start-up. */
export function buildCliqueGenesis(options: CliqueGenesisOptions): GethGenesis {
  const { chainId, signers, periodSeconds, epoch, prefunded, timestamp } = options;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new InvalidArgumentError("chain-id", `${chainId} is not a positive integer`);
  }
  checkSignerCount(signers.length, options.maxSigners);
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) {
    throw new InvalidArgumentError(
      "period",
      `${periodSeconds} s: a Clique period is a whole number of seconds >= 1`,
    );
  }
  if (!Number.isInteger(epoch) || epoch < 1) {
    throw new InvalidArgumentError("epoch", `${epoch}: must be a positive number of blocks`);
  }
  if (!Number.isInteger(timestamp) || timestamp < 0 || timestamp > Math.floor(Date.now() / 1000)) {
    throw new InvalidArgumentError(
      "timestamp",
      `${timestamp} is in the future or invalid: clients refuse it`,
    );
  }
  const gasLimit = options.gasLimit ?? DEFAULT_GAS_LIMIT;
  if (gasLimit < BATCH_TX_GAS_BOUND * MIN_BATCH_TXS_PER_BLOCK) {
    throw new InvalidArgumentError(
      "gas-limit",
      `${gasLimit} holds fewer than ${MIN_BATCH_TXS_PER_BLOCK} batch txs`,
    );
  }
  const alloc: Record<string, { balance: string }> = {};
  for (const [address, wei] of prefunded) {
    if (wei < 0n) throw new InvalidArgumentError("prefund", `${address}: negative balance`);
    alloc[getAddress(address).slice(2).toLowerCase()] = { balance: toBeHex(wei) };
  }
  const config: GethGenesis["config"] = {
    chainId,
    ...Object.fromEntries(FORK_BLOCKS.map((f) => [f, 0])),
    clique: { period: periodSeconds, epoch },
  };
  return {
    config,
    nonce: "0x0",
    timestamp: toBeHex(timestamp),
    extraData: cliqueExtraData(signers),
    gasLimit: toBeHex(gasLimit),
    difficulty: "0x1",
    mixHash: hexlify(new Uint8Array(32)),
    coinbase: hexlify(new Uint8Array(20)),
    number: "0x0",
    gasUsed: "0x0",
    parentHash: hexlify(new Uint8Array(32)),
    baseFeePerGas: toBeHex(INITIAL_BASE_FEE),
    alloc,
  };
}
