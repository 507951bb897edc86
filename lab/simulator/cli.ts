/** Arguments of scripts/simulate.ts, parsed and checked; the run itself is lab/simulator/run.ts. */
import { parseArgs } from "node:util";
import { JsonRpcProvider, getAddress, isAddress } from "ethers";
import { parseBuildingList } from "../data/citylearn.js";
import { meterWallet } from "../fixtures/demo-grid.js";
import { parseAddress, parseOptional, parseRequired, parseUint32 } from "../../lib/args.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import {
  devnetAdvance,
  fleetFromChain,
  MAX_SIMULATED_PERIODS,
  realTimeAdvance,
  runSimulation,
  type SimulationReport,
} from "./run.js";

export const USAGE = `usage: simulate --rpc <url> --registry <address> --gateway <node>=<url> [--gateway ...]
                [--buildings 1-12] [--seed demo] [--from-period <n>] [--periods 42] [--fast]
                [--silent <node>] [--tampered <building>] [--compromised <building>] [--malformed]
       simulate --list-meters [--seed demo] [--buildings 1-12]
  --fast               moves a dev node's clock (evm_setNextBlockTimestamp); without it the simulator
                       waits for real time, so --from-period must be at most one period ahead of the chain
  --from-period, --periods  grid periods to play, within the data year (periods 0..${MAX_SIMULATED_PERIODS - 1})
  --tampered <b>       building b's readings are altered after signing (a meter tampered in transit):
                       the signature no longer matches, gateways refuse them (422 SIGNATURE_MISMATCH)
  --compromised <b>    building b's key also signs a second, different reading for each period (a stolen
                       key): gateways quarantine both (409) and the parent reports the meter tampered
  --silent <node>      that node's gateway gets no reading (a silent neighbour)
  --malformed          every gateway also gets broken bodies each period (each must be refused with a 4xx)
  --list-meters        print each building's meter address for the seed (to register them) and exit`;

export interface SimulateArgs {
  readonly rpc: string;
  readonly registry: string;
  readonly gateways: Map<string, string>;
  readonly buildings: number[];
  readonly seed: string;
  readonly fromPeriod?: number;
  readonly periods: number;
  readonly fast: boolean;
  readonly silent: string[];
  readonly tampered?: number;
  readonly compromised?: number;
  readonly malformed: boolean;
  /** Only print the seed's meter addresses. */
  readonly listMeters: boolean;
}

function int(option: string, v: string | undefined): number | undefined {
  return parseOptional(v, (text) => parseUint32(option, text));
}

export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rpc: { type: "string" },
      registry: { type: "string" },
      gateway: { type: "string", multiple: true },
      buildings: { type: "string" },
      seed: { type: "string" },
      "from-period": { type: "string" },
      periods: { type: "string" },
      fast: { type: "boolean" },
      silent: { type: "string", multiple: true },
      tampered: { type: "string" },
      compromised: { type: "string" },
      malformed: { type: "boolean" },
      "list-meters": { type: "boolean" },
    },
    strict: true,
  });
  const buildings = parseBuildingList(values.buildings ?? "1-12");
  const seed = values.seed ?? "demo";
  if (values["list-meters"]) {
    return {
      rpc: "",
      registry: "",
      gateways: new Map(),
      buildings,
      seed,
      periods: 0,
      fast: false,
      silent: [],
      malformed: false,
      listMeters: true,
    };
  }
  const rpc = parseRequired("rpc", values.rpc);
  const registry = parseAddress("registry", parseRequired("registry", values.registry));
  const gateways = new Map<string, string>();
  for (const g of values.gateway ?? []) {
    const [node, url] = g.split("=", 2);
    if (!node || !url || !isAddress(node) || !/^https?:\/\//.test(url)) {
      throw new InvalidArgumentError("gateway", `"${g}" is not <node address>=<http url>`);
    }
    gateways.set(getAddress(node), url);
  }
  if (gateways.size === 0)
    throw new InvalidArgumentError("gateway", "give at least one <node address>=<http url>");
  const played = (name: string, v: string | undefined): number | undefined => {
    const b = int(name, v);
    if (b !== undefined && !buildings.includes(b)) {
      throw new InvalidArgumentError(
        name,
        `building ${b} is not played: choose one of --buildings ${buildings.join(",")}`,
      );
    }
    return b;
  };
  const fromPeriod = int("from-period", values["from-period"]);
  const periods = int("periods", values.periods) ?? 42;
  if (periods < 1 || periods > MAX_SIMULATED_PERIODS) {
    throw new InvalidArgumentError("periods", `${periods}: choose 1..${MAX_SIMULATED_PERIODS}`);
  }
  if (fromPeriod !== undefined && fromPeriod + periods > MAX_SIMULATED_PERIODS) {
    throw new InvalidArgumentError(
      "from-period",
      `periods ${fromPeriod}..${fromPeriod + periods - 1} leave the data year (periods 0..${MAX_SIMULATED_PERIODS - 1})`,
    );
  }
  return {
    rpc,
    registry,
    gateways,
    buildings,
    seed,
    fromPeriod,
    periods,
    fast: values.fast ?? false,
    silent: (values.silent ?? []).map((s) => parseAddress("silent", s)),
    tampered: played("tampered", values.tampered),
    compromised: played("compromised", values.compromised),
    malformed: values.malformed ?? false,
    listMeters: false,
  };
}

/** Each building's meter address for a seed (what the utility registers), no chain needed. */
export function meterList(seed: string, buildings: readonly number[]): { building: number; meter: string }[] {
  return buildings.map((building) => ({ building, meter: meterWallet(seed, building).address }));
}

/**
 * Without --fast the simulator waits for the chain's own clock: a start more than one period ahead of it
 * would wait hours or days in silence, so it is refused.
 */
export function checkStartPeriod(fromPeriod: number, current: number, fast: boolean): void {
  if (fast || fromPeriod <= current + 1) return;
  const ahead = fromPeriod - current;
  throw new InvalidArgumentError(
    "from-period",
    `period ${fromPeriod} is ${ahead} periods (${((ahead * 4) / 24).toFixed(1)} days) ahead of the chain (current period ${current}): without --fast the simulator waits in real time; use --fast on a dev node, or a period near ${current}`,
  );
}

export async function simulate(a: SimulateArgs, log: (s: string) => void): Promise<SimulationReport> {
  const provider = new JsonRpcProvider(a.rpc);
  try {
    const { fleet, routes, epoch } = await fleetFromChain(
      provider,
      a.registry,
      a.buildings,
      a.seed,
      a.gateways,
    );
    const latest = await provider.getBlock("latest");
    const current = latest ? Number((BigInt(latest.timestamp) - epoch) / 14_400n) : 0;
    checkStartPeriod(a.fromPeriod ?? current, current, a.fast);
    const silent = new Set(
      a.silent.map((n) => a.gateways.get(n)).filter((u): u is string => u !== undefined),
    );
    return await runSimulation({
      fleet,
      routes,
      fromPeriod: a.fromPeriod ?? current,
      periods: a.periods,
      advance: a.fast ? devnetAdvance(provider, epoch) : realTimeAdvance(provider, epoch),
      faults: {
        silent,
        tamperedBuilding: a.tampered,
        compromisedBuilding: a.compromised,
        malformed: a.malformed,
      },
      log,
    });
  } finally {
    provider.destroy();
  }
}
