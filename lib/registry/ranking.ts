/**
 * SPEC 2's neighbour ranking, the twin of contracts/libraries/NeighbourRanking.sol and of
 * ClusterRegistry.rankNeighbours: squared Euclidean distance between cluster locations ascending, then the
 * candidate cluster's meter count descending, then the candidate node's address ascending. Candidates are the
 * other clusters' parents that still have a free neighbour role (SPEC 1: a node neighbours at most 3 clusters;
 * a role it already holds for this cluster counts as free). The first 3 win, and the registry accepts nothing else.
 */
import { MAX_NEIGHBOUR_ROLES, MAX_NEIGHBOURS } from "../constants.js";

export interface ClusterSite {
  readonly clusterId: number;
  /** The cluster's parent node. */
  readonly parent: string;
  readonly x: bigint;
  readonly y: bigint;
  readonly meterCount: number;
  /** The cluster's current neighbour nodes (none when absent). */
  readonly neighbours?: readonly string[];
}

export interface RankedNeighbour {
  readonly node: string;
  readonly clusterId: number;
  readonly distanceSquared: bigint;
  /** Euclidean distance, for display only (ranking compares exact squared distances). */
  readonly distance: number;
  readonly meterCount: number;
}

export function distanceSquared(a: { x: bigint; y: bigint }, b: { x: bigint; y: bigint }): bigint {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return dx * dx + dy * dy;
}

/** Addresses compare as 160-bit numbers, as Solidity's `address <` does. */
function addressValue(address: string): bigint {
  return BigInt(address);
}

export function compareCandidates(a: RankedNeighbour, b: RankedNeighbour): number {
  if (a.distanceSquared !== b.distanceSquared) return a.distanceSquared < b.distanceSquared ? -1 : 1;
  if (a.meterCount !== b.meterCount) return b.meterCount - a.meterCount;
  const av = addressValue(a.node);
  const bv = addressValue(b.node);
  return av === bv ? 0 : av < bv ? -1 : 1;
}

/** How many clusters other than `clusterId` list `node` among their neighbours. */
export function rolesElsewhere(node: string, clusterId: number, clusters: readonly ClusterSite[]): number {
  const key = node.toLowerCase();
  return clusters.filter(
    (c) => c.clusterId !== clusterId && (c.neighbours ?? []).some((n) => n.toLowerCase() === key),
  ).length;
}

/**
 * Every other cluster's parent that could still neighbour `own`, ranked best first (all of them; the first 3
 * are the assignment). A parent already neighbouring 3 other clusters is not a candidate.
 */
export function rankCandidates(own: ClusterSite, clusters: readonly ClusterSite[]): RankedNeighbour[] {
  return clusters
    .filter(
      (c) =>
        c.clusterId !== own.clusterId &&
        rolesElsewhere(c.parent, own.clusterId, clusters) < MAX_NEIGHBOUR_ROLES,
    )
    .map((c) => {
      const d2 = distanceSquared(own, c);
      return {
        node: c.parent,
        clusterId: c.clusterId,
        distanceSquared: d2,
        distance: Math.sqrt(Number(d2)),
        meterCount: c.meterCount,
      };
    })
    .sort(compareCandidates);
}

/** The neighbours SPEC 2 assigns to `own`: the best `MAX_NEIGHBOURS` candidates. */
export function chooseNeighbours(own: ClusterSite, clusters: readonly ClusterSite[]): RankedNeighbour[] {
  return rankCandidates(own, clusters).slice(0, MAX_NEIGHBOURS);
}

/** A node with the size of the cluster it parents (0 meters when it parents none). */
export interface SizedNode {
  readonly node: string;
  readonly meterCount: number;
}

/**
 * SPEC 2's genesis order, also SPEC 6's signer order: the largest cluster first, ties to the lowest address,
 * so every node computes the same order.
 */
export function compareBySize(a: SizedNode, b: SizedNode): number {
  if (a.meterCount !== b.meterCount) return b.meterCount - a.meterCount;
  const av = addressValue(a.node);
  const bv = addressValue(b.node);
  return av === bv ? 0 : av < bv ? -1 : 1;
}

/** One `setNeighbours` call of a plan. */
export interface NeighbourAssignment {
  readonly clusterId: number;
  readonly neighbours: readonly RankedNeighbour[];
}

/**
 * SPEC 2 for a whole grid: each cluster in id order gets its ranking's first 3, every assignment counting for
 * the ones after it (roles fill up). Sent in this order, each call is exactly what the registry ranks then.
 */
export function planNeighbourAssignments(clusters: readonly ClusterSite[]): NeighbourAssignment[] {
  const state: ClusterSite[] = [...clusters].sort((a, b) => a.clusterId - b.clusterId);
  return state.map((c, i) => {
    const neighbours = chooseNeighbours(c, state);
    state[i] = { ...c, neighbours: neighbours.map((n) => n.node) };
    return { clusterId: c.clusterId, neighbours };
  });
}

/**
 * SPEC 2's genesis rule: the node whose cluster has the most meters deploys the contracts. Ties go to the
 * lowest address, so every node computes the same deployer.
 */
export function genesisDeployer(clusters: readonly ClusterSite[]): string | undefined {
  const ranked = clusters.map((c) => ({ node: c.parent, meterCount: c.meterCount })).sort(compareBySize);
  return ranked[0]?.node;
}
