/**
 * Building blocks for mounting attacks: send a transaction and name what the chain did, read a batch back and
 * say whether the honest or a wrong header was accepted, run an off-chain check and name its refusal. A stage
 * to mount on (`onStage`: a fresh grid, an open period, a cluster's honest batch), and the attack shapes several
 * scenarios share: `txAttack`, `attestsTwice`, `forgedReading`.
 */
import type { ContractTransactionResponse, Interface, Wallet } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { batchDigest, buildBatch, type BatchHeader } from "../../lib/batches/batch.js";
import type { SignedAttestation } from "../../lib/batches/attestation.js";
import { attestAll, attestAndSubmit, batchVoters, packedItem } from "../fixtures/attestations.js";
import { GridShareError } from "../../lib/errors.js";
import { verifyReadingSignature, type Reading, type SignedReading } from "../../lib/batches/reading.js";
import { openPeriod, type Grid } from "../fixtures/grid.js";
import { readingFor, signedReadings } from "../fixtures/readings.js";
import { chainDomain } from "./chain.js";
import type { AttackContext, Observation, Scenario } from "./types.js";
import { BatchStatus } from "../../lib/chain/schema.js";

export const ACCEPTED = "accepted";
export const ACCEPTED_HONEST = "accepted honest";
export const ACCEPTED_WRONG = "accepted wrong";
export const DISPUTED = "Disputed";
export const NOT_APPLICABLE = "n/a: no neighbour assigned";

/** `refused: <CustomError>` for a revert, `accepted` when the transaction went through. */
export type TxVerdict =
  { readonly ok: true } | { readonly ok: false; readonly error: string; readonly args: string };

interface RevertLike {
  data?: unknown;
  error?: { data?: unknown };
  shortMessage?: unknown;
  message?: unknown;
}

function revertData(e: RevertLike): string | undefined {
  if (typeof e.data === "string") return e.data;
  if (e.error && typeof e.error.data === "string") return e.error.data;
  return undefined;
}

/** Name a revert with the given ABIs; anything else (a network failure, a scenario bug) is rethrown. */
function decodeRevert(e: unknown, abis: readonly Interface[]): TxVerdict {
  const data = revertData(e as RevertLike);
  if (data !== undefined) {
    for (const abi of abis) {
      const parsed = abi.parseError(data);
      if (parsed) return { ok: false, error: parsed.name, args: parsed.args.map(String).join(", ") };
    }
    if (data === "0x") return { ok: false, error: "revert without reason", args: "" };
  }
  throw e;
}

/**
 * Send `send()` and decode a revert with the given ABIs. Anything that is not a decodable revert (a network
 * failure, a bug in the scenario) is rethrown: a scenario must not pass on an error it did not mean to provoke.
 */
export async function attempt(
  send: () => Promise<ContractTransactionResponse>,
  ...abis: Interface[]
): Promise<TxVerdict> {
  try {
    const tx = await send();
    await tx.wait();
    return { ok: true };
  } catch (e) {
    return decodeRevert(e, abis);
  }
}

/** `attempt` for a view call: returning at all means the contract accepted the input. */
export async function attemptCall(call: () => Promise<unknown>, ...abis: Interface[]): Promise<TxVerdict> {
  try {
    await call();
    return { ok: true };
  } catch (e) {
    return decodeRevert(e, abis);
  }
}

/** `refused: Name` or `accepted`, as an observation where acceptance is the attack succeeding. */
export function txObservation(v: TxVerdict, detail?: string): Observation {
  if (v.ok) return { outcome: ACCEPTED, attackSucceeded: true, detail };
  return { outcome: `refused: ${v.error}`, attackSucceeded: false, detail: detail ?? `(${v.args})` };
}

/** Run an off-chain check; `refused: <ErrorClass>` for a GridShareError, `passed` otherwise. */
export function checkVerdict(check: () => unknown): string {
  try {
    check();
    return "passed";
  } catch (e) {
    if (e instanceof GridShareError) return `refused: ${e.name}`;
    throw e;
  }
}

/** `checkVerdict` as an observation where the check passing is the attack succeeding. */
export function checkObservation(check: () => unknown, detail?: string): Observation {
  const outcome = checkVerdict(check);
  return { outcome, attackSucceeded: outcome === "passed", detail };
}

