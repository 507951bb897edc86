/**
 * The 51% attack at layer 2, on a real 3-signer Clique devnet (lib/clique, EthereumJS on 127.0.0.1).
 * Colluding signers are modelled by stopping the honest ones: what is left is exactly what the colluders can
 * seal on their own. Phase 1: the honest signer is gone, the 2-of-3 majority keeps sealing (the paper's "Y").
 * Phase 2: the second signer is gone too, the lone 1-of-3 minority cannot extend the chain (Clique lets a
 * signer seal at most one of every floor(N/2)+1 consecutive blocks). Censoring a chosen transaction would need
 * a modified client: not executed here, and the matrix says so. Every node started here is stopped.
 */
import path from "node:path";
import {
  blockHeader,
  recentSealers,
  startDevnet,
  stopDevnet,
  stopNode,
  waitForAgreement,
} from "../../lib/clique/devnet.js";
import type { DevnetOptions, DevnetState } from "../../lib/clique/devnet.js";
import { CLIENT_CLI, ROOT } from "../../lib/clique/config.js";
import type { Observation } from "./types.js";

/** The experiment's devnet: 3 signers sealing every 2 s. */
const DEVNET: DevnetOptions = {
  baseDir: path.join(ROOT, ".devnet", "attacks"),
  signers: 3,
  periodSeconds: 2,
  operators: 1,
  clientCli: CLIENT_CLI,
  /** Ports 30420+/8620+: beside `chain:up` (+0) and `test:clique` (+10). */
  portOffset: 20,
};
const START_TIMEOUT_MS = 60_000;
/** Blocks the majority must seal without the honest signer. */
const MAJORITY_BLOCKS = 4;
/** Slots the minority gets alone: with 3 signers it may seal at most 1 of any 2 consecutive blocks. */
const MINORITY_SLOTS = 5;
const POLL_MS = 500;

export interface MajorityExperiment {
  readonly majority: Observation;
  readonly minority: Observation;
}

async function head(url: string): Promise<number> {
  return Number((await blockHeader(url, "latest")).number);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Blocks sealed on `url` within `ms`, polled (the node may stall: no waiting forever). */
async function sealedWithin(url: string, from: number, ms: number, enough = Infinity): Promise<number> {
  const deadline = Date.now() + ms;
  let n = from;
  while (Date.now() < deadline && n - from < enough) {
    await sleep(POLL_MS);
    n = await head(url);
  }
  return n;
}

/** Run both phases on a fresh devnet; the devnet is always stopped. About one minute on this machine. */
export async function runMajorityExperiment(): Promise<MajorityExperiment> {
  let state: DevnetState | undefined;
  try {
    state = await startDevnet(DEVNET, START_TIMEOUT_MS);
    await waitForAgreement(state, DEVNET.signers, START_TIMEOUT_MS);
    const [colluder, accomplice, honest] = state.nodes;
    const url = colluder.rpcUrl;

    // Phase 1: the honest signer is excluded; the colluding majority seals alone.
    await stopNode(honest);
    const from1 = await head(url);
    const to1 = await sealedWithin(
      url,
      from1,
      MAJORITY_BLOCKS * DEVNET.periodSeconds * 1000 * 4,
      MAJORITY_BLOCKS,
    );
    const sealers1 = await recentSealers(url, from1 + 1, to1);
    const bySet = new Set(sealers1.map((b) => b.sealer));
    const majorityOk = to1 - from1 >= MAJORITY_BLOCKS && !bySet.has(honest.address);
    const majority: Observation = {
      outcome: majorityOk ? "succeeded: majority seals without the honest signer" : "majority stalled",
      attackSucceeded: majorityOk,
      detail: `${to1 - from1} blocks without signer ${honest.index}, sealed by ${[...bySet].length} signer(s)`,
    };

    // Phase 2: the accomplice leaves too; the lone minority signer tries to go on.
    await stopNode(accomplice);
    const from2 = await head(url);
    const to2 = await sealedWithin(url, from2, MINORITY_SLOTS * DEVNET.periodSeconds * 1000);
    const minorityBlocks = to2 - from2;
    const minority: Observation = {
      outcome:
        minorityBlocks <= 1
          ? "prevented: a lone signer cannot extend the chain"
          : "minority extended the chain",
      attackSucceeded: minorityBlocks > 1,
      detail: `${minorityBlocks} block(s) in ${MINORITY_SLOTS} periods with 1 of ${DEVNET.signers} signers; censoring a chosen tx not executed (needs a modified client)`,
    };
    return { majority, minority };
  } finally {
    if (state !== undefined) await stopDevnet(state);
  }
}
