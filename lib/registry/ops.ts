/**
 * The utility's day-to-day topology operations. Every argument is checked against the chain before a
 * transaction is sent, so a mistake costs a one-line error and nothing else.
 */
import { ZeroAddress } from "ethers";
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { GridShareError, InvalidArgumentError } from "../errors.js";
import { parseAddress, parseChoice, parseClusterId, parseCoordinate } from "../args.js";
import {
  chooseNeighbours,
  planNeighbourAssignments,
  type ClusterSite,
  type RankedNeighbour,
} from "./ranking.js";
import { eventsIfServed } from "../chain/session.js";
import { renderTable } from "../format/table.js";
import {
  MeterKind,
  MeterStatus,
  type MeterKindName,
  type MeterStatusName,
  type RegisteredMeterKind,
} from "../chain/schema.js";

const REGISTRABLE_KINDS = MeterKind.names.filter((n): n is RegisteredMeterKind => n !== "none");

export function parseMeterKind(value: string): RegisteredMeterKind {
  return parseChoice("kind", value, REGISTRABLE_KINDS, "meter kind");
}

/** Refuses a cluster id the registry does not know; returns its info. */
export async function requireCluster(registry: ClusterRegistry, clusterId: number) {
  const count = Number(await registry.clusterCount());
  if (clusterId < 1 || clusterId > count) {
    const known = count === 0 ? "there is none yet: grid:cluster:create adds one" : `clusters: 1..${count}`;
    throw new InvalidArgumentError("cluster", `cluster ${clusterId} does not exist (${known})`);
  }
  return registry.clusterInfo(clusterId);
}

/** Refuse before sending when `account` lacks the DGMD role. */
export async function requireDgmd(registry: ClusterRegistry, account: string): Promise<void> {
  if (!(await registry.isDgmd(account))) {
    throw new GridShareError(
      "NOT_DGMD",
      `${account} does not hold the DGMD role: act with the DGMD account (--from <address>)`,
    );
  }
}

/** Only an active prosumer meter can hold a capacity certificate (SPEC 8). */
export async function requireActiveProsumer(registry: ClusterRegistry, meter: string): Promise<void> {
  const info = await registry.meterInfo(meter);
  if (info.kind !== MeterKind.Prosumer || info.status !== MeterStatus.Active) {
    throw new GridShareError(
      "METER_NOT_ELIGIBLE",
      `${meter} is not an active prosumer meter (kind ${MeterKind.nameOf(info.kind)}, status ${MeterStatus.nameOf(
        info.status,
      )}): only active prosumers can be certified`,
    );
  }
}

/** The --x and --y options of a node's or a cluster's location. */
function parseLocation(args: { x: string; y: string }): [bigint, bigint] {
  return [parseCoordinate("x", args.x), parseCoordinate("y", args.y)];
}

/**
 * The utility appoints the deployment's ReadingEvidence contract (SPEC 5 evidence of compromised meters): the
 * registry lets only the EVIDENCE_ROLE mark a meter. Nothing is sent when it already holds the role.
 */
export async function appointEvidence(registry: ClusterRegistry, evidence: string): Promise<boolean> {
  const address = parseAddress("evidence", evidence);
  const role = await registry.EVIDENCE_ROLE();
  if (await registry.hasRole(role, address)) return false;
  await (await registry.grantRole(role, address)).wait();
  return true;
}

export async function addNode(registry: ClusterRegistry, args: { node: string; x: string; y: string }) {
  const node = parseAddress("node", args.node);
  const [x, y] = parseLocation(args);
  if ((await registry.nodeInfo(node)).registered) {
    throw new InvalidArgumentError("node", `${node} is already registered`);
  }
  return (await registry.addNode(node, x, y)).wait();
}

export async function createCluster(
  registry: ClusterRegistry,
  args: { parent: string; x: string; y: string },
) {
  const parent = parseAddress("parent", args.parent);
  const [x, y] = parseLocation(args);
  const info = await registry.nodeInfo(parent);
  if (!info.registered)
    throw new InvalidArgumentError("parent", `${parent} is not a registered node: add it first`);
  if (info.clusterId !== 0n) {
    throw new InvalidArgumentError("parent", `${parent} already parents cluster ${info.clusterId}`);
  }
  return (await registry.createCluster(parent, x, y)).wait();
}

