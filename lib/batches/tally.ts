/**
 * The counting rules of SPEC 6 as a pure model: what BatchLedger does with the attestations of one
 * cluster-period. Twin of BatchLedger's `_count`, `_countLate`, `finalize` and `recordMissedVotes`; the shared
 * vectors (test/vectors/tally.json) replay the same sequences on both.
 *
 * Input attestations are already verified (signer recovered); the model checks membership, counts each node
 * once per batch, accepts a digest with a strict majority of at least MIN_VOTES voters, and names every fault.
 */
import { getAddress } from "ethers";
import { MAX_NEIGHBOURS, MIN_VOTES } from "../constants.js";
import { GridShareError } from "../errors.js";
import { batchDigest, type BatchHeader } from "./batch.js";

export type BatchStatusName = "none" | "pending" | "accepted" | "disputed";
export type FaultKind = "losingDigest" | "missedVote";

/** A cluster's voter set as the ledger holds it: version (from 1) and slot-ordered voters, parent first. */
export interface VoterSet {
  readonly version: number;
  readonly voters: readonly string[];
}

/** A verified attestation: who signed which digest. */
export interface Vote {
  readonly signer: string;
  readonly digest: string;
}

export interface BatchTally {
  readonly status: BatchStatusName;
  /** The voter set the batch counts against (fixed at its first vote); null before. */
  readonly voterSet: VoterSet | null;
  /** Bit i: slot i's attestation is on record. */
  readonly voted: number;
  /** Bit i: slot i attested the accepted digest. */
  readonly agreed: number;
  /** While pending: slots per attested digest. */
  readonly pending: ReadonlyMap<string, number>;
  /** The accepted header. */
  readonly accepted: BatchHeader | null;
  readonly missedRecorded: boolean;
}

export interface Fault {
  readonly node: string;
  readonly kind: FaultKind;
}

export interface TallyStep {
  readonly tally: BatchTally;
  readonly faults: readonly Fault[];
}

/** A refusal of the model; `reason` names the ledger's custom error. */
export class TallyRefusedError extends GridShareError {
  readonly reason: string;
  constructor(reason: string, problem: string) {
    super("TALLY_REFUSED", `${reason}: ${problem}`);
    this.reason = reason;
  }
}

export const EMPTY_TALLY: BatchTally = {
  status: "none",
  voterSet: null,
  voted: 0,
  agreed: 0,
  pending: new Map(),
  accepted: null,
  missedRecorded: false,
};

/** Votes one digest needs among `voterCount` voters: a strict majority, at least MIN_VOTES (1 voter: never). */
export function votesNeeded(voterCount: number): number {
  if (!Number.isInteger(voterCount) || voterCount < 1 || voterCount > MAX_NEIGHBOURS + 1) {
    throw new GridShareError(
      "INVALID_VOTER_COUNT",
      `voter count ${voterCount}: a cluster has its parent and 0..${MAX_NEIGHBOURS} neighbours`,
    );
  }
  return Math.max(MIN_VOTES, Math.floor(voterCount / 2) + 1);
}

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m >>= 1) n += m & 1;
  return n;
}

function slotsOf(mask: number, voters: readonly string[]): string[] {
  return voters.filter((_, s) => (mask & (1 << s)) !== 0);
}

/**
 * Count one submission item (a header and the votes carried with it) into `t`. `current` is the cluster's
 * voter set now (used only when the batch has no vote yet). Refuses as the ledger would: a Disputed batch, a
 * signer outside the batch's voter set, the same signer twice in the item.
 */
