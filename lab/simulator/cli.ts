/** Arguments of scripts/simulate.ts, parsed and checked; the run itself is lab/simulator/run.ts. */
import { parseArgs } from "node:util";
import { JsonRpcProvider, getAddress, isAddress } from "ethers";
import { parseBuildingList } from "../data/citylearn.js";
import { parseAddress, parseOptional, parseRequired, parseUint32 } from "../../lib/args.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import {
  devnetAdvance,
  fleetFromChain,
  realTimeAdvance,
  runSimulation,
  type SimulationReport,
} from "./run.js";

export const USAGE = `usage: simulate --rpc <url> --registry <address> --gateway <node>=<url> [--gateway ...]
                [--buildings 1-12] [--seed demo] [--from-period <n>] [--periods 42] [--fast]
                [--silent <node>] [--tampered <building>] [--compromised <building>] [--malformed]
  --fast moves a dev node's clock (evm_setNextBlockTimestamp); without it the simulator waits for real time`;

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
    },
    strict: true,
  });
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
  return {
    rpc,
    registry,
    gateways,
    buildings: parseBuildingList(values.buildings ?? "1-12"),
    seed: values.seed ?? "demo",
    fromPeriod: int("from-period", values["from-period"]),
    periods: int("periods", values.periods) ?? 42,
    fast: values.fast ?? false,
    silent: (values.silent ?? []).map((s) => parseAddress("silent", s)),
    tampered: int("tampered", values.tampered),
    compromised: int("compromised", values.compromised),
    malformed: values.malformed ?? false,
  };
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
