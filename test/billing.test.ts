/**
 * SPEC 10/11 on one real week of Buildings 1-12 (clusters 1-4, 5-8, 9-12) and the real contracts deployed by
 * the Ignition module (lab/demo/setup.ts): every meter signs its readings (lib/reading), each cluster-period
 * is a real 64-bit Merkle batch (lib/batch) proposed and voted on the BatchLedger by its parent and
 * neighbours, capacities are DGMD-signed certificates, the week's tariff is published before it starts.
 * Quotes and settlements carry real proofs (lib/merkle64 getProof) and are compared with the TS model.
 */
import { expect } from "chai";
import hre from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { Wallet, keccak256, toUtf8Bytes, type Provider, type TransactionReceipt } from "ethers";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type {
  BatchLedger,
  Billing,
  CapacityCertificates,
  ClusterRegistry,
  TariffSchedule,
} from "../types/ethers-contracts/index.js";
import { FIXED_ONE, PERIODS_PER_WEEK } from "../lib/constants.js";
import { loadBuilding } from "../lab/data/citylearn.js";
import { setupGrid } from "../lab/demo/setup.js";
import {
  absenceProof,
  buildBatch,
  leafProof,
  type BatchHeader,
  type BuiltBatch,
} from "../lib/batches/batch.js";
import { deployGrid } from "../lab/fixtures/grid.js";
import { deployBilling, deployBillingStack, deployTariffs } from "../lab/fixtures/billing.js";
import { signedReadings, SUNNY_DATA_PERIOD } from "../lab/fixtures/readings.js";
import { getProof, packProof, unpackProof } from "../lib/batches/merkle64.js";
import { gridDomain, readingFromEnergy, signReading, type SignedReading } from "../lib/batches/reading.js";
import { certificateDomain, signCertificate } from "../lib/certificates/certificates.js";
import { DEFAULT_TARIFF_PARAMS, tariffRates } from "../lib/tariffs/tariff.js";
import { mondayOnOrBefore, periodStart } from "../lib/time.js";
import { mes, psa } from "../lib/mes/mes.js";
import {
  allowedExportWhUnder,
  computeBill,
  checkComplete,
  PERIOD_HOURS,
  BillRefusedError,
  type BillReading,
  type Bill,
} from "../lib/billing/billing.js";
import {
  billFromChain,
  fetchWeekProofs,
  formatBill,
  GatewayProofError,
  parseBillArgs,
  quoteBill,
  resolveBillArgs,
  settleBill,
  BillNotSettleableError,
  type BillArgs,
} from "../lib/billing/ops.js";
import { formatMesView, readMesView, NoAcceptedBatchError } from "../lib/mes/ops.js";
import { toJson } from "../lib/format/table.js";
import { InvalidArgumentError, InvalidFileError } from "../lib/errors.js";
import { Gateway } from "../lib/gateway/gateway.js";
import { buildServer } from "../lib/gateway/server.js";
import { buildClusterBatch } from "../lib/gateway/batching.js";
import { runTask } from "./helpers/tasks.js";
import { deployClusterRegistry } from "../lab/fixtures/grid.js";
import { BatchStatus, CurtailmentRule, MeterKind } from "../lib/chain/schema.js";
import { ledgerDomain } from "../lib/batches/attestation.js";
import { attestAll, attestAndSubmit, itemOf, submitItems } from "../lab/fixtures/attestations.js";

/** Data week 9: Monday 3 - Sunday 9 October 2016, one of the weeks with the most curtailment (docs/mes.md). */
const DATA_WEEK = 9;
const BUILDINGS = Array.from({ length: 12 }, (_, i) => i + 1);
/** The week billed: chain week 1 (the grid starts at period 0; the tariff must be published in week 0). */
const WEEK = 1;
const FIRST = WEEK * PERIODS_PER_WEEK;
/** Building 5's meter (cluster 2) loses its authorization at this period (DGMD revocation mid-week). */
const REVOKED_BUILDING = 5;
const REVOKED_FROM = FIRST + 20;
/** Week 2 of cluster 1: period 84 accepted, 85 disputed, 86 pending, the rest never submitted. */
const W2_ACCEPTED = FIRST + PERIODS_PER_WEEK;
const W2_DISPUTED = W2_ACCEPTED + 1;
const W2_PENDING = W2_ACCEPTED + 2;
/**
 * Week 2 is billed under the generation rule (the DGMD announces it in week 0); cluster 3 (Buildings 9-12,
 * data week 10) has all of it accepted, so it is billed under both rules: week 1 by capacity, week 2 by
 * generation. Week 10 is one where the capacity rule cuts nothing in that cluster and the generation rule does.
 */
const GENERATION_WEEK = WEEK + 1;
const BOTH_RULES_CLUSTER = 3;
const CERT_VALID_SECONDS = 365n * 86_400n;

interface ProofArg {
  reading: SignedReading["reading"];
  signature: string;
  index: number;
  proof: string;
}

const connection = await hre.network.getOrCreate();
const { ethers, networkHelpers } = connection;

/** The data period behind grid period `p` of the billed week (and the week after). */
const dataPeriodOf = (p: number) => DATA_WEEK * PERIODS_PER_WEEK + (p - FIRST);

