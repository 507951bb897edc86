/**
 * Attacks on settlement (SPEC 11) against the real chain: Billing over the real BatchLedger (proven readings:
 * signature + balance + 64-bit Merkle proof), CapacityCertificates and TariffSchedule. A week is made
 * settleable the way the chain decides it: one period's batch accepted by the parent and its neighbour from
 * meter-signed readings, every other period of the week finalized Disputed after its window.
 */
import { Interface, keccak256, toUtf8Bytes } from "ethers";
import { computeBill, type Bill } from "../../lib/billing/billing.js";
import { billFromChain } from "../../lib/billing/ops.js";
import { toJson } from "../../lib/format/table.js";
import { buildBatch, type BuiltBatch } from "../../lib/batches/batch.js";
import { signCertificate } from "../../lib/certificates/certificates.js";
import { MAX_METER_POWER_W, PERIOD_HOURS, PERIODS_PER_WEEK } from "../../lib/constants.js";
import { getProof } from "../../lib/batches/merkle64.js";
import { psa } from "../../lib/mes/mes.js";
import { signReading, type Reading } from "../../lib/batches/reading.js";
import { DEFAULT_TARIFF_PARAMS, tariffRates, type TariffParams } from "../../lib/tariffs/tariff.js";
import type { Grid } from "../fixtures/grid.js";
import { attestAndSubmit } from "../fixtures/attestations.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import { signedReadings } from "../fixtures/readings.js";
import { chainDomain, domainOf } from "./chain.js";
import { attempt, type TxVerdict } from "./mount.js";
import type { AttackContext, Observation } from "./types.js";

/** Cluster 2: parent node 1 and neighbour node 0, so acceptance takes two real votes. */
const CLUSTER = 2;
const UINT64_MAX = 2n ** 64n - 1n;
const YEAR_SECONDS = 365n * 86_400n;
/** A real rooftop size for the realistic week. */
const CAPACITY_W = 5_000n;
/** The week's grid forecast the DGMD publishes (Wh): a shortage, so rates sit above their bases. */
const FORECAST_LOAD_WH = 1_000_000n;
const FORECAST_GENERATION_WH = 400_000n;
/** Rates at the top of uint64: parameters only the DGMD can set (TariffRule accepts them). */
export const MAX_RATE_PARAMS: TariffParams = {
  baseImportRate: UINT64_MAX,
  baseExportRate: UINT64_MAX,
  floorRate: 0n,
  ceilingRate: UINT64_MAX,
  sensitivityBps: 0,
};
/** OpenZeppelin SafeCast's revert, in case a contract's ABI does not list it. */
const SAFE_CAST = new Interface(["error SafeCastOverflowedUintDowncast(uint8 bits, uint256 value)"]);

type Billing = Awaited<ReturnType<typeof deployBilling>>;

async function deployBilling(ctx: AttackContext, grid: Grid, certs: string, params: TariffParams) {
  const tariffs = await ctx.ethers.deployContract("TariffSchedule", [
    await grid.registry.getAddress(),
    { ...params },
  ]);
  const billing = await ctx.ethers.deployContract("Billing", [
    await grid.registry.getAddress(),
    await grid.ledger.getAddress(),
    certs,
    await tariffs.getAddress(),
  ]);
  return { tariffs, billing, params };
}

/** What a settleable week holds: the proven reading and the TS twin's bill under each tariff. */
export interface ProvenWeek {
  readonly grid: Grid;
  readonly meter: string;
  readonly week: number;
  readonly batch: BuiltBatch;
  readonly proofs: { reading: Reading; signature: string; index: number; proof: string }[];
  readonly billings: { billing: Billing["billing"]; twin: Bill; label: string }[];
}

/**
 * `reading` pushed to the largest values the chain takes as proven (SPEC 4's ranges, ReadingLib.violation):
 * both peaks at a meter's maximum power, every energy at that power held for the whole period.
 */