export function countItem(
  t: BatchTally,
  current: VoterSet,
  header: BatchHeader,
  votes: readonly Vote[],
): TallyStep {
  if (t.status === "disputed") throw new TallyRefusedError("BatchAlreadyDecided", "the batch is Disputed");
  if (votes.length === 0) throw new TallyRefusedError("NoAttestations", "an item needs an attestation");
  const set = t.voterSet ?? current;
  const voters = set.voters.map((v) => getAddress(v));
  const digest = batchDigest(header);
  let seen = 0;
  let forSlots = 0;
  const other = new Map<number, string>();
  for (const v of votes) {
    const slot = voters.indexOf(getAddress(v.signer));
    if (slot < 0) throw new TallyRefusedError("UnassignedSigner", `${v.signer} is no voter of the batch`);
    if ((seen & (1 << slot)) !== 0) throw new TallyRefusedError("DuplicateAttestation", `slot ${slot} twice`);
    seen |= 1 << slot;
    if (v.digest.toLowerCase() === digest) forSlots |= 1 << slot;
    else other.set(slot, v.digest.toLowerCase());
  }
  const fresh = seen & ~t.voted;
  const freshFor = forSlots & fresh;
  const freshOther = fresh & ~forSlots;
  if (t.status === "accepted") {
    const winner = batchDigest(t.accepted as BatchHeader);
    let agreed = 0;
    for (let s = 0; s < voters.length; s++) {
      if ((fresh & (1 << s)) === 0) continue;
      if (((forSlots & (1 << s)) !== 0 ? digest : other.get(s)) === winner) agreed |= 1 << s;
    }
    const lost = fresh & ~agreed;
    return {
      tally: { ...t, voted: t.voted | fresh, agreed: t.agreed | agreed },
      faults: slotsOf(lost, voters).map((node) => ({ node, kind: "losingDigest" })),
    };
  }
  const pendingFor = t.status === "pending" ? (t.pending.get(digest) ?? 0) : 0;
  const agreed = pendingFor | freshFor;
  const voted = t.voted | fresh;
  if (popcount(agreed) >= votesNeeded(voters.length)) {
    return {
      tally: { ...t, status: "accepted", voterSet: set, voted, agreed, pending: new Map(), accepted: header },
      faults: slotsOf(voted & ~agreed, voters).map((node) => ({ node, kind: "losingDigest" })),
    };
  }
  if (fresh === 0) return { tally: t, faults: [] };
  const pending = new Map(t.pending);
  if (freshFor !== 0) pending.set(digest, agreed);
  for (const [slot, d] of other) {
    if ((freshOther & (1 << slot)) !== 0) pending.set(d, (pending.get(d) ?? 0) | (1 << slot));
  }
  return { tally: { ...t, status: "pending", voterSet: set, voted, pending }, faults: [] };
}

/** After the window: an undecided batch becomes Disputed (nothing counts, no fault). */
export function finalizeTally(t: BatchTally, current: VoterSet): BatchTally {
  if (t.status === "accepted" || t.status === "disputed") {
    throw new TallyRefusedError("BatchAlreadyDecided", `the batch is ${t.status}`);
  }
  return { ...t, status: "disputed", voterSet: t.voterSet ?? current };
}

/** After the window, once: every voter of a decided batch without an attestation on record is charged. */
export function recordMissed(t: BatchTally): TallyStep {
  if (t.status !== "accepted" && t.status !== "disputed") {
    throw new TallyRefusedError("BatchNotDecided", `the batch is ${t.status}: finalize it first`);
  }
  if (t.missedRecorded) throw new TallyRefusedError("MissedVotesAlreadyRecorded", "already recorded");
  const voters = (t.voterSet as VoterSet).voters.map((v) => getAddress(v));
  const missed = ((1 << voters.length) - 1) & ~t.voted;
  return {
    tally: { ...t, missedRecorded: true },
    faults: slotsOf(missed, voters).map((node) => ({ node, kind: "missedVote" })),
  };
}

/** SPEC 6: the parent's attestation on record is for a digest other than the accepted one. */
export function parentOverruled(t: BatchTally): boolean {
  return t.status === "accepted" && (t.voted & 1) !== 0 && (t.agreed & 1) === 0;
}
