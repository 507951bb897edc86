/**
 * SPEC 2's neighbour ranking, the twin of contracts/libraries/NeighbourRanking.sol: squared Euclidean
 * distance between cluster locations ascending, then the candidate cluster's meter count descending,
 * then the candidate node's address ascending. The first 3 win.
 */
import { MAX_NEIGHBOURS } from "../constants.js";

export interface ClusterSite {
  readonly clusterId: number;
  /** The cluster's parent node. */
  readonly parent: string;
  readonly x: bigint;
  readonly y: bigint;
  readonly meterCount: number;
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

/** Every other cluster's parent ranked for `own`, best first (all of them; take the first 3 to assign). */
export function rankCandidates(own: ClusterSite, clusters: readonly ClusterSite[]): RankedNeighbour[] {
  return clusters
    .filter((c) => c.clusterId !== own.clusterId)
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

/**
 * SPEC 2's genesis rule: the node whose cluster has the most meters deploys the contracts. Ties go to the
 * lowest address, so every node computes the same deployer.
 */
export function genesisDeployer(clusters: readonly ClusterSite[]): string | undefined {
  const ranked = clusters.map((c) => ({ node: c.parent, meterCount: c.meterCount })).sort(compareBySize);
  return ranked[0]?.node;
}