function extremeReading(r: Reading): Reading {
  const energyWh = BigInt(MAX_METER_POWER_W) * BigInt(PERIOD_HOURS);
  return {
    ...r,
    loadWh: energyWh,
    importWh: energyWh,
    generationWh: energyWh,
    exportWh: energyWh,
    peakLoadW: MAX_METER_POWER_W,
    peakGenerationW: MAX_METER_POWER_W,
  };
}

/**
 * Next week, made settleable for a prosumer of cluster 2: tariffs published before the week (one schedule
 * per parameter set), a DGMD certificate, the week's first period accepted by two votes from meter-signed
 * readings, every other period Disputed. With `extreme`, the prosumer's reading is pushed to the largest the
 * chain accepts and its certificate to uint64 capacity.
 */
export async function provenWeek(
  ctx: AttackContext,
  tariffParams: readonly { label: string; params: TariffParams }[],
  extreme: boolean,
): Promise<ProvenWeek> {
  const grid = await ctx.grid();
  const week = Math.floor((await grid.currentPeriod()) / PERIODS_PER_WEEK) + 1;
  const first = week * PERIODS_PER_WEEK;
  const certs = await ctx.ethers.deployContract("CapacityCertificates", [
    await grid.registry.getAddress(),
    await grid.ledger.getAddress(),
  ]);
  const deployed = [];
  for (const t of tariffParams) {
    const d = await deployBilling(ctx, grid, await certs.getAddress(), t.params);
    await (await d.tariffs.connect(grid.dgmd).publish(week, FORECAST_LOAD_WH, FORECAST_GENERATION_WH)).wait();
    deployed.push({ ...d, label: t.label });
  }
  const meterWallet = grid.meters[CLUSTER - 1].find((m) => grid.prosumers.has(m.address));
  if (!meterWallet) throw new Error("scenario bug: cluster 2 has no prosumer");
  const meter = meterWallet.address;
  const now = BigInt(await ctx.helpers.time.latest());
  const capacityW = extreme ? UINT64_MAX : CAPACITY_W;
  const cert = {
    meter,
    installedCapacityW: capacityW,
    infoCommitment: keccak256(toUtf8Bytes(`settlement-${week}`)),
    validFrom: now,
    validUntil: now + YEAR_SECONDS,
    certId: keccak256(toUtf8Bytes(`settlement-cert-${week}-${extreme}`)),
  };
  const certSig = await signCertificate(grid.dgmd, await domainOf(certs), cert);
  await (await certs.submitCertificate(cert, certSig)).wait();

  // The week's first period: meters sign, parent and neighbour attest the same header.
  await grid.warpToPeriod(first + 1);
  let signed = await signedReadings(grid, CLUSTER, first);
  if (extreme) {
    const mine = signed.find((s) => s.reading.meter === meter);
    const others = signed.filter((s) => s.reading.meter !== meter);
    if (!mine) throw new Error("scenario bug: no reading of the billed meter");
    const r = extremeReading(mine.reading);
    signed = [...others, await signReading(meterWallet, await chainDomain(grid), r)];
  }
  const batch = buildBatch(CLUSTER, first, signed);
  const [parent, neighbour] = grid.votersOf(CLUSTER);
  await (await attestAndSubmit(grid, batch.header, [parent, neighbour])).wait();
  if ((await grid.ledger.batchOf(CLUSTER, first)).status !== BatchStatus.Accepted)
    throw new Error("scenario bug: the honest batch was not accepted");
  // Past the week's last window: the other 41 periods end Disputed (nobody attested).
  await grid.warpToPeriod(first + PERIODS_PER_WEEK + 1);
  for (let q = first + 1; q < first + PERIODS_PER_WEEK; q++)
    await (await grid.ledger.finalize(CLUSTER, q)).wait();

  const index = batch.readings.findIndex((s) => s.reading.meter === meter);
  const s = batch.readings[index];
  const proofs = [{ reading: s.reading, signature: s.signature, index, proof: getProof(batch.tree, index) }];
  const billReading = {
    meter,
    period: first,
    importWh: s.reading.importWh,
    exportWh: s.reading.exportWh,
    generationWh: s.reading.generationWh,
    psa: psa(batch.header.totalLoadWh, batch.header.totalGenerationWh),
    capacityW,
  };
  const billings = deployed.map((d) => {
    const rates = tariffRates(d.params, FORECAST_LOAD_WH, FORECAST_GENERATION_WH);
    const tariff = { ...rates, sourceWeek: week, isFallback: false };
    return { billing: d.billing, label: d.label, twin: computeBill(meter, week, [billReading], tariff) };
  });
  return { grid, meter, week, batch, proofs, billings };
}

