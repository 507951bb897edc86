/**
 * Building blocks for mounting attacks: send a transaction and name what the chain did, read a batch back and
 * say whether the honest or a wrong header was accepted, run an off-chain check and name its refusal.
 */
import type { ContractTransactionResponse, Interface } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { batchDigest, buildBatch, type BatchHeader } from "../../lib/batches/batch.js";
import { GridShareError } from "../../lib/errors.js";
import type { SignedReading } from "../../lib/batches/reading.js";
import { attestAll, attestAndSubmit, batchVoters, packedItem } from "../fixtures/attestations.js";
import type { SignedAttestation } from "../../lib/batches/attestation.js";
import { BatchStatus, openBatchPeriod, type Grid } from "../fixtures/grid.js";
import { signedReadings } from "../fixtures/readings.js";
import type { Observation } from "./types.js";

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

/** A period whose batch window is open: `p` ended, the chain is in `p + 1`. */
export const openPeriod = openBatchPeriod;

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