/** Where a scenario mounts its attack: a fresh grid, period `batch.p` open, a cluster's honest batch signed. */
export interface Stage {
  readonly ctx: AttackContext;
  readonly grid: Grid;
  /** Built off-chain from the meters' signed readings; nothing is attested yet. */
  readonly batch: HonestBatch;
}

/** A scenario's run: set the stage for `clusterId` on a fresh grid, then mount `attack` on it. */
export function onStage(clusterId: number, attack: (stage: Stage) => Promise<Observation>): Scenario["run"] {
  return async (ctx) => {
    const grid = await ctx.grid();
    return attack({ ctx, grid, batch: await honestBatch(grid, clusterId) });
  };
}

/** The attacker's transaction, and what to read back after it as evidence. */
export interface TxAttack {
  readonly send: () => Promise<ContractTransactionResponse>;
  readonly evidence?: () => Promise<string>;
}

/**
 * A single-transaction attack: `mount` prepares the stage and names the transaction; a revert (named with the
 * ledger's and the registry's ABIs) is the defence holding.
 */
export function txAttack(clusterId: number, mount: (stage: Stage) => Promise<TxAttack>): Scenario["run"] {
  return onStage(clusterId, async (stage) => {
    const { send, evidence } = await mount(stage);
    const v = await attempt(send, stage.grid.ledger.interface, stage.grid.registry.interface);
    return txObservation(v, await evidence?.());
  });
}

export const COUNTED_ONCE = "counted once: the second attestation was skipped";

/**
 * Voter `slot` of the cluster (0 = the parent) attests `first` and submits it itself, then attests `second`,
 * sent by itself or, with `outsider`, by an outsider carrying it: the second attestation is the attack. The
 * ledger must count the voter once: its record of votes and the slots pending for the second digest do not
 * change.
 */
export function attestsTwice(
  clusterId: number,
  slot: number,
  first: (honest: BatchHeader) => BatchHeader,
  second: (honest: BatchHeader) => BatchHeader,
  options: { outsider?: boolean } = {},
): Scenario["run"] {
  return onStage(clusterId, async ({ grid, batch: { honest } }) => {
    const voter = grid.votersOf(clusterId)[slot]!;
    await (await attestAlone(grid, first(honest), voter)).wait();
    const h = second(honest);
    const again = () =>
      options.outsider ? attestAndSubmit(grid, h, [voter], grid.outsider) : attestAlone(grid, h, voter);
    const before = await grid.ledger.votesOf(h.clusterId, h.period);
    const pendingBefore = await grid.ledger.pendingSlots(h.clusterId, h.period, batchDigest(h));
    const v = await attempt(again, grid.ledger.interface);
    const after = await grid.ledger.votesOf(h.clusterId, h.period);
    const pendingAfter = await grid.ledger.pendingSlots(h.clusterId, h.period, batchDigest(h));
    const same = before.votedMask === after.votedMask && pendingBefore === pendingAfter;
    if (!v.ok) return { outcome: `refused: ${v.error}`, attackSucceeded: false };
    return {
      outcome: same ? COUNTED_ONCE : "counted twice",
      attackSucceeded: !same,
      detail: `voted mask ${after.votedMask}, pending for the digest ${pendingAfter}`,
    };
  });
}

/** What a forger makes of a meter's genuine reading: a signature under a key and a domain of its choosing. */
export type Forgery = (
  stage: Stage & { readonly meter: Wallet; readonly reading: Reading },
) => Promise<{ readonly signed: SignedReading; readonly detail: string }>;

/**
 * The reading meter 0 of `clusterId` takes for the open period, signed by `forge`; a node checks the signature
 * under the registry's real domain, and the check passing is the attack succeeding.
 */
export function forgedReading(clusterId: number, forge: Forgery): Scenario["run"] {
  return onStage(clusterId, async (stage) => {
    const meter = stage.grid.meters[clusterId - 1][0];
    const reading = readingFor(stage.grid, meter, clusterId, 0, stage.batch.p);
    const { signed, detail } = await forge({ ...stage, meter, reading });
    const domain = await chainDomain(stage.grid);
    return checkObservation(() => verifyReadingSignature(domain, signed), detail);
  });
}

export interface HonestBatch {
  readonly p: number;
  readonly readings: SignedReading[];
  readonly honest: BatchHeader;
}

