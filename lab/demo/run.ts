/**
 * `npm run demo`: GridShare end to end on real data. Deploys (Ignition), registers the grid, plays N weeks of
 * the CityLearn homes time-shifted onto the chain clock, lets the nodes propose and vote every batch,
 * publishes weekly tariffs from the forecast, bills every meter-week, injects the attacks of attacks.ts, and
 * writes a self-contained HTML report. Every number in the report is read back from the chain or the data.
 *
 * Time: grid week 0 is the commissioning week (deploy, register, certify, publish week 1's tariff: a week's
 * tariff must be published before it starts, and meters can only be registered once the epoch passed).
 * Data week `dataWeek + w - 1` plays in grid week w = 1..N.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { NetworkConnection } from "hardhat/types/network";
import type { Billing, CapacityCertificates, TariffSchedule } from "../../types/ethers-contracts/index.js";
import { renderReport } from "../report/html.js";
import type { DemoReport } from "../report/model.js";
import { reportTime } from "../report/time.js";
import { setupGrid } from "./setup.js";
import type { DemoOptions } from "./options.js";
import { Progress } from "./progress.js";
import { collectGas, gasForReport } from "./gas.js";
import { summarise, type DemoSummary } from "./summary.js";
import { DemoRun } from "./session.js";
import {
  billRows,
  eventRows,
  gasContracts,
  observeAttacks,
  periodRows,
  voterRows,
  weekRows,
} from "./observe.js";

export interface DemoOutcome {
  report: DemoReport;
  reportPath: string;
  summary: DemoSummary;
}

export async function runDemo(
  connection: NetworkConnection<"generic">,
  opts: DemoOptions,
  progress: Progress = Progress.for(opts.quiet),
): Promise<DemoOutcome> {
  const started = Date.now();
  const { ethers } = connection;
  const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
  progress.step(
    `GridShare demo: ${opts.buildings.length} homes, ${opts.weeks} week(s) from data week ${opts.dataWeek}, seed "${opts.seed}"`,
  );
  const grid = await setupGrid(connection, { buildings: opts.buildings, seed: opts.seed });
  const chainId = (await ethers.provider.getNetwork()).chainId;
  progress.step(
    `deployed by ${grid.deployer}; ${grid.clusters.length} clusters, ${opts.buildings.length} meters registered, neighbours assigned`,
  );
  const at = <T>(name: string) =>
    ethers.getContractAt(name, grid.contracts[name]!, grid.utility) as unknown as Promise<T>;
  const run = new DemoRun(
    grid,
    opts,
    progress,
    chainId,
    await at<CapacityCertificates>("CapacityCertificates"),
    await at<Billing>("Billing"),
    await at<TariffSchedule>("TariffSchedule"),
  );
  try {
    await run.run();
    run.gatewayCounters = run.nodes.counters();
  } finally {
    await run.gateways?.close();
  }

  progress.step("collecting votes, events and gas for the report");
  const toBlock = await ethers.provider.getBlockNumber();
  const gas = await collectGas(ethers.provider, await gasContracts(grid), fromBlock, toBlock);
  const attacks = opts.attacks ? await observeAttacks(run) : [];
  const periods = periodRows(run);
  const bills = billRows(run);
  const report: DemoReport = {
    title: `GridShare demo: ${opts.weeks} week(s), ${opts.buildings.length} homes`,
    generatedAt: new Date().toISOString(),
    seed: opts.seed,
    weeks: opts.weeks,
    buildings: [...opts.buildings],
    time: reportTime(grid.epoch, run.dataOffset),
    chainId: chainId.toString(),
    contracts: grid.contracts,
    clusters: await Promise.all(
      grid.clusters.map(async (c) => ({
        clusterId: c.clusterId,
        parent: c.parent,
        neighbours: [...(await grid.registry.neighboursOf(c.clusterId))],
        meters: c.meters.map((m) => ({
          building: m.building,
          address: m.wallet.address,
          kind: m.kind,
          capacityW: m.capacityW,
        })),
      })),
    ),
    periods,
    forecasts: await weekRows(run),
    bills,
    voters: await voterRows(run, fromBlock),
    events: await eventRows(run, fromBlock),
    gas: gasForReport(gas),
    attacks,
    summary: {},
    notes: [
      `Grid week 0 commissions the grid; data weeks ${opts.dataWeek}..${opts.dataWeek + opts.weeks - 1} (week 0 = Monday 2016-08-01) play in grid weeks 1..${opts.weeks}.`,
      `Tariffs: ${run.tariffs.source}; the forecast for week w uses the data before week w's data week. Capacities: DGMD certificates of each home's real PV capacity.`,
      "Nodes: one lib/gateway gateway per node (SQLite store, scheduler, outbox, HTTP on a loopback port); meters post their signed readings to their cluster's parent and neighbour gateways over HTTP.",
      "Bills: quoted and settled by the Billing contract from the readings' Merkle proofs (each quote cross-checked with lib/billing/billing.ts); MES of every surplus period computed with lib/mes/mes.ts and compared with Billing.mesOf.",
    ],
  };
  const file = path.resolve(opts.reportPath);
  const summary = summarise(report, run.mes, file, Date.now() - started);
  report.summary = summary.cards;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderReport(report));
  return { report, reportPath: file, summary };
}
