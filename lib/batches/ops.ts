/**
 * The operator's view of the ledger's batches (SPEC 6): list a cluster's batches over a period range with their
 * status, votes and faults, and finalize the abandoned ones (no majority by the end of the next period) so that
 * the weeks they belong to can be settled. Everything read about one batch comes from `readBatch`: when the
 * ledger's voting changes, that one function follows it.
 */
import type { BatchLedger, ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { parseClusterId, parseOptional, parseUint32 } from "../args.js";
import { contractWithRegistry, type Session } from "../chain/session.js";
import { BatchStatus, type BatchStatusName } from "../chain/schema.js";
import { GridShareError, InvalidArgumentError } from "../errors.js";
import { renderTable } from "../format/table.js";
import { formatFixed } from "../mes/mes.js";
import { requireCluster } from "../registry/ops.js";
import { firstPeriodOfWeek, weekOfPeriod } from "../time.js";
import { RETENTION_PERIODS } from "../constants.js";

/** The batch of period p is voted while the current period is p + 1 (BatchLedger's window). */
const VOTING_WINDOW_PERIODS = 1;
/** The longest range one call reads: the gateways' retention window (13 weeks). */
export const MAX_RANGE_PERIODS = RETENTION_PERIODS;

/** One cluster-period's batch as the ledger holds it. */
export interface BatchRecord {
  clusterId: number;
  period: number;
  status: BatchStatusName;
  /** Voters fixed at the batch's first vote (parent + neighbours); the cluster's current set while nobody voted. */
  voters: number;
  /** Attestations on record (one per voter at most, whoever submitted it). */
  votes: number;
  /** Votes for the accepted digest; null unless accepted. */
  forAccepted: number | null;
  /**
   * Faults this batch charged: a vote for a digest other than the accepted one, and, once recorded after the
   * window (`missedVotesRecorded`), each voter without an attestation on record.
   */
  faults: number;
  /** The missed-vote faults of the batch were charged (BatchLedger.recordMissedVotes). */
  missedVotesRecorded: boolean;
  parentOverruled: boolean;
  leafCount: number;
  totalLoadWh: bigint;
  totalGenerationWh: bigint;
  /** Percentage share allocation fixed at acceptance (1e18 = 1.0). */
  psa: bigint;
  /** Whether the ledger would take a `finalize` of it now (abandoned: no majority and none possible). */
  due: boolean;
}

const undecided = (status: BatchStatusName) => status === "none" || status === "pending";

/**
 * Whether `finalize` would be accepted at `current`: an undecided batch once its window (the period after it)
 * closed (twin of BatchLedger.finalize).
 */
export function isDue(b: Pick<BatchRecord, "period" | "status">, current: number): boolean {
  return undecided(b.status) && current > b.period + VOTING_WINDOW_PERIODS;
}

const popCount = (mask: bigint) => mask.toString(2).replaceAll("0", "").length;

/** A cluster-period's batch and its votes, from the ledger's read functions. */
export async function readBatch(
  ledger: BatchLedger,
  clusterId: number,
  period: number,
  current: number,
): Promise<BatchRecord> {
  const [b, v] = await Promise.all([ledger.batchOf(clusterId, period), ledger.votesOf(clusterId, period)]);
  const status = BatchStatus.nameOf(b.status);
  const voters = v.voters.length;
  const votes = popCount(v.votedMask);
  const forAccepted = status === "accepted" ? popCount(v.agreedMask) : null;
  // A disputed or undecided batch has no canonical digest: nobody lost. Missed votes count once recorded.
  const losing = forAccepted === null ? 0 : votes - forAccepted;
  const record = {
    clusterId,
    period,
    status,
    voters,
    votes,
    forAccepted,
    faults: losing + (v.missedVotesRecorded ? voters - votes : 0),
    missedVotesRecorded: v.missedVotesRecorded,
    parentOverruled: b.parentOverruled,
    leafCount: Number(b.leafCount),
    totalLoadWh: b.totalLoadWh,
    totalGenerationWh: b.totalGenerationWh,
    psa: b.psa,
  };
  return { ...record, due: isDue(record, current) };
}

/** Which batches an operation covers: clusters (all when none given) and an inclusive period range. */
export interface BatchRange {
  clusterId?: number;
  fromPeriod?: number;
  toPeriod?: number;
}

export interface BatchRangeArgs {
  cluster: string;
  fromPeriod: string;
  toPeriod: string;
  ledger: string;
}

/** Check the range options; the defaults that need the chain's clock are filled in later. */
export function parseBatchRange(args: Omit<BatchRangeArgs, "ledger">): BatchRange {
  const range = {
    clusterId: parseOptional(args.cluster, (v) => parseClusterId("cluster", v)),
    fromPeriod: parseOptional(args.fromPeriod, (v) => parseUint32("from-period", v)),
    toPeriod: parseOptional(args.toPeriod, (v) => parseUint32("to-period", v)),
  };
  if (range.fromPeriod !== undefined && range.toPeriod !== undefined)
    checkSpan(range.fromPeriod, range.toPeriod);
  return range;
}

function checkSpan(from: number, to: number): void {
  if (from > to) throw new InvalidArgumentError("to-period", `${to} is before --from-period ${from}`);
  if (to - from + 1 > MAX_RANGE_PERIODS) {
    throw new InvalidArgumentError(
      "to-period",
      `${to - from + 1} periods is more than ${MAX_RANGE_PERIODS} (13 weeks) in one call: narrow the range`,
    );
  }
}

/**
 * The range resolved against the chain: the given clusters (checked) or all, and the given periods or, by
 * default, the previous week and the current one so far. Only ended periods have batches.
 */
async function resolveRange(registry: ClusterRegistry, r: BatchRange, current: number) {
  if (r.clusterId !== undefined) await requireCluster(registry, r.clusterId);
  const clusters =
    r.clusterId !== undefined
      ? [r.clusterId]
      : Array.from({ length: Number(await registry.clusterCount()) }, (_, i) => i + 1);
  const lastEnded = current - 1;
  if (lastEnded < 0)
    throw new GridShareError("NO_PERIOD_ENDED", "period 0 has not ended: no batch exists yet");
  const toPeriod = r.toPeriod ?? lastEnded;
  if (toPeriod > lastEnded) {
    throw new InvalidArgumentError(
      "to-period",
      `period ${toPeriod} has not ended (current period ${current}): its batch cannot exist yet`,
    );
  }
  const fromPeriod =
    r.fromPeriod ?? Math.min(toPeriod, firstPeriodOfWeek(Math.max(0, weekOfPeriod(current) - 1)));
  checkSpan(fromPeriod, toPeriod);
  return { clusters, fromPeriod, toPeriod };
}

export interface BatchListRequest extends BatchRange {
  ledger: string;
}

export function parseBatchListArgs(args: BatchRangeArgs): BatchListRequest {
  return { ...parseBatchRange(args), ledger: args.ledger };
}

export interface BatchList {
  currentPeriod: number;
  fromPeriod: number;
  toPeriod: number;
  batches: BatchRecord[];
  /** Faults the ledger has charged each voter of the listed clusters, all time. */
  nodeFaults: { node: string; faults: number }[];
}

async function scan(ledger: BatchLedger, registry: ClusterRegistry, r: BatchRange) {
  const current = Number(await registry.currentPeriod());
  const { clusters, fromPeriod, toPeriod } = await resolveRange(registry, r, current);
  const batches: BatchRecord[] = [];
  for (const c of clusters)
    for (let p = fromPeriod; p <= toPeriod; p++) batches.push(await readBatch(ledger, c, p, current));
  return { current, clusters, fromPeriod, toPeriod, batches };
}

/** The batches of a cluster (or every cluster) over a period range, with each voter's fault count. */
export async function listBatches(s: Session, r: BatchListRequest): Promise<BatchList> {
  const { contract: ledger, registry } = await contractWithRegistry(s, "BatchLedger", r.ledger);
  const { current, clusters, fromPeriod, toPeriod, batches } = await scan(ledger, registry, r);
  const nodes = new Set<string>();
  for (const c of clusters) for (const v of await registry.votersOf(c)) nodes.add(v);
  const nodeFaults = await Promise.all(
    [...nodes].map(async (node) => ({ node, faults: Number(await ledger.faults(node)) })),
  );
  return { currentPeriod: current, fromPeriod, toPeriod, batches, nodeFaults };
}

const tally = (b: BatchRecord) => `${b.votes}/${b.voters}`;

export function formatBatchList(l: BatchList): string {
  const rows = l.batches.map((b) => [
    b.clusterId,
    b.period,
    b.status,
    tally(b),
    b.forAccepted,
    b.faults,
    b.parentOverruled ? "yes" : "",
    b.status === "accepted" ? b.leafCount : null,
    b.status === "accepted" ? b.totalLoadWh : null,
    b.status === "accepted" ? b.totalGenerationWh : null,
    b.status === "accepted" ? formatFixed(b.psa, 4) : null,
    b.due ? "due: finalize" : "",
  ]);
  const count = (s: BatchStatusName) => l.batches.filter((b) => b.status === s).length;
  const due = l.batches.filter((b) => b.due).length;
  const lines = [
    `periods ${l.fromPeriod}..${l.toPeriod} (current period ${l.currentPeriod})`,
    renderTable(
      [
        "cluster",
        "period",
        "status",
        "votes",
        "for accepted",
        "faults",
        "overruled",
        "leaves",
        "load Wh",
        "generation Wh",
        "PSA",
        "",
      ],
      rows,
    ),
    `${l.batches.length} batch(es): ${count("accepted")} accepted, ${count("disputed")} disputed, ` +
      `${count("pending")} pending, ${count("none")} with no vote; ${due} abandoned` +
      (due > 0 ? " (batches:finalize --due finalizes them)" : ""),
  ];
  if (l.nodeFaults.length > 0) {
    lines.push(
      "",
      renderTable(
        ["node", "faults (all time)"],
        l.nodeFaults.map((n) => [n.node, n.faults]),
      ),
    );
  }
  return lines.join("\n");
}

/** What to finalize: one batch, a range of a cluster's, or everything due. */
export interface FinalizeRequest extends BatchRange {
  /** One batch: the cluster-period must be due, else the refusal says why. */
  period?: number;
  ledger: string;
}

export function parseFinalizeArgs(args: BatchRangeArgs & { period: string; due: boolean }): FinalizeRequest {
  const range = parseBatchRange(args);
  const period = parseOptional(args.period, (v) => parseUint32("period", v));
  const ranged = range.fromPeriod !== undefined || range.toPeriod !== undefined;
  if (period !== undefined && (ranged || args.due)) {
    throw new InvalidArgumentError("period", "give one batch (--period), a range, or --due: not both");
  }
  if (period === undefined && !ranged && !args.due) {
    throw new InvalidArgumentError(
      "period",
      "say what to finalize: --period P, --from-period A --to-period B, or --due for every abandoned batch",
    );
  }
  if (range.clusterId === undefined && !args.due) {
    throw new InvalidArgumentError("cluster", "is required (or --due, for every cluster)");
  }
  return period === undefined ? { ...range, ledger: args.ledger } : { ...range, period, ledger: args.ledger };
}

export class NotDueError extends GridShareError {
  constructor(b: BatchRecord, current: number) {
    const what = `cluster ${b.clusterId} period ${b.period}`;
    super(
      "BATCH_NOT_DUE",
      undecided(b.status)
        ? `${what} is ${b.status === "none" ? "not voted on yet" : "pending"} and may still reach a majority: its voting runs through period ${b.period + VOTING_WINDOW_PERIODS} (current ${current}); finalize from period ${b.period + VOTING_WINDOW_PERIODS + 1} on`
        : `${what} is ${b.status} already: nothing to finalize`,
    );
  }
}

export interface Finalized {
  clusterId: number;
  period: number;
  /** What it was before: no vote at all, or pending without a majority. */
  was: BatchStatusName;
  votes: number;
  blockNumber?: number;
}

/**
 * Finalize abandoned batches: each becomes Disputed (nothing of it counts), which lets the weeks they belong to
 * be settled. One batch must be due; a range or `due` finalizes the due ones and skips the rest.
 */
export async function finalizeBatches(s: Session, r: FinalizeRequest): Promise<Finalized[]> {
  const { contract: ledger, registry } = await contractWithRegistry(s, "BatchLedger", r.ledger);
  let due: BatchRecord[];
  if (r.period !== undefined && r.clusterId !== undefined) {
    await requireCluster(registry, r.clusterId);
    const current = Number(await registry.currentPeriod());
    const b = await readBatch(ledger, r.clusterId, r.period, current);
    if (!b.due) throw new NotDueError(b, current);
    due = [b];
  } else {
    due = (await scan(ledger, registry, r)).batches.filter((b) => b.due);
  }
  const out: Finalized[] = [];
  for (const b of due) {
    const receipt = await (await ledger.finalize(b.clusterId, b.period)).wait();
    out.push({
      clusterId: b.clusterId,
      period: b.period,
      was: b.status,
      votes: b.votes,
      blockNumber: receipt?.blockNumber,
    });
  }
  return out;
}

export function formatFinalized(list: readonly Finalized[]): string {
  if (list.length === 0) return "nothing to finalize: no abandoned batch in the range";
  const rows = list.map((f) => [
    f.clusterId,
    f.period,
    f.was === "none" ? "no vote" : `pending, ${f.votes} vote(s)`,
    f.blockNumber,
  ]);
  return [
    renderTable(["cluster", "period", "was", "block"], rows),
    `${list.length} batch(es) finalized as disputed: nothing of them counts, and their weeks can be settled`,
  ].join("\n");
}
