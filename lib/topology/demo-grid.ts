/**
 * The demo grid: real homes from the CityLearn data grouped into clusters of 4 meters (in building order),
 * one parent node per cluster, cluster sites laid out on a 500 m grid so neighbour distances differ.
 * Meter keys are derived from a seed, so a demo run is reproducible.
 */
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import { DEFAULT_MAX_METERS_PER_CLUSTER } from "../constants.js";
import { loadBuilding } from "../data/citylearn.js";
import { GridShareError } from "../errors.js";

/** Cluster sites: metres east/north of the substation. Irregular on purpose (ties are still possible). */
const SITE_SPACING_M = 500n;

export interface DemoMeter {
  building: number;
  wallet: Wallet;
  kind: "prosumer" | "consumer";
  capacityW: number;
}

export interface DemoCluster {
  index: number;
  x: bigint;
  y: bigint;
  meters: DemoMeter[];
}

/** Deterministic meter key of a building for a seed. */
export function meterWallet(seed: string, building: number): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`gridshare-demo:${seed}:meter:${building}`)));
}

export function demoClusters(
  buildings: readonly number[],
  seed: string,
  perCluster = DEFAULT_MAX_METERS_PER_CLUSTER,
): DemoCluster[] {
  if (buildings.length < 2 * perCluster) {
    throw new GridShareError(
      "DEMO_TOO_SMALL",
      `${buildings.length} building(s) make fewer than 2 clusters of ${perCluster}: choose at least ${2 * perCluster}`,
    );
  }
  const clusters: DemoCluster[] = [];
  for (let i = 0; i * perCluster < buildings.length; i++) {
    const group = buildings.slice(i * perCluster, (i + 1) * perCluster);
    clusters.push({
      index: i,
      // A loose spiral: (0,0), (1,0), (0,1), (2,1), (1,2), ...
      x: BigInt((i % 3) + Math.floor(i / 3)) * SITE_SPACING_M,
      y: BigInt(Math.floor(i / 3) * 2 + (i % 2)) * SITE_SPACING_M,
      meters: group.map((building) => {
        const profile = loadBuilding(building);
        const generates = profile.periods.some((p) => p.generationWh > 0n);
        return {
          building,
          wallet: meterWallet(seed, building),
          kind: generates ? "prosumer" : "consumer",
          capacityW: profile.capacityW,
        };
      }),
    });
  }
  return clusters;
}
