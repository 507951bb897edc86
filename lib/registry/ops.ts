/**
 * The utility's day-to-day topology operations. Every argument is checked against the chain before a
 * transaction is sent, so a mistake costs a one-line error and nothing else.
 */
import type { ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { InvalidArgumentError } from "../errors.js";
import { parseAddress } from "../chain/deployment.js";
import {
  chooseNeighbours,
  planNeighbourAssignments,
  type ClusterSite,
  type RankedNeighbour,
} from "./ranking.js";
import { renderTable } from "../format/table.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export const METER_KINDS = { consumer: 1, prosumer: 2 } as const;
export type MeterKindName = keyof typeof METER_KINDS;
const KIND_NAMES = ["none", "consumer", "prosumer"] as const;
const STATUS_NAMES = ["none", "active", "tampered", "replaced", "removed"] as const;

export function parseCoordinate(what: string, value: string | number | bigint): bigint {
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    throw new InvalidArgumentError(what, `"${value}" is not an integer coordinate`);
  }
  if (v < INT64_MIN || v > INT64_MAX)
    throw new InvalidArgumentError(what, `${v} does not fit a signed 64-bit integer`);
  return v;
}

export function parseClusterId(value: string | number | bigint): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) {
    throw new InvalidArgumentError("cluster", `"${value}" is not a cluster id (1, 2, ...)`);
  }
  return v;
}

export function parseMeterKind(value: string): MeterKindName {
  if (value === "consumer" || value === "prosumer") return value;
  throw new InvalidArgumentError("kind", `"${value}" is not a meter kind: use consumer or prosumer`);
}

async function requireCluster(registry: ClusterRegistry, clusterId: number) {
  const count = Number(await registry.clusterCount());
  if (clusterId > count) {
    throw new InvalidArgumentError("cluster", `cluster ${clusterId} does not exist (clusters: 1..${count})`);
  }
  return registry.clusterInfo(clusterId);
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
  const x = parseCoordinate("x", args.x);
  const y = parseCoordinate("y", args.y);
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
  const x = parseCoordinate("x", args.x);
  const y = parseCoordinate("y", args.y);
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
  const clusterId = parseClusterId(args.cluster);
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
  if (known.status !== 0n) {
    throw new InvalidArgumentError(
      "meter",
      `${meter} is already known (${STATUS_NAMES[Number(known.status)]}); keys are never reused`,
    );
  }
  return (await registry.addMeter(clusterId, meter, METER_KINDS[kind])).wait();
}

export async function replaceMeter(
  registry: ClusterRegistry,
  args: { old: string; new: string; permit: string },
) {
  const oldMeter = parseAddress("old", args.old);
  const newMeter = parseAddress("new", args.new);
  if (args.permit.trim() === "")
    throw new InvalidArgumentError("permit", "a work-permit reference is required");
  const old = await registry.meterInfo(oldMeter);
  const status = STATUS_NAMES[Number(old.status)];
  if (status !== "active" && status !== "tampered") {
    throw new InvalidArgumentError("old", `${oldMeter} cannot be replaced: it is ${status}`);
  }
  if ((await registry.meterInfo(newMeter)).status !== 0n) {
    throw new InvalidArgumentError("new", `${newMeter} is already known; a replacement needs a new key`);
  }
  return (await registry.replaceMeter(oldMeter, newMeter, args.permit.trim())).wait();
}

export interface MeterView {
  address: string;
  kind: string;
  status: string;
  fromPeriod: number;
  untilPeriod: number | null;
}

export interface ClusterView extends ClusterSite {
  neighbours: string[];
  meters: MeterView[];
}

export interface Topology {
  registry: string;
  epoch: bigint;
  currentPeriod: number;
  maxMetersPerCluster: number;
  nodes: { address: string; x: bigint; y: bigint; clusterId: number; neighbourOf: number }[];
  clusters: ClusterView[];
}

const OPEN_END = 0xffffffff;

export async function readTopology(registry: ClusterRegistry): Promise<Topology> {
  const count = Number(await registry.clusterCount());
  const clusters: ClusterView[] = [];
  for (let id = 1; id <= count; id++) {
    const c = await registry.clusterInfo(id);
    const meters = await Promise.all(
      (await registry.metersOf(id)).map(async (address) => {
        const m = await registry.meterInfo(address);
        return {
          address,
          kind: KIND_NAMES[Number(m.kind)] ?? "?",
          status: STATUS_NAMES[Number(m.status)] ?? "?",
          fromPeriod: Number(m.fromPeriod),
          untilPeriod: Number(m.untilPeriod) === OPEN_END ? null : Number(m.untilPeriod),
        };
      }),
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
    c.meters.map((m) => [c.clusterId, m.address, m.kind, m.status, m.fromPeriod, m.untilPeriod ?? "open"]),
  );
  return [
    `registry ${t.registry}  epoch ${t.epoch}  period ${t.currentPeriod}  nodes ${t.nodes.length}  clusters ${t.clusters.length}`,
    "",
    renderTable(["cluster", "parent", "location", "meters", "prosumers", "neighbours"], clusterRows),
    "",
    renderTable(["cluster", "meter", "kind", "status", "from", "until"], meterRows),
  ].join("\n");
}
