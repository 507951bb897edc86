/** Meter-signed readings for test batches, from the real CityLearn homes (Buildings 1-12). */
import type { Wallet } from "ethers";
import { loadBuilding } from "../../lib/data/citylearn.js";
import {
  gridDomain,
  readingFromEnergy,
  signReading,
  type Reading,
  type SignedReading,
} from "../../lib/reading.js";
import type { Grid } from "./grid.js";

/** Buildings 1-12 are the test homes (see the data README). */
const TEST_BUILDINGS = 12;
/** A summer midday data period: prosumers export, so PSA < 1 is reachable. */
export const SUNNY_DATA_PERIOD = 6 * 3 + 2;

/** The real home behind meter `index` of a cluster. */
export function buildingOf(clusterId: number, index: number): number {
  return 1 + (((clusterId - 1) * 4 + index) % TEST_BUILDINGS);
}

/**
 * The reading meter `index` of `clusterId` signs for grid period `period`, using the home's data period
 * `dataPeriod`. Consumer meters report the home's load only (no generation: SPEC 4).
 */
export function readingFor(
  grid: Grid,
  meter: Wallet,
  clusterId: number,
  index: number,
  period: number,
  dataPeriod = SUNNY_DATA_PERIOD,
): Reading {
  const e = loadBuilding(buildingOf(clusterId, index)).periods[dataPeriod];
  if (grid.prosumers.has(meter.address)) {
    return readingFromEnergy(meter.address, period, e);
  }
  return {
    meter: meter.address,
    period,
    importWh: e.loadWh,
    exportWh: 0n,
    loadWh: e.loadWh,
    generationWh: 0n,
    peakLoadW: e.peakLoadW,
    peakGenerationW: 0,
  };
}

/** Every meter of a cluster signs its reading for `period`. */
export async function signedReadings(
  grid: Grid,
  clusterId: number,
  period: number,
  dataPeriod = SUNNY_DATA_PERIOD,
): Promise<SignedReading[]> {
  const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
  const meters = grid.meters[clusterId - 1];
  return Promise.all(
    meters.map((m, i) => signReading(m, domain, readingFor(grid, m, clusterId, i, period, dataPeriod))),
  );
}
