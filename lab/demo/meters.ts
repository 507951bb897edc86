/**
 * The demo's homes and the meter installed in each: lab/simulator's MeterFleet plays the home's real data
 * time-shifted onto the grid clock and signs with the meter's key. A replaced meter (after a tamper alarm)
 * gets a new key; the home's data goes on.
 */
import { keccak256, toUtf8Bytes, Wallet } from "ethers";
import type { DemoMeter } from "../fixtures/demo-grid.js";
import type { FleetMeter } from "../simulator/fleet.js";
import type { RegisteredMeterKind } from "../../lib/chain/schema.js";

export interface MeterSlot {
  readonly building: number;
  readonly clusterId: number;
  readonly kind: RegisteredMeterKind;
  readonly capacityW: number;
  /** The meter currently installed (changes when it is replaced). */
  wallet: Wallet;
  /** Every key this home's meter had, oldest first. */
  readonly history: Wallet[];
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

/** The simulator's view of the meter currently installed in a home. */
export function fleetMeter(slot: MeterSlot): FleetMeter {
  return { building: slot.building, wallet: slot.wallet, clusterId: slot.clusterId, kind: slot.kind };
}