async function deployWeek() {
  const grid = await setupGrid(connection, { buildings: BUILDINGS, seed: "billing-test" });
  const { utility, dgmd, epoch } = grid;
  const registry = grid.registry;
  const ledger = (await ethers.getContractAt(
    "BatchLedger",
    grid.contracts.BatchLedger,
  )) as unknown as BatchLedger;
  const certificates = (await ethers.getContractAt(
    "CapacityCertificates",
    grid.contracts.CapacityCertificates,
    dgmd,
  )) as unknown as CapacityCertificates;
  const tariffs = (await ethers.getContractAt(
    "TariffSchedule",
    grid.contracts.TariffSchedule,
    dgmd,
  )) as unknown as TariffSchedule;
  const billing = (await ethers.getContractAt("Billing", grid.contracts.Billing)) as unknown as Billing;
  const { chainId } = await ethers.provider.getNetwork();
  const domain = gridDomain(chainId, await registry.getAddress());

  // Meters by cluster, with their homes.
  const clusterOf = new Map<string, number>();
  const buildingOf = new Map<string, number>();
  const walletOf = new Map<string, Wallet>();
  const meters: string[] = [];
  for (const c of grid.clusters) {
    for (const m of c.meters) {
      clusterOf.set(m.wallet.address, c.clusterId);
      buildingOf.set(m.wallet.address, m.building);
      walletOf.set(m.wallet.address, m.wallet);
      meters.push(m.wallet.address);
    }
  }
  const capacityOf = (m: string) => BigInt(loadBuilding(buildingOf.get(m)!).capacityW);
  const revokedMeter = meters.find((m) => buildingOf.get(m) === REVOKED_BUILDING)!;

  // Week 0: the DGMD certifies every home's PV capacity and publishes week 1's tariff from its forecast
  // (here the week's measured totals: a perfect forecast).
  const now = BigInt(await networkHelpers.time.latest());
  const certDomain = certificateDomain(chainId, grid.contracts.CapacityCertificates);
  for (const m of meters) {
    const cert = {
      meter: m,
      installedCapacityW: capacityOf(m),
      infoCommitment: keccak256(toUtf8Bytes(`billing-test:info:${m}`)),
      validFrom: epoch,
      validUntil: now + CERT_VALID_SECONDS,
      certId: keccak256(toUtf8Bytes(`billing-test:cert:${m}`)),
    };
    await certificates.submitCertificate(cert, await signCertificate(dgmd, certDomain, cert));
  }
  let forecastLoad = 0n;
  let forecastGen = 0n;
  for (const b of BUILDINGS) {
    for (let i = 0; i < PERIODS_PER_WEEK; i++) {
      const e = loadBuilding(b).periods[dataPeriodOf(FIRST + i)]!;
      forecastLoad += e.loadWh;
      forecastGen += e.generationWh;
    }
  }
  await tariffs.publish(WEEK, forecastLoad, forecastGen);
  await tariffs.setCurtailmentRule(GENERATION_WEEK, CurtailmentRule.Generation);

  // Voters of each cluster (parent first), as signers.
  const signerOf = new Map(grid.nodes.map((n) => [n.signer.address, n.signer]));
  const votersOf = new Map<number, string[]>();
  for (const c of grid.clusters) votersOf.set(c.clusterId, [...(await registry.votersOf(c.clusterId))]);

  const batches = new Map<string, BuiltBatch>(); // `${cluster}:${period}`
  const proofs = new Map<string, ProofArg>(); // `${meter}:${period}`
  const signPeriod = async (clusterId: number, p: number): Promise<BuiltBatch> => {
    const group = meters.filter((m) => clusterOf.get(m) === clusterId);
    const signed = await Promise.all(
      group.map((m) =>
        signReading(
          walletOf.get(m)!,
          domain,
          readingFromEnergy(m, p, loadBuilding(buildingOf.get(m)!).periods[dataPeriodOf(p)]!),
        ),
      ),
    );
    const batch = buildBatch(clusterId, p, signed);
    batch.readings.forEach((s, index) =>
      proofs.set(`${s.reading.meter}:${p}`, {
        reading: s.reading,
        signature: s.signature,
        index,
        proof: getProof(batch.tree, index),
      }),
    );
    batches.set(`${clusterId}:${p}`, batch);
    return batch;
  };
  const warpTo = (p: number) => networkHelpers.time.increaseTo(periodStart(p, epoch));

  // The billed week: in period p + 1 every voter attests its cluster's batch of period p and one
  // submission carries all the clusters' attestations.
  const access = { ledger, ledgerDomain: ledgerDomain(chainId, await ledger.getAddress()) };
  const voterSigners = (clusterId: number) => votersOf.get(clusterId)!.map((v) => signerOf.get(v)!);
  for (let p = FIRST; p < FIRST + PERIODS_PER_WEEK; p++) {
    await warpTo(p + 1);
    if (p + 1 === REVOKED_FROM) await certificates.revokeMeter(revokedMeter);
    const items = [];
    for (const c of grid.clusters) {
      const { header } = await signPeriod(c.clusterId, p);
      items.push(await itemOf(access, header, await attestAll(access, header, voterSigners(c.clusterId))));
    }
    await submitItems(access, utility, items);
  }
  // Week 2. Cluster 1: one accepted, one disputed (every voter computed another root), one pending batch.
  // Cluster 3: every batch accepted (billed under the generation rule). The others: nothing submitted.
  const voters1 = voterSigners(1);
  for (let p = W2_ACCEPTED; p < W2_ACCEPTED + PERIODS_PER_WEEK; p++) {
    await warpTo(p + 1);
    // Items ascend by cluster: cluster 1's (when it has one) before cluster 3's.
    const items = [];
    if (p === W2_ACCEPTED) {
      const accepted2 = (await signPeriod(1, W2_ACCEPTED)).header;
      items.push(await itemOf(access, accepted2, await attestAll(access, accepted2, voters1)));
    } else if (p === W2_DISPUTED) {
      const disputed = (await signPeriod(1, W2_DISPUTED)).header;
      for (const [i, v] of voters1.entries())
        await attestAndSubmit(access, { ...disputed, root: `0x${(i + 1).toString(16).padStart(16, "0")}` }, [
          v,
        ]);
    } else if (p === W2_PENDING) {
      await ledger.finalize(1, W2_DISPUTED); // its window closed: nobody reached a majority
      await attestAndSubmit(access, (await signPeriod(1, W2_PENDING)).header, [voters1[0]!]);
    }
    const header3 = (await signPeriod(BOTH_RULES_CLUSTER, p)).header;
    items.push(
      await itemOf(access, header3, await attestAll(access, header3, voterSigners(BOTH_RULES_CLUSTER))),
    );
    await submitItems(access, utility, items);
  }

  const tariff = { ...tariffRates(DEFAULT_TARIFF_PARAMS, forecastLoad, forecastGen), sourceWeek: WEEK };
  /** The TS model of a meter's bill lines: PSA from the batch's totals, capacity from the certificate. */
  const billReadings = (m: string, periods: readonly number[]): BillReading[] =>
    periods.map((p) => {
      const r = proofs.get(`${m}:${p}`)!.reading;
      const h = batches.get(`${clusterOf.get(m)}:${p}`)!.header;
      const revoked = m === revokedMeter && p >= REVOKED_FROM;
      return {
        meter: m,
        period: p,
        importWh: r.importWh,
        exportWh: r.exportWh,
        generationWh: r.generationWh,
        psa: psa(h.totalLoadWh, h.totalGenerationWh),
        capacityW: revoked ? 0n : capacityOf(m),
      };
    });
  return {
    grid,
    utility,
    registry,
    ledger,
    certificates,
    tariffs,
    billing,
    meters,
    clusterOf,
    buildingOf,
    capacityOf,
    revokedMeter,
    batches,
    proofs,
    tariff,
    billReadings,
    /** Real proofs of a meter for the given periods. */
    proofsOf: (m: string, periods: readonly number[]) => periods.map((p) => proofs.get(`${m}:${p}`)!),
  };
}

type Fixture = Awaited<ReturnType<typeof deployWeek>>;

const WEEK_PERIODS = Array.from({ length: PERIODS_PER_WEEK }, (_, i) => FIRST + i);
const tsTariff = (f: Fixture, isFallback = false) => ({
  importRate: f.tariff.importRate,
  exportRate: f.tariff.exportRate,
  sourceWeek: WEEK,
  isFallback,
});
const expectedBill = (f: Fixture, m: string): Bill =>
  computeBill(m, WEEK, f.billReadings(m, WEEK_PERIODS), tsTariff(f));

/** The BillSettled event's arguments for a bill settled by the utility. */
const settledEvent = (f: Fixture, b: Bill) =>
  [
    b.meter,
    b.week,
    f.utility.address,
    b.charge,
    b.credit,
    b.net,
    b.creditedExportWh,
    b.curtailedExportWh,
    b.tariffWeek,
    b.tariffFallback,
  ] as const;

/** Execution gas of a transaction: gas used minus the 21,000 base and the calldata's 4/16 gas per byte. */
async function executionGas(receipt: TransactionReceipt): Promise<bigint> {
  const tx = (await ethers.provider.getTransaction(receipt.hash))!;
  const data = Buffer.from(tx.data.slice(2), "hex");
  let calldata = 0n;
  for (const byte of data) calldata += byte === 0 ? 4n : 16n;
  return receipt.gasUsed - 21_000n - calldata;
}

const gasReport: [string, bigint][] = [];
/** `GRIDSHARE_GAS_REPORT=1` prints the measured gas (docs/mes.md); tests assert behaviour only. */
function printGas(): void {
  if (process.env.GRIDSHARE_GAS_REPORT) {
    for (const [what, gas] of gasReport)
      console.log(`      ${what.padEnd(66)} ${gas.toString().padStart(10)}`);
  }
  gasReport.length = 0;
}

