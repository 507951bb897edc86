/**
 * The simulator's driver: for each period, move time past its end, then let every meter post its signed
 * reading to its gateways, with optional faults. Time moves through an injected `advance` (network
 * helpers in tests, evm_setNextBlockTimestamp on a dev node, or real waiting on a live chain).
 */
import { getAddress, JsonRpcProvider } from "ethers";
import { periodStart } from "../../lib/time.js";
import { GridShareError } from "../../lib/errors.js";
import { signedReadingToJson } from "../../lib/batches/reading.js";
import { contractAt, MeterKind } from "../../lib/chain/schema.js";
import { meterWallet } from "../fixtures/demo-grid.js";
import { alteredAfterSigning, conflictingReading, malformedPosts } from "./faults.js";
import { MeterFleet, postReadings, type FleetMeter } from "./fleet.js";

export interface SimulationFaults {
  /** Gateways (urls) that get nothing: a silent neighbour. */
  readonly silent?: ReadonlySet<string>;
  /** Building whose meter sends a second, different signed reading each period (compromised key). */
  readonly compromisedBuilding?: number;
  /** Building whose readings are altered after signing (tampered in transit). */
  readonly tamperedBuilding?: number;
  /** Send the malformed bodies to every gateway once per period. */
  readonly malformed?: boolean;
}

export interface SimulationPlan {
  readonly fleet: MeterFleet;
  /** The gateways a meter posts to (its cluster's parent and neighbours). */
  readonly routes: (m: FleetMeter) => readonly string[];
  readonly fromPeriod: number;
  readonly periods: number;
  /** Move the grid clock into `period` (called before posting the readings of `period - 1`). */
  readonly advance: (period: number) => Promise<void>;
  /** Called after a period's posts (e.g. to tick in-process gateways). */
  readonly afterPeriod?: (period: number) => Promise<void>;
  readonly faults?: SimulationFaults;
  readonly log?: (line: string) => void;
}

export interface SimulationReport {
  /** HTTP status -> count, over every post. */
  readonly statuses: Record<number, number>;
  readonly posts: number;
}

/** Largest number of periods one run plays (a year of data). */
export const MAX_SIMULATED_PERIODS = 2_189;

export async function runSimulation(plan: SimulationPlan): Promise<SimulationReport> {
  if (!Number.isInteger(plan.periods) || plan.periods < 1 || plan.periods > MAX_SIMULATED_PERIODS) {
    throw new GridShareError(
      "INVALID_PERIODS",
      `periods ${plan.periods}: choose 1..${MAX_SIMULATED_PERIODS}`,
    );
  }
  const statuses: Record<number, number> = {};
  let posts = 0;
  const note = (s: number) => {
    statuses[s] = (statuses[s] ?? 0) + 1;
    posts++;
  };
  const f = plan.faults ?? {};
  for (let p = plan.fromPeriod; p < plan.fromPeriod + plan.periods; p++) {
    await plan.advance(p + 1);
    for (const { meter, signed } of await plan.fleet.period(p)) {
      const urls = plan.routes(meter).filter((u) => !f.silent?.has(u));
      let body = signedReadingToJson(signed);
      if (meter.building === f.tamperedBuilding) body = signedReadingToJson(alteredAfterSigning(signed));
      for (const u of urls) note((await postReadings(u, body)).status);
      if (meter.building === f.compromisedBuilding) {
        const second = signedReadingToJson(await conflictingReading(plan.fleet, meter, signed.reading));
        for (const u of urls) note((await postReadings(u, second)).status);
      }
    }
    if (f.malformed) {
      const sample = signedReadingToJson((await plan.fleet.period(p))[0]!.signed) as unknown as Record<
        string,
        unknown
      >;
      const all = new Set(plan.fleet.meters.flatMap((m) => plan.routes(m)));
      for (const u of all)
        for (const m of malformedPosts(sample)) note((await postReadings(u, m.body, m.contentType)).status);
    }
    await plan.afterPeriod?.(p);
    plan.log?.(`period ${p}: ${posts} posts so far ${JSON.stringify(statuses)}`);
  }
  return { statuses, posts };
}

/** A dev node's clock (Hardhat/EDR `npx hardhat node`): jump to 60 s into `period` and mine a block. */
export function devnetAdvance(provider: JsonRpcProvider, epoch: bigint): (period: number) => Promise<void> {
  return async (period) => {
    const target = periodStart(period, epoch) + 60n;
    const latest = await provider.getBlock("latest");
    if (latest && BigInt(latest.timestamp) >= target) return;
    await provider.send("evm_setNextBlockTimestamp", [`0x${target.toString(16)}`]);
    await provider.send("evm_mine", []);
  };
}

/** A live chain: wait (bounded per call by the period length) until the chain clock reaches `period`. */
export function realTimeAdvance(
  provider: JsonRpcProvider,
  epoch: bigint,
  pollMs = 10_000,
): (period: number) => Promise<void> {
  return async (period) => {
    const target = periodStart(period, epoch) + 60n;
    for (let i = 0; i < 14_400_000 / pollMs + 10; i++) {
      const b = await provider.getBlock("latest");
      if (b && BigInt(b.timestamp) >= target) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
}

/**
 * The fleet of a deployed grid: buildings' meter keys come from the demo seed (lab/fixtures/demo-grid.ts);
 * clusters and routes are read from the registry. `gateways` maps node address -> gateway URL.
 */
export async function fleetFromChain(
  provider: JsonRpcProvider,
  registryAddress: string,
  buildings: readonly number[],
  seed: string,
  gateways: ReadonlyMap<string, string>,
): Promise<{ fleet: MeterFleet; routes: (m: FleetMeter) => string[]; epoch: bigint }> {
  const registry = contractAt("ClusterRegistry", registryAddress, provider);
  const { chainId } = await provider.getNetwork();
  const meters: FleetMeter[] = [];
  const voters = new Map<number, string[]>();
  for (const b of buildings) {
    const wallet = meterWallet(seed, b);
    const info = await registry.meterInfo(wallet.address);
    const kind = MeterKind.nameOf(info.kind);
    if (info.clusterId === 0n || kind === "none")
      throw new GridShareError(
        "UNKNOWN_METER",
        `building ${b}'s meter ${wallet.address} is not registered (seed "${seed}")`,
      );
    const clusterId = Number(info.clusterId);
    meters.push({ building: b, wallet, clusterId, kind });
    if (!voters.has(clusterId)) {
      voters.set(
        clusterId,
        (await registry.votersOf(clusterId)).map((a) => getAddress(a)),
      );
    }
  }
  const routes = (m: FleetMeter) =>
    (voters.get(m.clusterId) ?? []).map((n) => gateways.get(n)).filter((u): u is string => u !== undefined);
  const epoch = await registry.epoch();
  const { gridDomain } = await import("../../lib/batches/reading.js");
  return { fleet: new MeterFleet(meters, gridDomain(chainId, registryAddress)), routes, epoch };
}
