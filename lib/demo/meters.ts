/**
 * The demo's smart meters: one per home, playing its real data time-shifted onto the grid clock
 * (grid period p plays data period p + dataOffset) and signing each reading with its own key.
 * A replaced meter (after a tamper alarm) gets a new key; the home's data goes on.
 */
import { getAddress, keccak256, toUtf8Bytes, Wallet, type TypedDataDomain } from "ethers";
import { loadBuilding } from "../data/citylearn.js";
import { GridShareError } from "../errors.js";
import { signReading, type Reading, type SignedReading } from "../reading.js";
import type { DemoMeter } from "../topology/demo-grid.js";

export interface MeterSlot {
  readonly building: number;
  readonly clusterId: number;
  readonly kind: "consumer" | "prosumer";
  readonly capacityW: number;
  /** The meter currently installed (changes when it is replaced). */
  wallet: Wallet;
  /** Every key this home's meter had, oldest first. */
  readonly history: Wallet[];
}

export class NoDataError extends GridShareError {
  constructor(building: number, index: number) {
    super("NO_DATA", `building ${building} has no data period ${index}: choose an earlier --data-week`);
  }
}

export function meterSlots(
  clusters: readonly { clusterId: number; meters: readonly DemoMeter[] }[],
): MeterSlot[] {
  return clusters.flatMap((c) =>
    c.meters.map((m) => ({
      building: m.building,
      clusterId: c.clusterId,
      kind: m.kind,
      capacityW: m.capacityW,
      wallet: m.wallet,
      history: [m.wallet],
    })),
  );
}

/** The key of a replacement meter: derived from the seed, never one used before. */
export function replacementWallet(seed: string, building: number, generation: number): Wallet {
  return new Wallet(
    keccak256(toUtf8Bytes(`gridshare-demo:${seed}:meter:${building}:replacement:${generation}`)),
  );
}

/** What the home's meter registers for a grid period (a consumer meter measures no generation). */
export function meterReading(slot: MeterSlot, period: number, dataOffset: number): Reading {
  const index = period + dataOffset;
  const p = loadBuilding(slot.building).periods[index];
  if (!p) throw new NoDataError(slot.building, index);
  const consumer = slot.kind === "consumer";
  return {
    meter: getAddress(slot.wallet.address),
    period,
    importWh: consumer ? p.loadWh : p.importWh,
    exportWh: consumer ? 0n : p.exportWh,
    loadWh: p.loadWh,
    generationWh: consumer ? 0n : p.generationWh,
    peakLoadW: p.peakLoadW,
    peakGenerationW: consumer ? 0 : p.peakGenerationW,
  };
}

export function signMeterReading(
  slot: MeterSlot,
  domain: TypedDataDomain,
  reading: Reading,
): Promise<SignedReading> {
  return signReading(slot.wallet, domain, reading);
}