/** The contract's quote as the TS Bill shape, field for field. */
async function quoteOf(b: ProvenWeek["billings"][number], w: ProvenWeek): Promise<Bill> {
  return billFromChain(await b.billing.quote(w.meter, w.week, w.proofs, []));
}

/** Field for field (unread periods included), as the JSON of both. */
const sameBill = (a: Bill, b: Bill): boolean => toJson(a) === toJson(b);

function settle(b: ProvenWeek["billings"][number], w: ProvenWeek): Promise<TxVerdict> {
  return attempt(
    () => b.billing.connect(w.grid.outsider).settle(w.meter, w.week, w.proofs, []),
    b.billing.interface,
    SAFE_CAST,
  );
}

/** X16: the week is settled once (anyone may), then settled again with the same proofs. */
export async function settleTwice(ctx: AttackContext): Promise<Observation> {
  const w = await provenWeek(ctx, [{ label: "default", params: DEFAULT_TARIFF_PARAMS }], false);
  const [b] = w.billings;
  if (!sameBill(await quoteOf(b, w), b.twin))
    return { outcome: "quote differs from the TS twin", attackSucceeded: true };
  const first = await settle(b, w);
  if (!first.ok) throw new Error(`scenario bug: the first settlement was refused: ${first.error}`);
  const recorded = await b.billing.settlementOf(w.meter, w.week);
  const second = await settle(b, w);
  const after = await b.billing.settlementOf(w.meter, w.week);
  const unchanged = after.charge === recorded.charge && after.credit === recorded.credit;
  if (second.ok || !unchanged)
    return { outcome: "settled twice", attackSucceeded: true, detail: `unchanged ${unchanged}` };
  return {
    outcome: `refused: ${second.error}`,
    attackSucceeded: false,
    detail: `recorded charge ${recorded.charge} credit ${recorded.credit} (twin ${b.twin.charge} ${b.twin.credit}); (${second.args})`,
  };
}

/**
 * X18: the largest meter-signed reading the chain accepts (250 kW peaks, 1 MWh per energy, in a batch two voters
 * accepted), a uint64 certificate, billed at the deployment's default tariff and at uint64-max rates.
 */
export async function extremeBilling(ctx: AttackContext): Promise<Observation> {
  const w = await provenWeek(
    ctx,
    [
      { label: "default rates", params: DEFAULT_TARIFF_PARAMS },
      { label: "uint64-max rates", params: MAX_RATE_PARAMS },
    ],
    true,
  );
  await w.grid.ledger.requireProvenReading(w.proofs[0]); // the chain takes the extreme reading as proven
  const parts: string[] = [];
  const details: string[] = [];
  let wrong = false;
  for (const b of w.billings) {
    const quoted = await quoteOf(b, w);
    const equal = sameBill(quoted, b.twin);
    wrong ||= !equal;
    const v = await settle(b, w);
    let settled = v.ok ? "recorded" : `refused ${v.error}`;
    if (v.ok) {
      const s = await b.billing.settlementOf(w.meter, w.week);
      if (s.charge !== b.twin.charge || s.credit !== b.twin.credit) {
        settled = "recorded a wrong amount";
        wrong = true;
      }
    }
    parts.push(`${b.label}: quote ${equal ? "= twin" : "!= twin"}, settle ${settled}`);
    details.push(`${b.label}: charge ${quoted.charge} credit ${quoted.credit} (twin ${b.twin.charge})`);
  }
  return {
    outcome: `${wrong ? "WRONG" : "no overflow"}: ${parts.join("; ")}`,
    attackSucceeded: wrong,
    detail: `reading import ${w.proofs[0].reading.importWh} export ${w.proofs[0].reading.exportWh}; ${details.join("; ")}`,
  };
}