export async function addMeter(
  registry: ClusterRegistry,
  args: { cluster: string; meter: string; kind: string },
) {
  const clusterId = parseClusterId("cluster", args.cluster);
  const meter = parseAddress("meter", args.meter);
  const kind = parseMeterKind(args.kind);
  const cluster = await requireCluster(registry, clusterId);
  const max = await registry.maxMetersPerCluster();
  if (cluster.meterCount >= max) {
    throw new InvalidArgumentError(
      "cluster",
      `cluster ${clusterId} is full (${max} meters): choose another cluster`,
    );
  }
  const known = await registry.meterInfo(meter);
  if (known.status !== MeterStatus.None) {
    throw new InvalidArgumentError(
      "meter",
      `${meter} is already known (${MeterStatus.nameOf(known.status)}); keys are never reused`,
    );
  }
  return (await registry.addMeter(clusterId, meter, MeterKind.of(kind))).wait();
}

/**
 * A meter is replaced only after its tamper alarm, or after the utility retired it as faulty (removed): a
 * healthy meter's readings would otherwise stop counting with nothing on record to say why.
 */
const REPLACEABLE: readonly MeterStatusName[] = ["tampered", "removed"];

export interface Replacement {
  oldMeter: string;
  newMeter: string;
  clusterId: number;
  kind: MeterKindName;
  /** The first period the new meter's readings count for. */
  fromPeriod: number;
  workPermit: string;
  blockNumber?: number;
}

export async function replaceMeter(
  registry: ClusterRegistry,
  args: { old: string; new: string; permit: string },
): Promise<Replacement> {
  const oldMeter = parseAddress("old", args.old);
  const newMeter = parseAddress("new", args.new);
  const workPermit = args.permit.trim();
  if (workPermit === "") throw new InvalidArgumentError("permit", "a work-permit reference is required");
  const old = await registry.meterInfo(oldMeter);
  const status = MeterStatus.nameOf(old.status);
  if (status === "none") throw new InvalidArgumentError("old", `${oldMeter} is not a meter of this registry`);
  if (!REPLACEABLE.includes(status)) {
    const why =
      status === "active"
        ? "it is active; only a tampered meter, or one removed as faulty, is replaced"
        : `it is ${status} by ${old.replacedBy}`;
    throw new InvalidArgumentError("old", `${oldMeter} cannot be replaced: ${why}`);
  }
  if ((await registry.meterInfo(newMeter)).status !== MeterStatus.None) {
    throw new InvalidArgumentError("new", `${newMeter} is already known; a replacement needs a new key`);
  }
  const clusterId = Number(old.clusterId);
  // A removed meter has left its cluster: its place may have been taken since.
  if (status === "removed") {
    const [cluster, max] = [await registry.clusterInfo(clusterId), await registry.maxMetersPerCluster()];
    if (cluster.meterCount >= max)
      throw new InvalidArgumentError("old", `cluster ${clusterId} of ${oldMeter} is full (${max} meters)`);
  }
  const receipt = await (await registry.replaceMeter(oldMeter, newMeter, workPermit)).wait();
  const added = await registry.meterInfo(newMeter);
  return {
    oldMeter,
    newMeter,
    clusterId,
    kind: MeterKind.nameOf(old.kind),
    fromPeriod: Number(added.fromPeriod),
    workPermit,
    blockNumber: receipt?.blockNumber,
  };
}

export function formatReplacement(r: Replacement): string {
  const line = `meter ${r.oldMeter} replaced by ${r.newMeter} in cluster ${r.clusterId} from period ${r.fromPeriod} (work permit ${r.workPermit}, block ${r.blockNumber})`;
  return r.kind === "prosumer"
    ? `${line}
its capacity certificate does not follow: the DGMD re-confirms it with dgmd:reconfirm --meter ${r.newMeter}`
    : line;
}

export interface MeterView {
  address: string;
  kind: MeterKindName;
  status: MeterStatusName;
  fromPeriod: number;
  /** The first period its readings no longer count for (tamper alarm, replacement, removal); null: open. */
  untilPeriod: number | null;
  /** The meter it replaced, and the one that replaced it (null: none). */
  replaces: string | null;
  replacedBy: string | null;
}

