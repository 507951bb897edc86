/**
 * Issue 16, finding 1, mounted on the real contracts: a meter's owner cuts the link for one period, so its
 * cluster's accepted batch holds no reading of it, hoping the week's bill can never settle (`IncompleteBill`
 * forever: a consumer never pays, or an honest prosumer is never paid). SPEC 11: the period is unread, proven by
 * non-membership, charged the week's highest import, and named in an event.
 */
import { absenceProof, buildBatch, leafProof, type BuiltBatch } from "../../lib/batches/batch.js";
import { billFromChain } from "../../lib/billing/ops.js";
import { PERIODS_PER_WEEK } from "../../lib/constants.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { deployBillingStack } from "../fixtures/billing.js";
import { signedReadings } from "../fixtures/readings.js";
import { attestAndSubmit } from "../fixtures/attestations.js";
import { attempt } from "./mount.js";
import type { AttackContext, Observation, Scenario } from "./types.js";

/** Cluster 2: parent node 1 and neighbour node 0, so acceptance takes two real votes. */
const CLUSTER = 2;
/** Night data periods: the homes import, so the silent meter has an import to be charged at. */
const NIGHT_DATA_PERIODS = [0, 1] as const;
/** A shortage forecast for the week's tariff (Wh). */
const FORECAST_LOAD_WH = 1_000_000n;
const FORECAST_GENERATION_WH = 400_000n;

export const UNREAD_HELD =
  "held: settled with the silent period unread, charged the week's highest import, UnreadPeriods emitted";

/** Next week with the silent meter's reading in periods 0 and 2 and missing from period 1's accepted batch. */
async function silentWeek(ctx: AttackContext) {
  const grid = await ctx.grid();
  const { billing, tariffs } = await deployBillingStack(ctx.ethers, grid);
  const week = Math.floor((await grid.currentPeriod()) / PERIODS_PER_WEEK) + 1;
  await (await tariffs.connect(grid.dgmd).publish(week, FORECAST_LOAD_WH, FORECAST_GENERATION_WH)).wait();
  // The attacker: a consumer (it only imports, so silence would spare it the whole charge).
  const meter = grid.meters[CLUSTER - 1].find((m) => !grid.prosumers.has(m.address))!.address;
  const [parent, neighbour] = grid.votersOf(CLUSTER);
  const first = week * PERIODS_PER_WEEK;
  const batches = new Map<number, BuiltBatch>();
  const plan: [number, number, boolean][] = [
    [first, NIGHT_DATA_PERIODS[0], true],
    [first + 1, NIGHT_DATA_PERIODS[0], false],
    [first + 2, NIGHT_DATA_PERIODS[1], true],
  ];
  for (const [p, dataPeriod, reports] of plan) {
    await grid.warpToPeriod(p + 1);
    const signed = (await signedReadings(grid, CLUSTER, p, dataPeriod)).filter(
      (s) => reports || s.reading.meter !== meter,
    );
    const batch = buildBatch(CLUSTER, p, signed);
    await (await attestAndSubmit(grid, batch.header, [parent, neighbour])).wait();
    if ((await grid.ledger.batchOf(CLUSTER, p)).status !== BatchStatus.Accepted)
      throw new Error("scenario bug: the batch was not accepted");
    batches.set(p, batch);
  }
  // Past the week's last window: every other period ends Disputed.
  await grid.warpToPeriod(first + PERIODS_PER_WEEK + 1);
  for (let p = first; p < first + PERIODS_PER_WEEK; p++) {
    if (!batches.has(p)) await (await grid.ledger.finalize(CLUSTER, p)).wait();
  }
  const proofs = [first, first + 2].map((p) => {
    const b = batches.get(p)!;
    return leafProof(
      b,
      b.readings.findIndex((s) => s.reading.meter === meter),
    );
  });
  return { grid, billing, meter, week, proofs, absence: absenceProof(batches.get(first + 1)!, meter) };
}

/** U1: the silent meter's week without the unread period's proof, then with it, settled by an outsider. */
async function missingReading(ctx: AttackContext): Promise<Observation> {
  const w = await silentWeek(ctx);
  const billing = w.billing.connect(w.grid.outsider);
  const blocked = await attempt(() => billing.settle(w.meter, w.week, w.proofs, []), billing.interface);
  if (blocked.ok) throw new Error("scenario bug: the week settled without its accepted period");
  const quoted = billFromChain(await billing.quote(w.meter, w.week, w.proofs, [w.absence]));
  const receipt = await (await billing.settle(w.meter, w.week, w.proofs, [w.absence])).wait();
  const events = (receipt?.logs ?? [])
    .map((l) => billing.interface.parseLog(l))
    .filter((e) => e?.name === "UnreadPeriods");
  const highest = w.proofs.reduce((m, p) => (p.reading.importWh > m ? p.reading.importWh : m), 0n);
  const settled = (await billing.settlementOf(w.meter, w.week)).settled;
  const held = settled && events.length === 1 && quoted.unreadImportWh === highest && highest > 0n;
  return {
    outcome: held
      ? UNREAD_HELD
      : `blocked or mispriced: settled ${settled}, unread ${quoted.unreadImportWh} Wh`,
    attackSucceeded: !held,
    detail:
      `without the absence proof: ${blocked.ok ? "settled" : `${blocked.error}(${blocked.args})`}; unread ` +
      `period(s) ${quoted.unreadPeriods.join(", ")} charged ${quoted.unreadImportWh} Wh (readings' imports ` +
      `${w.proofs.map((p) => p.reading.importWh).join(", ")} Wh), charge ${quoted.charge}`,
  };
}

/** Issue 16's scenarios on billing, registered in the catalogue (lab/attacks/index.ts). */
export const UNREAD_SCENARIOS: readonly Scenario[] = [
  {
    id: "U1",
    attackClass: "extended",
    title: "a meter's owner cuts the link for one period so that its week's bill can never settle",
    paperColumn: "-",
    expected: { gridshare: UNREAD_HELD },
    run: missingReading,
  },
];