describe("Billing (SPEC 11) on a real week of Buildings 1-12 and the real contracts", function () {
  this.timeout(300_000);
  let f: Fixture;

  beforeEach(async () => {
    f = await networkHelpers.loadFixture(deployWeek);
  });

  after(printGas);

  it("a test on one real week of Buildings 1-12 shows curtailment periods, MES values and bills matching the TS model exactly", async () => {
    // Every batch of the week is accepted, with the PSA of its real totals fixed at decision.
    const curtailing: string[] = [];
    const expectedCurtailing: string[] = [];
    for (const c of f.grid.clusters) {
      const group = c.meters.map((m) => m.building);
      for (const p of WEEK_PERIODS) {
        const b = await f.ledger.batchOf(c.clusterId, p);
        expect(b.status).to.equal(BatchStatus.Accepted);
        expect(b.root).to.equal(f.batches.get(`${c.clusterId}:${p}`)!.header.root);
        let load = 0n;
        let gen = 0n;
        for (const building of group) {
          load += loadBuilding(building).periods[dataPeriodOf(p)]!.loadWh;
          gen += loadBuilding(building).periods[dataPeriodOf(p)]!.generationWh;
        }
        expect(b.psa).to.equal(psa(load, gen));
        if (b.psa < FIXED_ONE) curtailing.push(`${c.clusterId}:${p}`);
        if (gen > load) expectedCurtailing.push(`${c.clusterId}:${p}`);
      }
    }
    // Curtailment periods: exactly those where the cluster's generation exceeds its load.
    expect(curtailing).to.deep.equal(expectedCurtailing);
    expect(curtailing.length).to.be.greaterThan(0);

    // MES of every meter in every period: Billing.mesOf equals lib/mes (0 once the revoked meter lost its
    // authorization).
    for (const m of f.meters) {
      for (const p of WEEK_PERIODS) {
        const [line] = f.billReadings(m, [p]);
        expect(await f.billing.mesOf(m, p)).to.equal(mes(line!.psa, line!.capacityW));
      }
    }
    expect(await f.billing.mesOf(f.revokedMeter, REVOKED_FROM)).to.equal(0n);
    expect(await f.billing.mesOf(f.revokedMeter, REVOKED_FROM - 1)).to.be.greaterThan(0n);

    // The published tariff is the TS rule's.
    const [importRate, exportRate, sourceWeek, isFallback] = await f.tariffs.tariffOf(WEEK);
    expect([importRate, exportRate, sourceWeek, isFallback]).to.deep.equal([
      f.tariff.importRate,
      f.tariff.exportRate,
      BigInt(WEEK),
      false,
    ]);

    // Bills: quote and settle every meter with its 42 real proofs; both equal the TS model.
    let curtailedWh = 0n;
    for (const m of f.meters) {
      const proofs = f.proofsOf(m, WEEK_PERIODS);
      const expected = expectedBill(f, m);
      expect(billFromChain(await f.billing.quote(m, WEEK, proofs, []))).to.deep.equal(expected);
      const tx = f.billing.settle(m, WEEK, proofs, []);
      await expect(tx)
        .to.emit(f.billing, "BillSettled")
        .withArgs(...settledEvent(f, expected));
      const s = await f.billing.settlementOf(m, WEEK);
      expect([s.charge, s.credit, s.readings, s.settled]).to.deep.equal([
        expected.charge,
        expected.credit,
        42n,
        true,
      ]);
      // Double settlement is refused with the recorded values.
      await expect(f.billing.settle(m, WEEK, proofs, []))
        .to.be.revertedWithCustomError(f.billing, "AlreadySettled")
        .withArgs(m, WEEK, expected.charge, expected.credit, expected.net);
      curtailedWh += expected.curtailedExportWh;
    }
    // The real week cuts export: otherwise this test would not exercise the share at all.
    expect(curtailedWh).to.be.greaterThan(0n);
    // The revocation cost the revoked meter credit.
    const unrevoked = computeBill(
      f.revokedMeter,
      WEEK,
      f
        .billReadings(f.revokedMeter, WEEK_PERIODS)
        .map((r) => ({ ...r, capacityW: f.capacityOf(f.revokedMeter) })),
      tsTariff(f),
    );
    expect(expectedBill(f, f.revokedMeter).credit).to.be.lessThan(unrevoked.credit);
  });

  it("bills a cluster under both curtailment rules: week 1 by capacity, week 2 by generation, which binds to the load", async () => {
    const { Capacity, Generation } = CurtailmentRule;
    expect(await f.tariffs.curtailmentRuleOf(WEEK)).to.deep.equal([Capacity, 0n, false]);
    expect(await f.tariffs.curtailmentRuleOf(GENERATION_WEEK)).to.deep.equal([
      Generation,
      BigInt(GENERATION_WEEK),
      true,
    ]);
    const cluster = f.meters.filter((m) => f.clusterOf.get(m) === BOTH_RULES_CLUSTER);
    const w2 = Array.from({ length: PERIODS_PER_WEEK }, (_, i) => W2_ACCEPTED + i);
    const byRule = { capacity: 0n, generation: 0n };
    for (const m of cluster) {
      // Week 1, capacity (the paper's rule), as settled on chain.
      const first = billFromChain(await f.billing.quote(m, WEEK, f.proofsOf(m, WEEK_PERIODS), []));
      expect(first).to.deep.equal(expectedBill(f, m));
      expect(first.curtailmentRule).to.equal(Capacity);
      // Week 2, generation: quote and settlement equal the TS model under that rule.
      const readings = f.billReadings(m, w2);
      const expected = computeBill(m, GENERATION_WEEK, readings, tsTariff(f, true), 0, Generation);
      const proofs = f.proofsOf(m, w2);
      expect(billFromChain(await f.billing.quote(m, GENERATION_WEEK, proofs, []))).to.deep.equal(expected);
      await expect(f.billing.settle(m, GENERATION_WEEK, proofs, []))
        .to.emit(f.billing, "BillSettled")
        .withArgs(...settledEvent(f, expected));
      const q = await quoteBill(f.billing, { meter: m, week: GENERATION_WEEK, proofs, absences: [] });
      expect([q.agrees, q.settled]).to.deep.equal([true, true]);
      expect(formatBill(q)).to.contain("curtailment rule: generation");
      byRule.generation += expected.curtailedExportWh;
      byRule.capacity += computeBill(m, GENERATION_WEEK, readings, tsTariff(f, true)).curtailedExportWh;
    }
    // In every surplus period of week 2 the cluster's allowed supply is its load, short by rounding only;
    // the capacity rule allows more than the load in each of them.
    let surplus = 0;
    for (const p of w2) {
      const h = f.batches.get(`${BOTH_RULES_CLUSTER}:${p}`)!.header;
      if (h.totalGenerationWh <= h.totalLoadWh) continue;
      surplus++;
      const allowed = (rule: bigint) =>
        cluster
          .map((m) => f.billReadings(m, [p])[0]!)
          .reduce((sum, r) => sum + allowedExportWhUnder(rule, r.psa, r.capacityW, r.generationWh), 0n);
      const supply = allowed(Generation);
      expect(supply <= h.totalLoadWh && h.totalLoadWh - supply <= BigInt(cluster.length)).to.equal(true);
      expect(allowed(Capacity) > h.totalLoadWh).to.equal(true);
    }
    expect(surplus).to.be.greaterThan(0);
    // This week the capacity rule would have cut nothing in the cluster; the binding rule cuts export.
    expect(byRule).to.deep.include({ capacity: 0n });
    expect(byRule.generation).to.be.greaterThan(0n);
  });

  it("paid export is recomputable from the public MES view: min(export, MES_i x 4 h) per period (finding 8)", async () => {
    let curtailed = 0;
    let roundedAway = 0n;
    for (const m of f.meters) {
      const proofs = f.proofsOf(m, WEEK_PERIODS);
      let fromView = 0n;
      for (const p of proofs) {
        const mesW = await f.billing.mesOf(m, p.reading.period);
        const share = mesW * PERIOD_HOURS;
        if (p.reading.exportWh > share) curtailed++;
        fromView += p.reading.exportWh < share ? p.reading.exportWh : share;
        // What the old formula paid on top: floor(PSA x capacity x 4 h) above 4 x the view's MES.
        const [line] = f.billReadings(m, [Number(p.reading.period)]);
        roundedAway += (line!.psa * line!.capacityW * PERIOD_HOURS) / FIXED_ONE - share;
      }
      const bill = billFromChain(await f.billing.quote(m, WEEK, proofs, []));
      expect(bill.creditedExportWh, m).to.equal(fromView);
      expect(bill.credit).to.equal(fromView * bill.exportRate);
    }
    // The real week exercises both: curtailed periods, and shares where the rounding differs.
    expect(curtailed).to.be.greaterThan(0);
    expect(roundedAway > 0n).to.equal(true);
  });

  it("gas: settle of one meter-week with 42 real proofs, and per reading", async () => {
    const m = f.meters[0]!;
    const proofs = f.proofsOf(m, WEEK_PERIODS);
    const settle = (await (await f.billing.settle(m, WEEK, proofs, [])).wait())!.gasUsed;
    const one = f.proofsOf(m, [FIRST])[0]!;
    // The proof check alone, as a transaction would pay it (eth_estimateGas incl. the 21,000 base).
    const proof = await f.ledger.requireProvenReading.estimateGas(one);
    gasReport.push(
      ["settle, 42 real proofs (one meter-week)", settle],
      ["  per reading (settle / 42)", settle / 42n],
      ["requireProvenReading, 4-leaf batch (estimateGas, incl. 21k)", proof],
    );
    // Behaviour, not bounds: a settlement proves every reading, so it costs more than 42 proof checks'
    // execution.
    expect(settle).to.be.greaterThan(42n * (proof - 21_000n));
  });

  it("mesOf refuses a period without an accepted batch and an unknown meter", async () => {
    await expect(f.billing.mesOf(f.meters[0]!, W2_DISPUTED))
      .to.be.revertedWithCustomError(f.billing, "BatchNotAccepted")
      .withArgs(1, W2_DISPUTED, BatchStatus.Disputed);
    await expect(f.billing.mesOf(f.meters[0]!, W2_PENDING + 5))
      .to.be.revertedWithCustomError(f.billing, "BatchNotAccepted")
      .withArgs(1, W2_PENDING + 5, BatchStatus.None);
    await expect(f.billing.mesOf(f.utility.address, FIRST))
      .to.be.revertedWithCustomError(f.billing, "UnknownMeter")
      .withArgs(f.utility.address);
  });

  describe("refusals (all on the real contracts)", () => {
    it("a reading of another meter", async () => {
      const [a, b] = f.meters as [string, string];
      const proofs = f.proofsOf(a, WEEK_PERIODS);
      proofs[3] = f.proofsOf(b, [FIRST + 3])[0]!;
      await expect(f.billing.quote(a, WEEK, proofs, []))
        .to.be.revertedWithCustomError(f.billing, "ReadingOfOtherMeter")
        .withArgs(a, b, 3);
      const ts = [
        ...f.billReadings(a, WEEK_PERIODS.slice(0, 3)),
        ...f.billReadings(b, WEEK_PERIODS.slice(3)),
      ];
      expect(() => computeBill(a, WEEK, ts, tsTariff(f)))
        .to.throw(BillRefusedError)
        .with.property("code", "ReadingOfOtherMeter");
    });

    it("a reading outside the week", async () => {
      const m = f.meters[0]!;
      const proofs = [...f.proofsOf(m, WEEK_PERIODS), ...f.proofsOf(m, [W2_ACCEPTED])];
      await expect(f.billing.quote(m, WEEK, proofs, []))
        .to.be.revertedWithCustomError(f.billing, "ReadingOutsideWeek")
        .withArgs(WEEK, W2_ACCEPTED, 42);
    });

    it("a duplicate or out-of-order period", async () => {
      const m = f.meters[0]!;
      const dup = f.proofsOf(m, [...WEEK_PERIODS.slice(0, 6), FIRST + 5, ...WEEK_PERIODS.slice(6)]);
      await expect(f.billing.quote(m, WEEK, dup, []))
        .to.be.revertedWithCustomError(f.billing, "PeriodsNotIncreasing")
        .withArgs(FIRST + 5, FIRST + 5, 6);
      const swapped = f.proofsOf(m, [FIRST + 1, FIRST, ...WEEK_PERIODS.slice(2)]);
      await expect(f.billing.quote(m, WEEK, swapped, []))
        .to.be.revertedWithCustomError(f.billing, "PeriodsNotIncreasing")
        .withArgs(FIRST + 1, FIRST, 1);
      expect(() => computeBill(m, WEEK, f.billReadings(m, [FIRST + 1, FIRST]), tsTariff(f)))
        .to.throw(BillRefusedError)
        .with.property("code", "PeriodsNotIncreasing");
    });

    it("an omitted period whose batch is accepted (IncompleteBill)", async () => {
      const m = f.meters[0]!;
      const kept = WEEK_PERIODS.filter((p) => p !== FIRST + 17);
      await expect(f.billing.quote(m, WEEK, f.proofsOf(m, kept), []))
        .to.be.revertedWithCustomError(f.billing, "IncompleteBill")
        .withArgs(m, WEEK, FIRST + 17);
      expect(() => checkComplete(m, WEEK, f.billReadings(m, kept), [FIRST + 17]))
        .to.throw(BillRefusedError)
        .with.property("code", "IncompleteBill");
    });

    it("a reading the ledger cannot prove: altered values, a wrong Merkle path, a disputed batch", async () => {
      const m = f.meters[0]!;
      const proofs = f.proofsOf(m, WEEK_PERIODS);
      const r = proofs[10]!.reading;
      const altered = [...proofs];
      altered[10] = {
        ...proofs[10]!,
        reading: { ...r, exportWh: r.exportWh + 1000n, loadWh: r.loadWh + 1000n },
      };
      await expect(f.billing.quote(m, WEEK, altered, []))
        .to.be.revertedWithCustomError(f.ledger, "InvalidReadingSignature")
        .withArgs(m, anyValue);
      const badPath = [...proofs];
      badPath[10] = { ...proofs[10]!, proof: packProof(unpackProof(proofs[10]!.proof).reverse()) };
      await expect(f.billing.quote(m, WEEK, badPath, []))
        .to.be.revertedWithCustomError(f.ledger, "InvalidMerkleProof")
        .withArgs(1, FIRST + 10, badPath[10].index);
      // A disputed batch counts for nobody: its reading is refused, its period is not required.
      const w2 = f.proofsOf(m, [W2_ACCEPTED, W2_DISPUTED]);
      await expect(f.billing.quote(m, WEEK + 1, w2, []))
        .to.be.revertedWithCustomError(f.ledger, "BatchNotAccepted")
        .withArgs(1, W2_DISPUTED, BatchStatus.Disputed);
    });

    it("settling while a batch of the week is undecided; the quote counts the undecided batches and falls back to the last tariff", async () => {
      const m = f.meters[0]!;
      expect((await f.ledger.batchOf(1, W2_PENDING)).status).to.equal(BatchStatus.Pending);
      const proofs = f.proofsOf(m, [W2_ACCEPTED]);
      const quoted = billFromChain(await f.billing.quote(m, WEEK + 1, proofs, []));
      // 84 accepted (billed), 85 disputed (not billed, not required), 86 pending and 87..125 never submitted.
      const undecided = PERIODS_PER_WEEK - 2;
      expect(quoted).to.deep.equal(
        computeBill(
          m,
          WEEK + 1,
          f.billReadings(m, [W2_ACCEPTED]),
          tsTariff(f, true),
          undecided,
          CurtailmentRule.Generation,
        ),
      );
      expect([quoted.tariffWeek, quoted.tariffFallback]).to.deep.equal([WEEK, true]);
      await expect(f.billing.settle(m, WEEK + 1, proofs, []))
        .to.be.revertedWithCustomError(f.billing, "WeekNotDecided")
        .withArgs(m, WEEK + 1, W2_PENDING, BatchStatus.Pending);
      // A meter of another cluster: its week-2 batches were never submitted.
      const other = f.meters.find((x) => f.clusterOf.get(x) === 2)!;
      await expect(f.billing.settle(other, WEEK + 1, [], []))
        .to.be.revertedWithCustomError(f.billing, "WeekNotDecided")
        .withArgs(other, WEEK + 1, W2_ACCEPTED, BatchStatus.None);
    });

    it("an unknown meter and a week beyond the period range", async () => {
      await expect(f.billing.quote(f.utility.address, WEEK, [], []))
        .to.be.revertedWithCustomError(f.billing, "UnknownMeter")
        .withArgs(f.utility.address);
      const lastWeek = Math.floor(0xffffffff / PERIODS_PER_WEEK);
      await expect(f.billing.quote(f.meters[0]!, lastWeek, [], []))
        .to.be.revertedWithCustomError(f.billing, "WeekOutOfRange")
        .withArgs(lastWeek);
    });

    it("zero addresses at deployment", async () => {
      const factory = await ethers.getContractFactory("Billing");
      const zero = "0x0000000000000000000000000000000000000000";
      const a = f.grid.contracts;
      await expect(
        factory.deploy(await f.registry.getAddress(), zero, a.CapacityCertificates, a.TariffSchedule),
      ).to.be.revertedWithCustomError(f.billing, "ZeroAddress");
    });
  });

  it("credits are negative nets: a pure exporter is owed money", () => {
    const meter = "0x0000000000000000000000000000000000000001";
    const b = computeBill(
      meter,
      0,
      [
        {
          meter,
          period: 0,
          importWh: 0n,
          exportWh: 1_000n,
          generationWh: 1_000n,
          psa: FIXED_ONE,
          capacityW: 4_000n,
        },
      ],
      { importRate: 250_000n, exportRate: 80_000n, sourceWeek: 0, isFallback: false },
    );
    expect([b.charge, b.credit, b.net]).to.deep.equal([0n, 80_000_000n, -80_000_000n]);
  });

  describe("operator tasks (lib/ops, tasks/mes)", () => {
    const tmp = () => mkdtempSync(path.join(tmpdir(), "gridshare-bill-"));
    const proofsFile = (content: unknown) => {
      const file = path.join(tmp(), "proofs.json");
      writeFileSync(file, typeof content === "string" ? content : toJson(content));
      return file;
    };

    it("bill:quote reads a proofs file, quotes, and agrees with the TS twin; bill:settle settles once", async () => {
      const m = f.meters[5]!;
      const file = proofsFile(f.proofsOf(m, WEEK_PERIODS));
      const args = await resolveBillArgs(parseBillArgs({ meter: m, week: String(WEEK), proofs: file }));
      const q = await quoteBill(f.billing, args);
      expect(q.agrees).to.equal(true);
      expect(q.bill).to.deep.equal(expectedBill(f, m));
      expect(formatBill(q)).to.contain("TS twin agrees").and.contain("not settled");
      const s = await settleBill(f.billing, args);
      expect(s.gasUsed).to.be.greaterThan(0n);
      await expect(settleBill(f.billing, args)).to.be.rejectedWith(BillNotSettleableError, "already settled");
    });

    it("bill:settle refuses before sending while batches are undecided", async () => {
      const m = f.meters[0]!;
      const args: BillArgs = { meter: m, week: WEEK + 1, proofs: f.proofsOf(m, [W2_ACCEPTED]), absences: [] };
      const before = await ethers.provider.getBlockNumber();
      await expect(settleBill(f.billing, args)).to.be.rejectedWith(BillNotSettleableError, "undecided");
      expect(await ethers.provider.getBlockNumber()).to.equal(before);
    });

    describe("proofs from a gateway (GET /proof/:meter/:period)", () => {
      let gw: Gateway;
      let app: ReturnType<typeof buildServer>;
      let url: string;
      let dir: string;

      /** A real gateway holding cluster 1's batches of the billed week (as a neighbour would have built them). */
      beforeEach(async () => {
        dir = tmp();
        gw = await Gateway.open({
          dbFile: path.join(dir, "gw.db"),
          provider: ethers.provider as unknown as Provider,
          nodeKey: Wallet.createRandom().privateKey,
          registry: await f.registry.getAddress(),
          ledger: await f.ledger.getAddress(),
          build: buildClusterBatch,
          startPeriod: FIRST,
        });
        gw.store.initCursor(1, "neighbour", FIRST);
        for (const p of WEEK_PERIODS) {
          const signed = f.batches.get(`1:${p}`)!.readings;
          for (const s of signed) gw.store.storeVerified(s, 1, "{}", Date.now());
          gw.store.closePeriod(1, p, "neighbour", buildClusterBatch(1, p, signed), Date.now());
        }
        app = buildServer(gw, { logger: false });
        url = await app.listen({ host: "127.0.0.1", port: 0 });
      });

      afterEach(async () => {
        await app.close();
        gw.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it("bill:quote --gateway and bill:settle --gateway: the chain accepts the gateway's proofs", async () => {
        const m = f.meters.find((x) => f.clusterOf.get(x) === 1)!;
        const args = await resolveBillArgs(parseBillArgs({ meter: m, week: String(WEEK), gateway: url }));
        expect(args.proofs).to.have.length(PERIODS_PER_WEEK);
        const q = await quoteBill(f.billing, args);
        expect([q.agrees, q.settled]).to.deep.equal([true, false]);
        expect(q.bill).to.deep.equal(expectedBill(f, m));
        const billing = await f.billing.getAddress();
        const out = await runTask("bill:quote", { meter: m, week: String(WEEK), gateway: url, billing });
        expect(out).to.contain("TS twin agrees").and.contain("not settled");
        const settled = await runTask("bill:settle", { meter: m, week: String(WEEK), gateway: url, billing });
        expect(settled).to.contain("settled").and.contain("gas");
        expect((await f.billing.settlementOf(m, WEEK)).settled).to.equal(true);
      });

      it("a meter the gateway holds nothing of gets no proofs: the contract refuses the incomplete bill", async () => {
        const m = f.meters.find((x) => f.clusterOf.get(x) === 2)!;
        const args = await resolveBillArgs(parseBillArgs({ meter: m, week: String(WEEK), gateway: url }));
        expect(args.proofs).to.deep.equal([]);
        await expect(quoteBill(f.billing, args)).to.be.rejected;
        await expect(f.billing.quote(m, WEEK, args.proofs, []))
          .to.be.revertedWithCustomError(f.billing, "IncompleteBill")
          .withArgs(m, WEEK, FIRST);
      });

      it("refuses an unreachable gateway and answers that are not proofs of what was asked", async () => {
        const m = f.meters[0]!;
        const closed = new URL(url);
        await app.close();
        await expect(fetchWeekProofs(closed, m, WEEK)).to.be.rejectedWith(GatewayProofError, "unreachable");
        const answer = (status: number, body: unknown) => async () =>
          new Response(typeof body === "string" ? body : toJson(body), { status });
        await expect(fetchWeekProofs(closed, m, WEEK, answer(500, "boom"))).to.be.rejectedWith(
          GatewayProofError,
          "HTTP 500",
        );
        await expect(fetchWeekProofs(closed, m, WEEK, answer(200, "not json"))).to.be.rejectedWith(
          GatewayProofError,
          "not JSON",
        );
        const otherPeriod = f.proofsOf(m, [FIRST + 1])[0]!;
        await expect(fetchWeekProofs(closed, m, WEEK, answer(200, otherPeriod))).to.be.rejectedWith(
          GatewayProofError,
          `period ${FIRST + 1}`,
        );
        await expect(
          fetchWeekProofs(closed, m, WEEK, answer(200, { ...otherPeriod, proof: "0x12" })),
        ).to.be.rejectedWith(InvalidFileError, "8-byte");
      });
    });

    it("refuses bad arguments before any call", async () => {
      const m = f.meters[0]!;
      const good = proofsFile([]);
      const cases: [
        Parameters<typeof parseBillArgs>[0],
        typeof InvalidArgumentError | typeof InvalidFileError,
        string,
      ][] = [
        [{ meter: "0x12", week: "1", proofs: good }, InvalidArgumentError, "--meter"],
        [{ meter: m, week: "-1", proofs: good }, InvalidArgumentError, "--week"],
        [{ meter: m, week: "1.5", proofs: good }, InvalidArgumentError, "--week"],
        [
          { meter: m, week: String(Math.floor(0xffffffff / 42)), proofs: good },
          InvalidArgumentError,
          "--week",
        ],
        [{ meter: m, week: "1", proofs: "" }, InvalidArgumentError, "--proofs"],
        [{ meter: m, week: "1", proofs: "/nonexistent.json" }, InvalidArgumentError, "does not exist"],
        [{ meter: m, week: "1", proofs: proofsFile("{") }, InvalidFileError, "not JSON"],
        [{ meter: m, week: "1", proofs: proofsFile({}) }, InvalidFileError, "JSON array"],
        [
          { meter: m, week: "1", proofs: good, gateway: "http://127.0.0.1:1" },
          InvalidArgumentError,
          "not both",
        ],
        [{ meter: m, week: "1", gateway: "127.0.0.1:8080" }, InvalidArgumentError, "--gateway"],
        [{ meter: m, week: "1", gateway: "ftp://127.0.0.1" }, InvalidArgumentError, "http(s)"],
        [{ meter: m, week: "1", gateway: "http://127.0.0.1:8080/?x=1" }, InvalidArgumentError, "base URL"],
      ];
      const badProof = { ...f.proofsOf(m, [FIRST])[0]!, proof: "0x12" };
      cases.push([{ meter: m, week: "1", proofs: proofsFile([badProof]) }, InvalidFileError, "8-byte"]);
      const r = f.proofsOf(m, [FIRST])[0]!;
      const big = { ...r, reading: { ...r.reading, importWh: 2n ** 64n } };
      cases.push([{ meter: m, week: "1", proofs: proofsFile([big]) }, InvalidFileError, "uint64"]);
      for (const [args, cls, message] of cases) {
        expect(() => parseBillArgs(args), JSON.stringify(args)).to.throw(cls, message);
      }
      // Through the task: refused before the chain or a gateway is contacted.
      const before = await ethers.provider.getBlockNumber();
      await expect(
        runTask("bill:settle", { meter: m, week: "x", gateway: "http://127.0.0.1:1", billing: "" }),
      ).to.be.rejectedWith(InvalidArgumentError, "--week");
      expect(await ethers.provider.getBlockNumber()).to.equal(before);
    });

    it("mes:show shows the cluster-period and agrees with the chain", async () => {
      const p = WEEK_PERIODS.find((q) => {
        const h = f.batches.get(`1:${q}`)!.header;
        return psa(h.totalLoadWh, h.totalGenerationWh) < FIXED_ONE;
      })!;
      const v = await readMesView(f.billing, 1, p);
      expect(v.curtailing).to.equal(true);
      expect(v.agrees).to.equal(true);
      expect(v.psa + v.decrementalFactor).to.equal(FIXED_ONE);
      const group = f.meters.filter((m) => f.clusterOf.get(m) === 1);
      expect([...v.meters].sort((a, b) => (a.meter < b.meter ? -1 : 1)).map((x) => x.mesW)).to.deep.equal(
        [...group].sort().map((m) => mes(v.psa, f.capacityOf(m))),
      );
      expect(formatMesView(v)).to.contain("agree");
      await expect(readMesView(f.billing, 1, W2_PENDING + 5)).to.be.rejectedWith(NoAcceptedBatchError);
      await expect(readMesView(f.billing, 9, FIRST)).to.be.rejectedWith(InvalidArgumentError, "--cluster");
    });
  });
});

describe("BatchLedger decision gas with real batches: 4 and 1,000 prosumers", function () {
  this.timeout(300_000);
  const BIG = 1_000;
  const SMALL = 4;
  after(printGas);

  async function twoClusters() {
    const [utility, dgmd, n1, n2] = await ethers.getSigners();
    const monday = mondayOnOrBefore(BigInt(await networkHelpers.time.latest()));
    const registry = await deployClusterRegistry(ethers, utility, dgmd, monday, BIG);
    const ledger = (await ethers.deployContract("BatchLedger", [
      await registry.getAddress(),
    ])) as unknown as BatchLedger;
    await registry.setLedger(await ledger.getAddress());
    for (const [i, n] of [n1!, n2!].entries()) {
      await registry.addNode(n.address, i * 500, 0);
      await registry.createCluster(n.address, i * 500, 0);
    }
    // Each parent is the other cluster's only neighbour: 2 voters, the neighbour's vote decides.
    await registry.setNeighbours(1, [n2!.address]);
    await registry.setNeighbours(2, [n1!.address]);
    const wallets = Array.from(
      { length: SMALL + BIG },
      (_, i) => new Wallet(keccak256(toUtf8Bytes(`billing-gas-meter-${i}`))),
    );
    for (const [i, w] of wallets.entries())
      await registry.addMeter(i < SMALL ? 1 : 2, w.address, MeterKind.Prosumer);
    const current = Number(await registry.currentPeriod());
    const domain = gridDomain((await ethers.provider.getNetwork()).chainId, await registry.getAddress());
    const p = current + 1;
    const sign = (ws: Wallet[], cluster: number) =>
      Promise.all(
        ws.map((w, i) =>
          signReading(
            w,
            domain,
            readingFromEnergy(
              w.address,
              p,
              loadBuilding(BUILDINGS[i % 12]!).periods[dataPeriodOf(FIRST + 26)]!,
            ),
          ),
        ),
      ).then((signed) => buildBatch(cluster, p, signed));
    const small = await sign(wallets.slice(0, SMALL), 1);
    const big = await sign(wallets.slice(SMALL), 2);
    await networkHelpers.time.increaseTo(periodStart(p + 1, monday));
    const { chainId } = await ethers.provider.getNetwork();
    const access = { ledger, ledgerDomain: ledgerDomain(chainId, await ledger.getAddress()) };
    // Each parent's attestation is on record; the neighbour's decides.
    await attestAndSubmit(access, small.header, [n1!]);
    await attestAndSubmit(access, big.header, [n2!]);
    return { access, n1: n1!, n2: n2!, small, big };
  }

  it("decision gas is equal at 4 and 1,000 leaves (PSA derived from the stored totals)", async () => {
    const { access, n1, n2, small, big } = await networkHelpers.loadFixture(twoClusters);
    const { ledger } = access;
    const a = (await (await attestAndSubmit(access, small.header, [n2])).wait())!;
    const b = (await (await attestAndSubmit(access, big.header, [n1])).wait())!;
    for (const [batch, cluster] of [
      [small, 1],
      [big, 2],
    ] as const) {
      const stored = await ledger.batchOf(cluster, batch.header.period);
      expect(stored.status).to.equal(BatchStatus.Accepted);
      expect(stored.leafCount).to.equal(BigInt(batch.readings.length));
      expect(stored.psa).to.equal(psa(batch.header.totalLoadWh, batch.header.totalGenerationWh));
    }
    expect(big.readings).to.have.length(BIG);
    const [ea, eb] = [await executionGas(a), await executionGas(b)];
    gasReport.push(
      ["deciding vote, 4 prosumers (gas used)", a.gasUsed],
      ["deciding vote, 1,000 prosumers (gas used)", b.gasUsed],
      ["deciding vote execution (without base and calldata), 4 prosumers", ea],
      ["deciding vote execution (without base and calldata), 1,000 prosumers", eb],
    );
    // Only the calldata bytes of the header values may differ; the execution is the same.
    expect(ea).to.equal(eb);
    // A proof of the 1,000-leaf batch is 10 hashes instead of 2: the per-reading check grows with log2(n).
    const proofArg = (batch: typeof small, i: number) => ({
      reading: batch.readings[i]!.reading,
      signature: batch.readings[i]!.signature,
      index: i,
      proof: getProof(batch.tree, i),
    });
    const g4 = await ledger.requireProvenReading.estimateGas(proofArg(small, 1));
    const g1000 = await ledger.requireProvenReading.estimateGas(proofArg(big, 500));
    gasReport.push(
      ["requireProvenReading, 4 leaves (estimateGas, incl. 21k)", g4],
      ["requireProvenReading, 1,000 leaves (estimateGas, incl. 21k)", g1000],
    );
    expect(g1000).to.be.greaterThan(g4);
  });
});

/** Meter-signed readings of the night (the homes import): data periods 0 and 1 of the year. */
const NIGHT_DATA_PERIODS = [0, 1] as const;
const CAPACITY_W = 5_000n;

/**
 * Findings 1 and 10 (issue 16) on the real contracts: cluster 2 of the default test grid (parent node 1, its
 * neighbour node 0 votes) with a DGMD certificate per prosumer. Week A has one accepted batch; the first tariff
 * is published for week B = A + 1, so A is a week before the first tariff. In week B the batch of the second
 * period lacks prosumer X's reading (its owner cut the link); every other period of A and B ends Disputed.
 */
async function unreadWeeks() {
  const grid = await deployGrid(ethers, networkHelpers);
  const { certs, tariffs, billing } = await deployBillingStack(ethers, grid);
  const cluster = 2;
  const meters = grid.meters[cluster - 1]!;
  const x = meters.find((m) => grid.prosumers.has(m.address))!;
  const weekA = Math.floor((await grid.currentPeriod()) / PERIODS_PER_WEEK) + 1;
  const weekB = weekA + 1;
  await (await tariffs.connect(grid.dgmd).publish(weekB, 1_000_000n, 400_000n)).wait();
  const now = BigInt(await networkHelpers.time.latest());
  const certDomain = certificateDomain(grid.chainId, await certs.getAddress());
  for (const m of meters.filter((w) => grid.prosumers.has(w.address))) {
    const cert = {
      meter: m.address,
      installedCapacityW: CAPACITY_W,
      infoCommitment: keccak256(toUtf8Bytes(`unread:${m.address}`)),
      validFrom: now,
      validUntil: now + CERT_VALID_SECONDS,
      certId: keccak256(toUtf8Bytes(`unread-cert:${m.address}`)),
    };
    await (await certs.submitCertificate(cert, await signCertificate(grid.dgmd, certDomain, cert))).wait();
  }
  const [parent, neighbour] = grid.votersOf(cluster);
  const batches = new Map<number, BuiltBatch>();
  /** The batch of period `p`, without the meters in `missing`, accepted by both voters in period p + 1. */
  const accept = async (p: number, dataPeriod: number, missing: readonly string[] = []) => {
    await grid.warpToPeriod(p + 1);
    const signed = (await signedReadings(grid, cluster, p, dataPeriod)).filter(
      (s) => !missing.includes(s.reading.meter),
    );
    const batch = buildBatch(cluster, p, signed);
    await (await attestAndSubmit(grid, batch.header, [parent!, neighbour!])).wait();
    batches.set(p, batch);
  };
  const a0 = weekA * PERIODS_PER_WEEK;
  const b0 = weekB * PERIODS_PER_WEEK;
  await accept(a0, NIGHT_DATA_PERIODS[0]);
  await accept(b0, NIGHT_DATA_PERIODS[0]);
  await accept(b0 + 1, SUNNY_DATA_PERIOD, [x.address]);
  await accept(b0 + 2, NIGHT_DATA_PERIODS[1]);
  // Past both weeks' windows: the other periods end Disputed (nobody proposed them).
  await grid.warpToPeriod(b0 + PERIODS_PER_WEEK + 1);
  for (let p = a0; p < b0 + PERIODS_PER_WEEK; p++) {
    if (!batches.has(p)) await (await grid.ledger.finalize(cluster, p)).wait();
  }
  const rates = tariffRates(DEFAULT_TARIFF_PARAMS, 1_000_000n, 400_000n);
  const proofOf = (m: string, p: number) => {
    const b = batches.get(p)!;
    return leafProof(
      b,
      b.readings.findIndex((s) => s.reading.meter === m),
    );
  };
  const lineOf = (m: string, p: number): BillReading => {
    const { reading } = proofOf(m, p);
    const h = batches.get(p)!.header;
    return {
      meter: m,
      period: p,
      importWh: reading.importWh,
      exportWh: reading.exportWh,
      generationWh: reading.generationWh,
      psa: psa(h.totalLoadWh, h.totalGenerationWh),
      capacityW: grid.prosumers.has(m) ? CAPACITY_W : 0n,
    };
  };
  const tariff = (week: number) => ({ ...rates, sourceWeek: weekB, isFallback: week !== weekB });
  return {
    grid,
    certs,
    tariffs,
    billing,
    cluster,
    meters,
    x,
    weekA,
    weekB,
    a0,
    b0,
    batches,
    proofOf,
    lineOf,
    tariff,
  };
}

describe("Billing: unread periods (finding 1) and weeks before the first tariff (finding 10)", function () {
  this.timeout(300_000);
  let u: Awaited<ReturnType<typeof unreadWeeks>>;

  beforeEach(async () => {
    u = await networkHelpers.loadFixture(unreadWeeks);
  });

  it("a batch without the meter's reading no longer blocks its bill: unread, charged the week's highest import, named in an event", async () => {
    const m = u.x.address;
    const read = [u.b0, u.b0 + 2];
    const proofs = read.map((p) => u.proofOf(m, p));
    // Before: nothing the meter's owner or the utility could give settled it.
    await expect(u.billing.settle(m, u.weekB, proofs, []))
      .to.be.revertedWithCustomError(u.billing, "IncompleteBill")
      .withArgs(m, u.weekB, u.b0 + 1);
    const absence = absenceProof(u.batches.get(u.b0 + 1)!, m);
    await u.grid.ledger.requireUnreadPeriod(absence);
    const expected = computeBill(
      m,
      u.weekB,
      read.map((p) => u.lineOf(m, p)),
      u.tariff(u.weekB),
      0,
      CurtailmentRule.Capacity,
      [u.b0 + 1],
    );
    const highest = [u.b0, u.b0 + 2]
      .map((p) => u.proofOf(m, p).reading.importWh)
      .reduce((a, b) => (a > b ? a : b));
    expect(highest > 0n).to.equal(true);
    expect(expected.unreadImportWh).to.equal(highest);
    expect(expected.charge).to.equal((expected.importWh + highest) * expected.importRate);
    expect(billFromChain(await u.billing.quote(m, u.weekB, proofs, [absence]))).to.deep.equal(expected);
    await expect(u.billing.connect(u.grid.outsider).settle(m, u.weekB, proofs, [absence]))
      .to.emit(u.billing, "UnreadPeriods")
      .withArgs(m, u.weekB, [u.b0 + 1], highest)
      .and.to.emit(u.billing, "BillSettled");
    const s = await u.billing.settlementOf(m, u.weekB);
    expect([s.charge, s.credit, s.readings, s.unread, s.settled]).to.deep.equal([
      expected.charge,
      expected.credit,
      2n,
      1n,
      true,
    ]);
    // A meter read in every period: no unread period, no event.
    const other = u.meters.find((w) => w.address !== m)!.address;
    const all = [u.b0, u.b0 + 1, u.b0 + 2];
    await expect(
      u.billing.settle(
        other,
        u.weekB,
        all.map((p) => u.proofOf(other, p)),
        [],
      ),
    )
      .to.emit(u.billing, "BillSettled")
      .and.not.to.emit(u.billing, "UnreadPeriods");
  });

  it("an unread period earns no export credit and is charged 0 when the week has no proven reading", async () => {
    const m = u.x.address;
    const read = [u.b0, u.b0 + 2];
    const absence = absenceProof(u.batches.get(u.b0 + 1)!, m);
    const bill = billFromChain(
      await u.billing.quote(
        m,
        u.weekB,
        read.map((p) => u.proofOf(m, p)),
        [absence],
      ),
    );
    const lines = read.map((p) => u.lineOf(m, p));
    const withoutUnread = computeBill(m, u.weekB, lines, u.tariff(u.weekB));
    // Export and credit come from the read periods only; the unread one only adds to the charge.
    expect(bill.exportWh).to.equal(lines[0]!.exportWh + lines[1]!.exportWh);
    expect([bill.credit, bill.creditedExportWh]).to.deep.equal([
      withoutUnread.credit,
      withoutUnread.creditedExportWh,
    ]);
    expect(bill.charge - withoutUnread.charge).to.equal(bill.unreadImportWh * bill.importRate);
    // A week with no proven reading at all: the unread periods cost nothing (SPEC 11: zero when none).
    const none = computeBill(m, u.weekB, [], u.tariff(u.weekB), 0, CurtailmentRule.Capacity, [
      u.b0 + 1,
      u.b0 + 5,
    ]);
    expect([none.charge, none.credit, none.unreadImportWh]).to.deep.equal([0n, 0n, 0n]);
  });

  it("refuses absence proofs that prove nothing: the meter is in the batch, wrong leaves, another meter or period, a read period, a disputed batch", async () => {
    const m = u.x.address;
    const proofs = [u.b0, u.b0 + 2].map((p) => u.proofOf(m, p));
    const good = absenceProof(u.batches.get(u.b0 + 1)!, m);
    const ledger = u.grid.ledger;
    // X is in the batch of b0: the leaves around its address are not adjacent (X sits between them).
    const present = u.batches.get(u.b0)!;
    const i = present.readings.findIndex((s) => s.reading.meter === m);
    const sides = [i - 1, i + 1].filter((k) => k >= 0 && k < present.readings.length);
    await expect(
      ledger.requireUnreadPeriod({ meter: m, period: u.b0, around: sides.map((k) => leafProof(present, k)) }),
    )
      .to.be.revertedWithCustomError(ledger, "NotAbsent")
      .withArgs(m, u.cluster, u.b0);
    // The leaves of b1 claimed for b0: another period's readings.
    await expect(ledger.requireUnreadPeriod({ ...good, period: u.b0 }))
      .to.be.revertedWithCustomError(ledger, "NeighbourOfOtherPeriod")
      .withArgs(u.b0, u.b0 + 1);
    // A neighbour with a wrong path, and no neighbour at all.
    const bad = { ...good.around[0]!, proof: "0x" + "00".repeat((good.around[0]!.proof.length - 2) / 2) };
    await expect(ledger.requireUnreadPeriod({ ...good, around: [bad, ...good.around.slice(1)] }))
      .to.be.revertedWithCustomError(ledger, "InvalidMerkleProof")
      .withArgs(u.cluster, u.b0 + 1, bad.index);
    await expect(ledger.requireUnreadPeriod({ ...good, around: [] }))
      .to.be.revertedWithCustomError(ledger, "NotAbsent")
      .withArgs(m, u.cluster, u.b0 + 1);
    // A Disputed batch holds nothing anyone is charged for.
    await expect(ledger.requireUnreadPeriod({ ...good, period: u.b0 + 3, around: [] }))
      .to.be.revertedWithCustomError(ledger, "BatchNotAccepted")
      .withArgs(u.cluster, u.b0 + 3, BatchStatus.Disputed);
    // Billing: another meter's absence, and an absence beside a reading of the same period.
    const other = u.meters.find((w) => w.address !== m)!.address;
    const otherProofs = [u.b0, u.b0 + 2].map((p) => u.proofOf(other, p));
    await expect(u.billing.quote(other, u.weekB, otherProofs, [good]))
      .to.be.revertedWithCustomError(u.billing, "AbsenceOfOtherMeter")
      .withArgs(other, m, 0);
    await expect(u.billing.quote(m, u.weekB, proofs, [good, good]))
      .to.be.revertedWithCustomError(u.billing, "UnusedAbsence")
      .withArgs(1, u.b0 + 1);
    // An absence of a period that has a reading (b2) is never used.
    await expect(u.billing.quote(m, u.weekB, proofs, [good, { meter: m, period: u.b0 + 2, around: [] }]))
      .to.be.revertedWithCustomError(u.billing, "UnusedAbsence")
      .withArgs(1, u.b0 + 2);
    // A meter added after the period was never expected in its batch: its absence is not an unread period.
    await (await u.grid.registry.removeMeter(other)).wait();
    const late = Wallet.createRandom().address;
    await (await u.grid.registry.addMeter(u.cluster, late, MeterKind.Consumer)).wait();
    const lateAbsence = absenceProof(u.batches.get(u.b0 + 1)!, late);
    await ledger.requireUnreadPeriod(lateAbsence);
    await expect(u.billing.quote(late, u.weekB, [], [lateAbsence]))
      .to.be.revertedWithCustomError(u.billing, "AbsenceNotRequired")
      .withArgs(late, u.b0 + 1);
    expect(() =>
      computeBill(m, u.weekB, [u.lineOf(m, u.b0)], u.tariff(u.weekB), 0, CurtailmentRule.Capacity, [u.b0]),
    )
      .to.throw(BillRefusedError)
      .with.property("code", "UnusedAbsence");
  });

  it("a week before the first published tariff settles at that tariff once its week has started (finding 10)", async () => {
    const m = u.meters[0]!.address;
    const proofs = [u.proofOf(m, u.a0)];
    expect(await u.tariffs.tariffOf(u.weekA)).to.deep.equal([
      u.tariff(u.weekA).importRate,
      u.tariff(u.weekA).exportRate,
      BigInt(u.weekB),
      true,
    ]);
    const expected = computeBill(m, u.weekA, [u.lineOf(m, u.a0)], u.tariff(u.weekA));
    expect([expected.tariffWeek, expected.tariffFallback]).to.deep.equal([u.weekB, true]);
    const args: BillArgs = { meter: m, week: u.weekA, proofs, absences: [] };
    const q = await quoteBill(u.billing, args);
    expect(q.agrees).to.equal(true);
    expect(q.bill).to.deep.equal(expected);
    expect(formatBill(q)).to.contain(`tariff of week ${u.weekB} (the first published tariff`);
    await settleBill(u.billing, args);
    expect((await u.billing.settlementOf(m, u.weekA)).settled).to.equal(true);
  });

  it("bill:settle explains, before sending anything, a week no tariff can price yet", async () => {
    const m = u.meters[0]!.address;
    const fresh = await deployTariffs(ethers, u.grid);
    const billing = await deployBilling(ethers, u.grid, u.certs, fresh);
    const args: BillArgs = { meter: m, week: u.weekA, proofs: [u.proofOf(m, u.a0)], absences: [] };
    let before = await ethers.provider.getBlockNumber();
    await expect(settleBill(billing, args)).to.be.rejectedWith(
      BillNotSettleableError,
      "no tariff has been published",
    );
    expect(await ethers.provider.getBlockNumber()).to.equal(before);
    const first = Number(await fresh.currentWeek()) + 1;
    await (await fresh.connect(u.grid.dgmd).publish(first, 1_000_000n, 400_000n)).wait();
    await expect(billing.quote(m, u.weekA, args.proofs, []))
      .to.be.revertedWithCustomError(fresh, "TariffNotFixedYet")
      .withArgs(u.weekA, first);
    before = await ethers.provider.getBlockNumber();
    await expect(settleBill(billing, args)).to.be.rejectedWith(
      BillNotSettleableError,
      `before the first published tariff (week ${first})`,
    );
    expect(await ethers.provider.getBlockNumber()).to.equal(before);
  });

  it("bill:quote reads { proofs, absences } from a file; malformed absences are refused before any call", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gridshare-unread-file-"));
    const file = (content: unknown) => {
      const f = path.join(dir, `${Math.random()}.json`);
      writeFileSync(f, toJson(content));
      return f;
    };
    try {
      const m = u.x.address;
      const week = {
        proofs: [u.b0, u.b0 + 2].map((p) => u.proofOf(m, p)),
        absences: [absenceProof(u.batches.get(u.b0 + 1)!, m)],
      };
      const args = await resolveBillArgs(
        parseBillArgs({ meter: m, week: String(u.weekB), proofs: file(week) }),
      );
      const q = await quoteBill(u.billing, args);
      expect([q.agrees, q.bill.unreadPeriods]).to.deep.equal([true, [u.b0 + 1]]);
      const bad = { ...week, absences: [{ ...week.absences[0]!, around: "x" }] };
      expect(() => parseBillArgs({ meter: m, week: String(u.weekB), proofs: file(bad) })).to.throw(
        InvalidFileError,
        "absence 0: around must be an array",
      );
      const badMeter = { ...week, absences: [{ ...week.absences[0]!, meter: "0x12" }] };
      expect(() => parseBillArgs({ meter: m, week: String(u.weekB), proofs: file(badMeter) })).to.throw(
        InvalidFileError,
        "absence 0: meter",
      );
      expect(() =>
        parseBillArgs({ meter: m, week: String(u.weekB), proofs: file({ absences: [] }) }),
      ).to.throw(InvalidFileError, "{ proofs: [...], absences: [...] }");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bill:settle --gateway: the gateway serves the absence proof of the unread period and the bill settles", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gridshare-unread-"));
    const gw = await Gateway.open({
      dbFile: path.join(dir, "gw.db"),
      provider: ethers.provider as unknown as Provider,
      nodeKey: Wallet.createRandom().privateKey,
      registry: await u.grid.registry.getAddress(),
      ledger: await u.grid.ledger.getAddress(),
      build: buildClusterBatch,
      startPeriod: u.b0,
    });
    gw.store.initCursor(u.cluster, "neighbour", u.b0);
    for (const p of [u.b0, u.b0 + 1, u.b0 + 2]) {
      const signed = u.batches.get(p)!.readings;
      for (const s of signed) gw.store.storeVerified(s, u.cluster, "{}", Date.now());
      gw.store.closePeriod(u.cluster, p, "neighbour", buildClusterBatch(u.cluster, p, signed), Date.now());
    }
    const app = buildServer(gw, { logger: false });
    try {
      const url = await app.listen({ host: "127.0.0.1", port: 0 });
      const m = u.x.address;
      const args = await resolveBillArgs(parseBillArgs({ meter: m, week: String(u.weekB), gateway: url }));
      expect(args.proofs.map((p) => Number(p.reading.period))).to.deep.equal([u.b0, u.b0 + 2]);
      expect(args.absences.map((a) => Number(a.period))).to.deep.equal([u.b0 + 1]);
      const q = await quoteBill(u.billing, args);
      expect(q.agrees).to.equal(true);
      expect(q.bill.unreadPeriods).to.deep.equal([u.b0 + 1]);
      expect(formatBill(q)).to.contain(`unread: period(s) ${u.b0 + 1}`);
      await settleBill(u.billing, args);
      // A meter the batch holds: no absence proof for it.
      const read = u.meters.find((w) => w.address !== m)!.address;
      const res = await fetch(`${url}/absence/${read}/${u.b0 + 1}`);
      expect(res.status).to.equal(404);
    } finally {
      await app.close();
      gw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
