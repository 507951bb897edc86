/** An in-memory ChainView for unit tests of the gateway logic (no chain, no HTTP). */
import { Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { PERIOD_SECONDS } from "../../lib/constants.js";
import { gridDomain, signReading, type Reading, type SignedReading } from "../../lib/batches/reading.js";
import type { ChainView, MeterRecord, ServedCluster } from "../../lib/gateway/types.js";
import type { RegisteredMeterKind } from "../../lib/chain/schema.js";

export const OPEN_END = 2 ** 32 - 1;
export const FAKE_REGISTRY = "0x00000000000000000000000000000000000000aa";
export const domain = gridDomain(31337n, FAKE_REGISTRY);

export class FakeChain implements ChainView {
  nowSeconds = 0n;
  readonly meters = new Map<string, MeterRecord>();
  readonly clusters = new Map<number, string[]>();
  served: ServedCluster[] = [];
  readonly voted = new Set<string>();
  readonly accepted = new Map<string, string>();

  async now(): Promise<bigint> {
    return this.nowSeconds;
  }
  async epoch(): Promise<bigint> {
    return 0n;
  }
  /** Put the clock `seconds` into `period`. */
  at(period: number, seconds = 0): void {
    this.nowSeconds = BigInt(period * PERIOD_SECONDS + seconds);
  }
  addMeter(clusterId: number, wallet: Wallet, kind: RegisteredMeterKind = "prosumer"): void {
    const a = getAddress(wallet.address);
    this.meters.set(a, { clusterId, kind, status: "active", fromPeriod: 0, untilPeriod: OPEN_END });
    this.clusters.set(clusterId, [...(this.clusters.get(clusterId) ?? []), a]);
  }
  tamper(wallet: Wallet, atPeriod: number): void {
    const a = getAddress(wallet.address);
    const m = this.meters.get(a)!;
    this.meters.set(a, { ...m, status: "tampered", untilPeriod: atPeriod });
  }
  async meterInfo(meter: string): Promise<MeterRecord> {
    return (
      this.meters.get(getAddress(meter)) ?? {
        clusterId: 0,
        kind: "none",
        status: "none",
        fromPeriod: 0,
        untilPeriod: 0,
      }
    );
  }
  async isReadingAllowed(meter: string, clusterId: number, period: number): Promise<boolean> {
    const m = this.meters.get(getAddress(meter));
    return !!m && m.clusterId === clusterId && period >= m.fromPeriod && period < m.untilPeriod;
  }
  async metersOf(clusterId: number): Promise<string[]> {
    return this.clusters.get(clusterId) ?? [];
  }
  async servedClusters(): Promise<ServedCluster[]> {
    return this.served;
  }
  async decision(clusterId: number, period: number) {
    const d = this.accepted.get(`${clusterId}/${period}`);
    return d ? { status: "accepted" as const, digest: d } : { status: "none" as const, digest: null };
  }
  async hasVoted(clusterId: number, period: number, node: string): Promise<boolean> {
    return this.voted.has(`${clusterId}/${period}/${getAddress(node)}`);
  }
}

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
