/**
 * Stand up a GridShare grid on a network connection: deploy with the Ignition module, register one node
 * per cluster, the meters of real homes, and SPEC 2's neighbours. Shared by the demo, the integration
 * tests and the benchmarks.
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import GridShareModule from "../../ignition/modules/GridShare.js";
import type { BatchLedger, ClusterRegistry } from "../../types/ethers-contracts/index.js";
import { demoClusters, type DemoCluster } from "../fixtures/demo-grid.js";
import { appointEvidence, planNeighbours, applyNeighbourPlan } from "../../lib/registry/ops.js";
import { MeterKind } from "../../lib/chain/schema.js";
import { genesisDeployer } from "../../lib/registry/ranking.js";
import { GridShareError } from "../../lib/errors.js";

const WEEK_SECONDS = 7 * 86_400;
const DAY_SECONDS = 86_400n;

export interface GridSetupOptions {
  buildings: readonly number[];
  seed: string;
  /** Meters per cluster (SPEC default 4); the registry's maximum is the same. */
  metersPerCluster?: number;
}

export interface DemoNode {
  signer: HardhatEthersSigner;
  clusterId: number;
}

export interface GridSetup {
  connection: NetworkConnection<"generic">;
  utility: HardhatEthersSigner;
  dgmd: HardhatEthersSigner;
  nodes: DemoNode[];
  clusters: (DemoCluster & { clusterId: number; parent: string })[];
  registry: ClusterRegistry;
  ledger: BatchLedger;
  /** Every contract the Ignition module deployed: contract name -> address. */
  contracts: Record<string, string>;
  epoch: bigint;
  /** SPEC 2: the node whose cluster has the most meters deploys (here: it is the Ignition deployer). */
  deployer: string;
}

/** The next Monday 00:00 UTC strictly after `timestamp`. */
export function nextMonday(timestamp: bigint): bigint {
  const day = timestamp / DAY_SECONDS + 1n;
  const daysToMonday = (7n - ((day + 3n) % 7n)) % 7n;
  return (day + daysToMonday) * DAY_SECONDS;
}

/** Ignition result keys -> contract names (a key not listed is shown as is). */
const CONTRACT_OF_KEY: Record<string, string> = {
  registry: "ClusterRegistry",
  ledger: "BatchLedger",
  certificates: "CapacityCertificates",
  tariffs: "TariffSchedule",
  billing: "Billing",
  evidence: "ReadingEvidence",
};

export async function setupGrid(
  connection: NetworkConnection<"generic">,
  options: GridSetupOptions,
): Promise<GridSetup> {
  const { ethers, networkHelpers, ignition } = connection;
  const perCluster = options.metersPerCluster ?? 4;
  const layout = demoClusters(options.buildings, options.seed, perCluster);
  const [utility, dgmd, ...rest] = await ethers.getSigners();
  if (rest.length < layout.length) {
    throw new GridShareError(
      "TOO_FEW_ACCOUNTS",
      `${layout.length} clusters need ${layout.length} node accounts; ${rest.length} available`,
    );
  }
  // The epoch is the next Monday: move the chain there so the grid starts at period 0.
  const epoch = nextMonday(BigInt(await networkHelpers.time.latest()));
  await networkHelpers.time.increaseTo(epoch);
  const nodeSigners = rest.slice(0, layout.length);
  const sites = layout.map((c, i) => ({
    clusterId: i + 1,
    parent: nodeSigners[i].address,
    x: c.x,
    y: c.y,
    meterCount: c.meters.length,
  }));
  const deployer = genesisDeployer(sites) ?? utility.address;
  const deployed = await ignition.deploy(GridShareModule, {
    defaultSender: deployer,
    parameters: {
      GridShare: {
        utility: utility.address,
        dgmd: dgmd.address,
        epoch,
        maxMetersPerCluster: perCluster,
      },
    },
  });
  const contracts: Record<string, string> = {};
  for (const [key, c] of Object.entries(deployed)) {
    contracts[CONTRACT_OF_KEY[key] ?? key] = await c.getAddress();
  }
  const reg = (await ethers.getContractAt(
    "ClusterRegistry",
    contracts.ClusterRegistry,
    utility,
  )) as unknown as ClusterRegistry;
  const ledger = (await ethers.getContractAt(
    "BatchLedger",
    contracts.BatchLedger,
    utility,
  )) as unknown as BatchLedger;
  await appointEvidence(reg, contracts.ReadingEvidence);
  const clusters: GridSetup["clusters"] = [];
  for (const [i, c] of layout.entries()) {
    const node = nodeSigners[i];
    await (await reg.addNode(node.address, c.x, c.y)).wait();
    await (await reg.createCluster(node.address, c.x, c.y)).wait();
    const clusterId = i + 1;
    for (const m of c.meters)
      await (await reg.addMeter(clusterId, m.wallet.address, MeterKind.of(m.kind))).wait();
    clusters.push({ ...c, clusterId, parent: node.address });
  }
  await applyNeighbourPlan(reg, await planNeighbours(reg));
  return {
    connection,
    utility,
    dgmd,
    nodes: nodeSigners.map((signer, i) => ({ signer, clusterId: i + 1 })),
    clusters,
    registry: reg,
    ledger,
    contracts,
    epoch,
    deployer,
  };
}

export { WEEK_SECONDS };