/** Open a period and build the honest batch of `clusterId` from its meters' real-data readings. */
export async function honestBatch(grid: Grid, clusterId: number): Promise<HonestBatch> {
  const p = await openPeriod(grid);
  const readings = await signedReadings(grid, clusterId, p);
  return { p, readings, honest: buildBatch(clusterId, p, readings).header };
}

/**
 * Read the batch back and name it: accepted honest / accepted wrong / Disputed / Pending / None. The accepted
 * header is compared field by field with the honest one (the ledger stores root, count and totals).
 */
export async function batchOutcome(grid: Grid, honest: BatchHeader): Promise<Observation> {
  const b = await grid.ledger.batchOf(honest.clusterId, honest.period);
  const faults: string[] = [];
  for (const v of grid.votersOf(honest.clusterId)) {
    const f = await grid.ledger.faults(v.address);
    if (f > 0n) faults.push(`${grid.nodes.indexOf(v)}:${f}`);
  }
  const detail = `status ${b.status}, parentOverruled ${b.parentOverruled}, faults(node:n) [${faults.join(" ")}]`;
  if (b.status === BatchStatus.Accepted) {
    const same =
      b.root === honest.root &&
      Number(b.leafCount) === honest.leafCount &&
      b.totalLoadWh === honest.totalLoadWh &&
      b.totalGenerationWh === honest.totalGenerationWh;
    return same
      ? { outcome: ACCEPTED_HONEST, attackSucceeded: false, detail }
      : { outcome: ACCEPTED_WRONG, attackSucceeded: true, detail };
  }
  if (b.status === BatchStatus.Disputed) return { outcome: DISPUTED, attackSucceeded: false, detail };
  return {
    outcome: b.status === BatchStatus.Pending ? "Pending" : "None",
    attackSucceeded: false,
    detail,
  };
}

/** Close the window and finalize when the batch is still undecided (anyone may), so the outcome is final. */
export async function settleWindow(grid: Grid, clusterId: number, p: number): Promise<void> {
  const b = await grid.ledger.batchOf(clusterId, p);
  if (b.status === BatchStatus.Pending || b.status === BatchStatus.None) {
    await grid.warpToPeriod(p + 2);
    await (await grid.ledger.finalize(clusterId, p)).wait();
  }
}

/** `signer` attests `header` and submits the attestation itself (the direct path every voter has). */
export function attestAlone(
  grid: Grid,
  header: BatchHeader,
  signer: HardhatEthersSigner,
): Promise<ContractTransactionResponse> {
  return attestAndSubmit(grid, header, [signer], signer);
}

/**
 * Voting as the honest nodes do: every voter of the cluster other than `liars` attests the honest header; each
 * liar attests its lie. Each voter submits its own attestation itself, liars first, so an early majority of
 * honest votes cannot hide them. Then the window is settled.
 */
export async function voteRound(
  grid: Grid,
  honest: BatchHeader,
  liars: ReadonlyMap<number, BatchHeader>,
): Promise<Observation> {
  const voters = grid.votersOf(honest.clusterId);
  const order = [...voters.keys()].sort((a, b) => Number(liars.has(b)) - Number(liars.has(a)));
  for (const slot of order) {
    await (await attestAlone(grid, liars.get(slot) ?? honest, voters[slot] as HardhatEthersSigner)).wait();
  }
  await settleWindow(grid, honest.clusterId, honest.period);
  const obs = await batchOutcome(grid, honest);
  const lies = [...liars.values()].map((h) => batchDigest(h).slice(0, 10)).join(" ");
  return { ...obs, detail: `${obs.detail}; lie digest(s) ${lies}` };
}

/**
 * `signer`'s attestation of `header` packed into voter slot `slot` of the cluster's item, the other voters
 * absent: what an unassigned node or an outsider would have to send (the TS encoder refuses to build it).
 */
export async function attestationInSlot(
  grid: Grid,
  header: BatchHeader,
  signer: HardhatEthersSigner,
  slot: number,
): Promise<string> {
  const [a] = await attestAll(grid, header, [signer]);
  const voters = await batchVoters(grid, header.clusterId, header.period);
  return packedItem(
    header,
    [{ tag: slot, signature: (a as SignedAttestation).signature }],
    voters.filter((_, i) => i !== slot),
  );
}