export interface ClusterView extends ClusterSite {
  neighbours: string[];
  /** Every meter the cluster ever had, by address: the ones counting now and the replaced or removed ones. */
  meters: MeterView[];
}

export interface Topology {
  registry: string;
  epoch: bigint;
  currentPeriod: number;
  maxMetersPerCluster: number;
  nodes: { address: string; x: bigint; y: bigint; clusterId: number; neighbourOf: number }[];
  clusters: ClusterView[];
  /** False when the node did not serve the registry's events: meters removed and never replaced are missing. */
  removedMetersShown: boolean;
}

const OPEN_END = 0xffffffff;

const orNull = (address: string) => (address === ZeroAddress ? null : address);

async function meterView(registry: ClusterRegistry, address: string): Promise<MeterView> {
  const m = await registry.meterInfo(address);
  return {
    address,
    kind: MeterKind.nameOf(m.kind),
    status: MeterStatus.nameOf(m.status),
    fromPeriod: Number(m.fromPeriod),
    untilPeriod: Number(m.untilPeriod) === OPEN_END ? null : Number(m.untilPeriod),
    replaces: orNull(m.replaces),
    replacedBy: orNull(m.replacedBy),
  };
}

/**
 * Every meter each cluster ever had: `metersOf` lists the current ones, each replacement names the meter it
 * replaced, and the registry's MeterAdded events add the removed ones when the node serves them.
 */
async function metersEverIn(registry: ClusterRegistry, count: number) {
  const byCluster = new Map<number, Set<string>>();
  for (let id = 1; id <= count; id++) {
    const seen = new Set<string>();
    for (let m of await registry.metersOf(id)) {
      for (; m !== ZeroAddress && !seen.has(m); m = (await registry.meterInfo(m)).replaces) seen.add(m);
    }
    byCluster.set(id, seen);
  }
  const added = await eventsIfServed(() => registry.queryFilter(registry.filters.MeterAdded()));
  for (const e of added ?? []) byCluster.get(Number(e.args.clusterId))?.add(e.args.meter);
  return { byCluster, complete: added !== undefined };
}

export async function readTopology(registry: ClusterRegistry): Promise<Topology> {
  const count = Number(await registry.clusterCount());
  const everIn = await metersEverIn(registry, count);
  const clusters: ClusterView[] = [];
  for (let id = 1; id <= count; id++) {
    const c = await registry.clusterInfo(id);
    const meters = await Promise.all(
      [...(everIn.byCluster.get(id) ?? [])].map((a) => meterView(registry, a)),
    );
    meters.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    clusters.push({
      clusterId: id,
      parent: c.parent,
      x: c.x,
      y: c.y,
      meterCount: Number(c.meterCount),
      neighbours: [...c.neighbours],
      meters,
    });
  }
  const nodes = await Promise.all(
    (await registry.nodes()).map(async (address) => {
      const n = await registry.nodeInfo(address);
      return {
        address,
        x: n.x,
        y: n.y,
        clusterId: Number(n.clusterId),
        neighbourOf: Number(n.neighbourOfCount),
      };
    }),
  );
  return {
    registry: await registry.getAddress(),
    epoch: await registry.epoch(),
    currentPeriod: Number(await registry.currentPeriod()),
    maxMetersPerCluster: Number(await registry.maxMetersPerCluster()),
    nodes,
    clusters,
    removedMetersShown: everIn.complete,
  };
}

export interface NeighbourPlan {
  clusterId: number;
  parent: string;
  current: string[];
  chosen: RankedNeighbour[];
  changed: boolean;
}

/** Throws unless the registry ranks `chosen` for the cluster now: TS and on-chain must agree exactly. */
async function requireOnChainRanking(
  registry: ClusterRegistry,
  clusterId: number,
  chosen: readonly RankedNeighbour[],
): Promise<void> {
  const onChain = await registry.rankNeighbours(clusterId);
  const ts = chosen.map((n) => n.node);
  if (onChain.join() !== ts.join()) {
    throw new InvalidArgumentError(
      "cluster",
      `cluster ${clusterId}: off-chain ranking [${ts.join(", ")}] disagrees with on-chain [${onChain.join(", ")}]`,
    );
  }
}

