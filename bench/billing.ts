/**
 * Billing gas (issue 8): settling one meter-week (42 real readings, each proven against its accepted batch by
 * the real BatchLedger: canonical meter signature, energy balance, 64-bit Merkle proof) beside the same
 * settlement against a stand-in ledger that skips the proof (contracts/bench/UncheckedBatchLedger.sol): the
 * difference is what proving a reading costs. Batches are built with lib/batch buildBatch and accepted by real
 * votes (parent proposal + 2 of 3 neighbours) in the project's deployGrid fixture; the prosumer holds a real
 * DGMD-signed capacity certificate, and tariffs come from the real TariffSchedule.
 */
import { keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import type {
  Billing,
  CapacityCertificates,
  UncheckedBatchLedger,
  TariffSchedule,
} from "../types/ethers-contracts/index.js";
import { buildBatch, type BuiltBatch } from "../lib/batches/batch.js";
import { certificateDomain, signCertificate } from "../lib/certificates/certificates.js";
import { PERIODS_PER_WEEK } from "../lib/constants.js";
import { loadBuilding } from "../lab/data/citylearn.js";
import { getProof } from "../lib/batches/merkle64.js";
import { gridDomain, signReading, type SignedReading } from "../lib/batches/reading.js";
import { DEFAULT_TARIFF_PARAMS } from "../lib/tariffs/tariff.js";
import { ledgerBatch } from "../lab/fixtures/batches.js";
import { attestAndSubmit } from "../lab/fixtures/attestations.js";
import { deployGrid, type Grid } from "../lab/fixtures/grid.js";
import { buildingOf, readingFor } from "../lab/fixtures/readings.js";
import { BenchInputError, figure, type Figure } from "./lib/figures.js";
import { gasOf, type GasContext } from "./lib/gas.js";

/** Cluster 1 of deployGrid: parent node 0 and neighbours 1, 2, 3; a 3-of-4 majority accepts. */
const CLUSTER = 1;
/** A summer week of the CityLearn year (data week 30: late July), so the prosumer exports. */
const DATA_WEEK = 30;
/** Cold SLOAD (EIP-2929): what a contract pays to read one stored word it has not touched yet. */
const COLD_SLOAD_GAS = 2_100;
/** Slots per reading in the naive store (NaiveReadingStore packs a reading in two). */
const NAIVE_SLOTS_PER_READING = 2;
const CERT_SECONDS = 365n * 86_400n;

export interface BillingOptions {
  /** Readings in the meter-week (42 = every period of a week; fewer only for harness tests). */
  readonly periods: number;
}

export const DEFAULT_BILLING: BillingOptions = { periods: PERIODS_PER_WEEK };

interface ProofArg {
  reading: SignedReading["reading"];
  signature: string;
  index: number;
  proof: string;
}

function proofOf(batch: BuiltBatch, meter: string): ProofArg {
  const index = batch.readings.findIndex((s) => s.reading.meter === meter);
  const s = batch.readings[index];
  if (!s) throw new BenchInputError(`meter ${meter} is not in batch ${batch.header.period}`);
  return { reading: s.reading, signature: s.signature, index, proof: getProof(batch.tree, index) };
}

/** The prosumer meter (index within cluster 1) that exports most in the data week: the costliest bill. */
function prosumerIndex(grid: Grid): number {
  const i = grid.meters[CLUSTER - 1]!.findIndex((m) => grid.prosumers.has(m.address));
  if (i < 0) throw new BenchInputError("cluster 1 has no prosumer");
  return i;
}

async function certify(ctx: GasContext, grid: Grid, certs: CapacityCertificates, meter: string, b: number) {
  const now = BigInt(await ctx.networkHelpers.time.latest());
  const cert = {
    meter,
    installedCapacityW: BigInt(loadBuilding(b).capacityW),
    infoCommitment: ZeroHash,
    validFrom: now,
    validUntil: now + CERT_SECONDS,
    certId: keccak256(toUtf8Bytes(`gridshare-bench-cert-${meter}`)),
  };
  const sig = await signCertificate(
    grid.dgmd,
    certificateDomain(grid.chainId, await certs.getAddress()),
    cert,
  );
  await (await certs.submitCertificate(cert, sig)).wait();
}

/** The DGMD publishes the week's tariff from the cluster's real load and generation of the data week. */
async function publishTariff(grid: Grid, tariffs: TariffSchedule, week: number): Promise<void> {
  let load = 0n;
  let generation = 0n;
  grid.meters[CLUSTER - 1]!.forEach((_, k) => {
    const periods = loadBuilding(buildingOf(CLUSTER, k)).periods;
    for (let i = 0; i < PERIODS_PER_WEEK; i++) {
      const e = periods[DATA_WEEK * PERIODS_PER_WEEK + i]!;
      load += e.loadWh;
      generation += e.generationWh;
    }
  });
  await (await tariffs.connect(grid.dgmd).publish(week, load, generation)).wait();
}

export async function benchBilling(
  ctx: GasContext,
  opts: BillingOptions = DEFAULT_BILLING,
): Promise<Figure[]> {
  if (!Number.isInteger(opts.periods) || opts.periods < 1 || opts.periods > PERIODS_PER_WEEK)
    throw new BenchInputError(`periods must be 1..${PERIODS_PER_WEEK}, got ${opts.periods}`);
  const { ethers } = ctx;
  const grid = await deployGrid(ethers, ctx.networkHelpers);
  const registry = await grid.registry.getAddress();
  const ledger = await grid.ledger.getAddress();
  const certs = (await ethers.deployContract("CapacityCertificates", [
    registry,
    ledger,
  ])) as unknown as CapacityCertificates;
  const tariffs = (await ethers.deployContract("TariffSchedule", [
    registry,
    DEFAULT_TARIFF_PARAMS,
  ])) as unknown as TariffSchedule;
  const deployBilling = async (ledgerAddress: string) =>
    (await ethers.deployContract("Billing", [
      registry,
      ledgerAddress,
      await certs.getAddress(),
      await tariffs.getAddress(),
    ])) as unknown as Billing;
  const billing = await deployBilling(ledger);

  const mi = prosumerIndex(grid);
  const meter = grid.meters[CLUSTER - 1]![mi]!;
  await certify(ctx, grid, certs, meter.address, buildingOf(CLUSTER, mi));

  // The next whole week. With fewer than 42 periods (harness tests) the rest stay undecided and settle
  // refuses; the quote, the same computation as a view, is measured instead.
  const week = Math.floor((await grid.currentPeriod()) / PERIODS_PER_WEEK) + 1;
  const first = week * PERIODS_PER_WEEK;
  await publishTariff(grid, tariffs, week);
  const domain = gridDomain(grid.chainId, registry);
  const [parent, n1, n2] = grid.votersOf(CLUSTER);
  const meters = grid.meters[CLUSTER - 1]!;
  const batches: BuiltBatch[] = [];
  for (let i = 0; i < opts.periods; i++) {
    const p = first + i;
    await grid.warpToPeriod(p + 1);
    const dataPeriod = DATA_WEEK * PERIODS_PER_WEEK + i;
    const signed = await Promise.all(
      meters.map((m, k) => signReading(m, domain, readingFor(grid, m, CLUSTER, k, p, dataPeriod))),
    );
    const batch = buildBatch(CLUSTER, p, signed);
    await (await attestAndSubmit(grid, batch.header, [parent!, n1!, n2!])).wait();
    batches.push(batch);
  }
  const proofs = batches.map((b) => proofOf(b, meter.address));

  // Baseline: the same settlement, the same batches and readings, with the proof check skipped.
  const standIn = (await ethers.deployContract("UncheckedBatchLedger", [
    registry,
  ])) as unknown as UncheckedBatchLedger;
  const onChain = await Promise.all(batches.map((b) => grid.ledger.batchOf(CLUSTER, b.header.period)));
  await (
    await standIn.setBatches(
      CLUSTER,
      batches.map((b) => b.header.period),
      onChain.map(ledgerBatch),
    )
  ).wait();
  await (await standIn.addProven(proofs.map((p) => p.reading))).wait();
  const billingStandIn = await deployBilling(await standIn.getAddress());

  let real: number;
  let unproven: number;
  let how: string;
  if (opts.periods === PERIODS_PER_WEEK) {
    await grid.warpToPeriod(first + PERIODS_PER_WEEK + 1);
    real = await gasOf(billing.connect(grid.outsider).settle(meter.address, week, proofs, []));
    unproven = await gasOf(billingStandIn.connect(grid.outsider).settle(meter.address, week, proofs, []));
    how = "settle";
  } else {
    // A partial week cannot be settled (undecided periods): the view's gas is the same computation.
    real = Number(await billing.quote.estimateGas(meter.address, week, proofs, []));
    unproven = Number(await billingStandIn.quote.estimateGas(meter.address, week, proofs, []));
    how = "quote (estimateGas)";
  }
  const n = proofs.length;
  const naiveReads = n * NAIVE_SLOTS_PER_READING * COLD_SLOAD_GAS;
  return [
    figure({
      group: "billing",
      id: "billing.perMeterWeek",
      label: `billing gas per meter-week, ${n} proven readings (${how}, real ledger)`,
      value: real,
      unit: "gas",
      baseline: { label: "same, stand-in ledger without the proof check", value: unproven },
      limit: {
        label: "naive store: reading the week's stored readings alone",
        value: naiveReads,
        computed: `${n} x ${NAIVE_SLOTS_PER_READING} cold slots x ${COLD_SLOAD_GAS}`,
      },
    }),
    figure({
      group: "billing",
      id: "billing.perReading",
      label: "billing gas per reading (meter-week / readings)",
      value: real / n,
      unit: "gas",
      baseline: { label: "same without the proof check", value: unproven / n },
      limit: {
        label: "naive store: 2 cold slots per reading",
        value: NAIVE_SLOTS_PER_READING * COLD_SLOAD_GAS,
        computed: "2 x 2,100",
      },
    }),
    figure({
      group: "billing",
      id: "billing.proofPerReading",
      label: "proving one reading in billing (signature + balance + Merkle64)",
      value: (real - unproven) / n,
      unit: "gas",
      note: "difference of the two settlements per reading",
    }),
  ];
}
