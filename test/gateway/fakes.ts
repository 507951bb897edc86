/** Meters and signed readings for unit tests of the gateway logic (the chain is lab/fixtures/chain-view.ts). */
import { Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { gridDomain, signReading, type Reading, type SignedReading } from "../../lib/batches/reading.js";

export const FAKE_REGISTRY = "0x00000000000000000000000000000000000000aa";
export const domain = gridDomain(31337n, FAKE_REGISTRY);

export function testMeter(i: number): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`gateway-unit-meter-${i}`)));
}

/** A balanced prosumer reading with plausible peaks. */
export function reading(w: Wallet, period: number, loadWh = 2000n, generationWh = 500n): Reading {
  const net = loadWh - generationWh;
  return {
    meter: getAddress(w.address),
    period,
    importWh: net > 0n ? net : 0n,
    exportWh: net < 0n ? -net : 0n,
    loadWh,
    generationWh,
    peakLoadW: 1000,
    peakGenerationW: 1000,
  };
}

export function sign(w: Wallet, r: Reading): Promise<SignedReading> {
  return signReading(w, domain, r);
}