/**
 * SPEC 2's assignment of every cluster, computed in TypeScript: in cluster order, each takes its ranking's first
 * 3 among the nodes with a free role, counting the assignments before it. The ranking of today's topology is
 * cross-checked against the registry's for every cluster: if the two ever disagree, nothing is sent.
 */
export async function planNeighbours(registry: ClusterRegistry): Promise<NeighbourPlan[]> {
  const topology = await readTopology(registry);
  for (const c of topology.clusters) {
    await requireOnChainRanking(registry, c.clusterId, chooseNeighbours(c, topology.clusters));
  }
  return planNeighbourAssignments(topology.clusters).map((step) => {
    const c = topology.clusters.find((x) => x.clusterId === step.clusterId)!;
    const ts = step.neighbours.map((n) => n.node);
    return {
      clusterId: c.clusterId,
      parent: c.parent,
      current: c.neighbours,
      chosen: [...step.neighbours],
      changed: c.neighbours.join() !== ts.join(),
    };
  });
}

/**
 * Send the planned neighbour sets that differ from what is on-chain, in plan order (each one counts for the
 * next); each is checked against the registry's ranking just before it is sent. Returns how many were sent.
 */
export async function applyNeighbourPlan(
  registry: ClusterRegistry,
  plans: readonly NeighbourPlan[],
): Promise<number> {
  let sent = 0;
  for (const p of plans.filter((x) => x.changed)) {
    await requireOnChainRanking(registry, p.clusterId, p.chosen);
    await (
      await registry.setNeighbours(
        p.clusterId,
        p.chosen.map((n) => n.node),
      )
    ).wait();
    sent++;
  }
  return sent;
}

const short = (a: string) => `${a.slice(0, 8)}…${a.slice(-4)}`;

export function formatNeighbourPlan(plans: readonly NeighbourPlan[]): string {
  const rows = plans.flatMap((p) =>
    p.chosen.length === 0
      ? [[p.clusterId, short(p.parent), "-", "-", "-", "-", p.changed ? "change" : "same"]]
      : p.chosen.map((n, i) => [
          i === 0 ? p.clusterId : "",
          i === 0 ? short(p.parent) : "",
          i + 1,
          `${short(n.node)} (cluster ${n.clusterId})`,
          n.distance.toFixed(1),
          n.meterCount,
          i === 0 ? (p.changed ? "change" : "same") : "",
        ]),
  );
  return renderTable(["cluster", "parent", "rank", "neighbour", "distance", "meters", "on-chain"], rows);
}

/** "replaces 0x12…ab; replaced by 0x34…cd", or "-". */
function meterHistory(m: MeterView): string {
  const parts = [
    m.replaces === null ? "" : `replaces ${short(m.replaces)}`,
    m.replacedBy === null ? "" : `replaced by ${short(m.replacedBy)}`,
  ].filter((p) => p !== "");
  return parts.join("; ") || "-";
}

export function formatTopology(t: Topology): string {
  const clusterRows = t.clusters.map((c) => [
    c.clusterId,
    short(c.parent),
    `(${c.x}, ${c.y})`,
    `${c.meterCount}/${t.maxMetersPerCluster}`,
    c.meters.filter((m) => m.kind === "prosumer").length,
    c.neighbours.map(short).join(", ") || "-",
  ]);
  const meterRows = t.clusters.flatMap((c) =>
    c.meters.map((m) => [
      c.clusterId,
      m.address,
      m.kind,
      m.status,
      m.fromPeriod,
      m.untilPeriod ?? "open",
      meterHistory(m),
    ]),
  );
  return [
    `registry ${t.registry}  epoch ${t.epoch}  period ${t.currentPeriod}  nodes ${t.nodes.length}  clusters ${t.clusters.length}`,
    "",
    renderTable(["cluster", "parent", "location", "meters", "prosumers", "neighbours"], clusterRows),
    "",
    renderTable(["cluster", "meter", "kind", "status", "from", "until", "history"], meterRows),
    ...(t.removedMetersShown
      ? []
      : ["(meters removed and never replaced are not shown: the node did not serve the registry's events)"]),
  ].join("\n");
}
