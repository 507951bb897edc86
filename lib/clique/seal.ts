import { Signature, encodeRlp, getAddress, keccak256, recoverAddress, toBeArray } from "ethers";
import { CLIQUE_SEAL_BYTES } from "./genesis.js";

/** The header fields of an `eth_getBlockByNumber` answer that Clique signs (pre-Shanghai). */
export interface RpcHeader {
  parentHash: string;
  sha3Uncles: string;
  miner: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  difficulty: string;
  number: string;
  gasLimit: string;
  gasUsed: string;
  timestamp: string;
  extraData: string;
  mixHash: string;
  nonce: string;
  baseFeePerGas?: string;
}

const quantity = (hex: string): Uint8Array => toBeArray(BigInt(hex));

/** EIP-225 sigHash: keccak256 of the RLP header with the 65-byte seal cut off extraData. */
export function cliqueSealHash(h: RpcHeader): string {
  const extra = h.extraData.slice(0, h.extraData.length - CLIQUE_SEAL_BYTES * 2);
  const fields: (string | Uint8Array)[] = [
    h.parentHash,
    h.sha3Uncles,
    h.miner,
    h.stateRoot,
    h.transactionsRoot,
    h.receiptsRoot,
    h.logsBloom,
    quantity(h.difficulty),
    quantity(h.number),
    quantity(h.gasLimit),
    quantity(h.gasUsed),
    quantity(h.timestamp),
    extra,
    h.mixHash,
    h.nonce,
  ];
  if (h.baseFeePerGas !== undefined) fields.push(quantity(h.baseFeePerGas));
  return keccak256(encodeRlp(fields));
}

/**
 * Who sealed a block. The header's miner is 0x0 on Clique (the coinbase carries votes); the signer is
 * recovered from the seal at the end of extraData. Block 0 has no seal: undefined.
 */
export function cliqueSealer(h: RpcHeader): string | undefined {
  const seal = h.extraData.slice(h.extraData.length - CLIQUE_SEAL_BYTES * 2);
  if (/^0+$/.test(seal)) return undefined;
  const r = `0x${seal.slice(0, 64)}`;
  const s = `0x${seal.slice(64, 128)}`;
  const v = 27 + parseInt(seal.slice(128, 130), 16);
  return getAddress(recoverAddress(cliqueSealHash(h), Signature.from({ r, s, v })));
}
