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
import { FIXED_ONE, PERIODS_PER_WEEK } from "../constants.js";
import { loadBuilding } from "../data/citylearn.js";
import type { Bill } from "../billing.js";
import { clusterShares } from "../mes.js";
import { violatesTolerance } from "../certificates.js";
import { settleBill } from "../ops/billing.js";
import type { Billing, CapacityCertificates, TariffSchedule } from "../../types/ethers-contracts/index.js";
import { leafHash, verifyProof } from "../merkle64.js";
import { gridDomain, signReading, type SignedReading } from "../reading.js";
import { periodStart } from "../time.js";
import { GridShareError } from "../errors.js";
import { renderReport } from "../report/html.js";
import type {
  DemoReport,
  ReportAttack,
  ReportBill,
  ReportEvent,
  ReportPeriod,
  ReportVoter,
  ReportWeek,
} from "../report/model.js";
import { setupGrid, type GridSetup } from "./setup.js";
import type { DemoOptions } from "./options.js";
import { Progress } from "./progress.js";
import { collectGas, gasForReport, type KnownContract } from "./gas.js";
import { DemoGateways, type NodeVerdict } from "./gateways.js";
import type { ReadingProof } from "../gateway/types.js";
import { buildClusterBatch } from "../gateway/batching.js";
import { MeterFleet } from "../simulator/fleet.js";
import { alteredAfterSigning, lyingBuilder } from "../simulator/faults.js";
import { fleetMeter, meterSlots, replacementWallet, type MeterSlot } from "./meters.js";
import {
  LIE_EXTRA_LOAD_WH,
  TAMPER_EXTRA_LOAD_WH,
  overCapacityReading,
  planAttacks,
  type AttackPlan,
} from "./attacks.js";
import { forecastWeek, type WeekForecast } from "./tariffs.js";
import { certifyProsumer, OnChainTariffs } from "./dgmd.js";
import { summarise, type DemoSummary } from "./summary.js";

const W = PERIODS_PER_WEEK;
/** Seconds into a period at which the demo acts (the meters' readings of the previous period are due). */
const ACT_OFFSET_S = 60n;
const BATCH_STATUS = ["none", "pending", "accepted", "disputed"] as const;
const ACCEPTED = 2n;
const DISPUTED = 3n;
const METER_STATUS = ["none", "active", "tampered", "replaced", "removed"] as const;
const NANO_PER_UNIT = 1e9;

export interface DemoOutcome {
  report: DemoReport;
  reportPath: string;
  summary: DemoSummary;
}

interface ChainBatch {
  status: bigint;
  root: string;
  leafCount: bigint;
  totalLoadWh: bigint;
  totalGenerationWh: bigint;
  psa: bigint;
  parentOverruled: boolean;
}

/** One refused reading, as every node that saw it answered. */
interface Refusal {
  period: number;
  meter: string;
  code: string;
  reason: string;
  nodes: number;
}

class DemoRun {
  readonly slots: MeterSlot[];
  gateways: DemoGateways | undefined;
  /** Each gateway's counters, read before the gateways stop. */
  gatewayCounters: { node: string; counters: Record<string, number> }[] = [];
  readonly fleet: MeterFleet;
  readonly batches = new Map<string, ChainBatch>();
  readonly refusals = new Map<string, Refusal>();
  readonly forecasts: WeekForecast[] = [];
  readonly bills: { slot: MeterSlot; meter: string; bill: Bill; settled: boolean }[] = [];
  readonly attack: AttackPlan;
  readonly verdicts = { forgery: [] as NodeVerdict[], tamper: [] as NodeVerdict[] };
  /** Prosumer-periods in surplus whose MES was computed, and how many the chain's Billing.mesOf disagreed on. */
  mes = { computed: 0, disagreements: 0 };
  overCapacity: { meter: string; period: number; proven: boolean; reason: string } | undefined;
  readonly tariffs: OnChainTariffs;
  readonly dataOffset: number;
  readonly lastPeriod: number;

  constructor(
    readonly grid: GridSetup,
    readonly opts: DemoOptions,
    readonly progress: Progress,
    readonly chainId: bigint,
    readonly certificates: CapacityCertificates,
    readonly billing: Billing,
    schedule: TariffSchedule,
  ) {
    this.tariffs = new OnChainTariffs(schedule, grid.dgmd);
    this.fleet = new MeterFleet(
      meterSlots(grid.clusters).map(fleetMeter),
      gridDomain(chainId, grid.contracts.ClusterRegistry!),
      (opts.dataWeek - 1) * W,
    );
    this.slots = meterSlots(grid.clusters);
    this.dataOffset = (opts.dataWeek - 1) * W;
    this.lastPeriod = W * (opts.weeks + 1) - 1;
    this.attack = planAttacks(
      opts.seed,
      grid.clusters.map((c) => ({ clusterId: c.clusterId, buildings: c.meters.map((m) => m.building) })),
    );
  }

  get domain() {
    return gridDomain(this.chainId, this.grid.contracts.ClusterRegistry);
  }

  get helpers() {
    return this.grid.connection.networkHelpers;
  }

  /** Start every node's gateway; the lying parent's gateway gets a batch builder that inflates one period. */
  async startGateways(): Promise<void> {
    const lie = this.opts.attacks ? this.attack.lyingParent : undefined;
    const liar = lie && this.grid.clusters.find((c) => c.clusterId === lie.clusterId)!.parent;
    const lying = lie && lyingBuilder(buildClusterBatch, LIE_EXTRA_LOAD_WH, lie.clusterId);
    this.gateways = await DemoGateways.start(this.grid, W, (node) =>
      node === liar && lying && lie
        ? (c, p, readings) => (p === lie.period ? lying : buildClusterBatch)(c, p, readings)
        : buildClusterBatch,
    );
  }

  get nodes(): DemoGateways {
    if (!this.gateways) throw new GridShareError("NOT_STARTED", "the gateways are not started");
    return this.gateways;
  }

  async certifyAll(): Promise<void> {
    const now = BigInt(await this.helpers.time.latest());
    for (const slot of this.slots) {
      if (slot.kind === "prosumer")
        await certifyProsumer(this.certificates, this.grid.dgmd, this.chainId, this.opts.seed, slot, now);
    }
  }

  async publishTariff(week: number): Promise<void> {
    const f = forecastWeek(week, this.opts.buildings, week * W + this.dataOffset);
    await this.tariffs.publish(f);
    this.forecasts.push(f);
  }

  async advanceTo(period: number): Promise<void> {
    await this.helpers.time.increaseTo(periodStart(period, this.grid.epoch) + ACT_OFFSET_S);
  }

  /** A meter sends one signed reading to its cluster's gateways; refusals are recorded. */
  async deliver(slot: MeterSlot, signed: SignedReading): Promise<NodeVerdict[]> {
    const out = await this.nodes.send(slot.clusterId, signed);
    for (const v of out) {
      if (v.ok) continue;
      const key = `${v.period}:${v.meter}:${v.code}`;
      const r = this.refusals.get(key) ?? {
        period: v.period,
        meter: v.meter,
        code: v.code ?? "REFUSED",
        reason: v.reason ?? "",
        nodes: 0,
      };
      r.nodes++;
      this.refusals.set(key, r);
    }
    return out;
  }

  async playPeriod(p: number): Promise<void> {
    const { registry } = this.grid;
    const a = this.opts.attacks ? this.attack : undefined;
    await this.advanceTo(p + 1);
    // The seal of the tamper victim breaks during alarmPeriod: its parent raises the alarm at once.
    if (a && p + 1 === a.tamper.alarmPeriod) {
      const slot = this.slotOf(a.tamper.building);
      const parent = this.grid.nodes.find((n) => n.clusterId === slot.clusterId)!.signer;
      await (await registry.connect(parent).reportTamper(slot.wallet.address)).wait();
    }
    const over = a?.overCapacity;
    // Meters post at the same time, as real meters do at the end of a period.
    await Promise.all(this.slots.map((slot) => this.meterSends(slot, p, a, over)));
    await this.nodes.tick();
    // The utility replaces the tampered meter under a work permit; the new key counts from the next period.
    if (a && p === a.tamper.alarmPeriod) {
      const slot = this.slotOf(a.tamper.building);
      const next = replacementWallet(this.opts.seed, slot.building, slot.history.length);
      await (await registry.replaceMeter(slot.wallet.address, next.address, a.tamper.workPermit)).wait();
      // SPEC 7: the new meter inherits the certificate only once the DGMD re-confirms it.
      if (slot.kind === "prosumer")
        await (await this.certificates.connect(this.grid.dgmd).reconfirmReplacement(next.address)).wait();
      slot.wallet = next;
      slot.history.push(next);
    }
    await this.decide(p);
    if (over && p === over.period + 1) await this.proveOverCapacity(over.building, over.period);
  }

  /** Anyone (here the utility) proves the over-capacity reading against its accepted batch. */
  async proveOverCapacity(building: number, period: number): Promise<void> {
    const slot = this.slotOf(building);
    const proof = await this.proofFor(slot, slot.wallet.address, period);
    const meter = slot.wallet.address;
    if (!proof) {
      this.overCapacity = { meter, period, proven: false, reason: "no accepted proof of the reading" };
      return;
    }
    const tol = await this.certificates.toleranceBps();
    const capacity = BigInt(slot.capacityW);
    if (!violatesTolerance(BigInt(proof.reading.peakGenerationW), capacity, tol)) {
      this.overCapacity = { meter, period, proven: false, reason: "the reading is within tolerance" };
      return;
    }
    await (await this.certificates.proveOverCapacity(proofStruct(proof))).wait();
    this.overCapacity = { meter, period, proven: true, reason: "" };
  }

  /** One home's meter signs its reading of period p and sends it (faults injected where planned). */
  async meterSends(
    slot: MeterSlot,
    p: number,
    a: AttackPlan | undefined,
    over: AttackPlan["overCapacity"] | undefined,
  ): Promise<void> {
    const meter = fleetMeter(slot);
    let reading = this.fleet.reading(meter, p);
    if (over && slot.building === over.building && p === over.period) {
      reading = overCapacityReading(reading, BigInt(slot.capacityW));
    }
    let signed = await this.fleet.sign(meter, reading);
    if (a && slot.building === a.tamper.building && p === a.tamper.alarmPeriod) {
      signed = alteredAfterSigning(signed, TAMPER_EXTRA_LOAD_WH);
      this.verdicts.tamper.push(...(await this.deliver(slot, signed)));
      return;
    }
    await this.deliver(slot, signed);
    if (a && slot.building === a.forgery.building && p === a.forgery.period) {
      const forged = await signReading(a.forgery.outsider, this.domain, {
        ...reading,
        exportWh: reading.exportWh + 2_000n,
        generationWh: reading.generationWh + 2_000n,
        peakGenerationW: reading.peakGenerationW + 500,
      });
      this.verdicts.forgery.push(...(await this.deliver(slot, forged)));
    }
  }

  slotOf(building: number): MeterSlot {
    return this.slots.find((s) => s.building === building)!;
  }

  /** Read period p's batches; anything still open from p - 1 (its window closed now) is finalized Disputed. */
  async decide(p: number): Promise<void> {
    for (const c of this.grid.clusters) {
      const prev = `${c.clusterId}:${p - 1}`;
      const open = this.batches.get(prev);
      if (p - 1 >= W && open && open.status !== ACCEPTED && open.status !== DISPUTED) {
        await (await this.grid.ledger.finalize(c.clusterId, p - 1)).wait();
        this.batches.set(prev, await this.readBatch(c.clusterId, p - 1));
      }
      this.batches.set(`${c.clusterId}:${p}`, await this.readBatch(c.clusterId, p));
    }
  }

  async readBatch(clusterId: number, period: number): Promise<ChainBatch> {
    const b = await this.grid.ledger.batchOf(clusterId, period);
    return {
      status: b.status,
      root: b.root,
      leafCount: b.leafCount,
      totalLoadWh: b.totalLoadWh,
      totalGenerationWh: b.totalGenerationWh,
      psa: b.psa,
      parentOverruled: b.parentOverruled,
    };
  }

  /** A reading's proof from any voter that holds it, checked against the accepted root on-chain. */
  async proofFor(slot: MeterSlot, meter: string, period: number): Promise<ReadingProof | undefined> {
    const batch = this.batches.get(`${slot.clusterId}:${period}`);
    if (!batch || batch.status !== ACCEPTED) return undefined;
    for (const proof of this.nodes.proofsOf(slot.clusterId, meter, period)) {
      const ok = verifyProof({
        root: batch.root,
        leafCount: Number(batch.leafCount),
        index: proof.index,
        leaf: leafHash({ reading: proof.reading, signature: proof.signature }),
        proof: proof.proof,
      });
      if (ok) return proof;
    }
    return undefined;
  }

  /**
   * Bill every meter of every home for grid week `week` (all its batches are decided by now): the MES of each
   * surplus period is computed with lib/mes.ts and compared with Billing.mesOf; the bill is quoted on-chain from
   * the readings' proofs, cross-checked with lib/billing.ts (settleBill), and settled.
   */
  async billWeek(week: number): Promise<void> {
    for (const slot of this.slots) {
      for (const wallet of slot.history) {
        const proofs: ReadingProof[] = [];
        for (let p = week * W; p < (week + 1) * W; p++) {
          const proof = await this.proofFor(slot, wallet.address, p);
          if (!proof) continue;
          proofs.push(proof);
          const batch = this.batches.get(`${slot.clusterId}:${p}`)!;
          if (batch.totalGenerationWh > batch.totalLoadWh && slot.kind === "prosumer") {
            const capacityW = await this.certificates.authorizedCapacityAt(wallet.address, p);
            const [share] = clusterShares(batch.totalLoadWh, batch.totalGenerationWh, [
              { meter: wallet.address, capacityW },
            ]).shares;
            if (share!.mesW !== (await this.billing.mesOf(wallet.address, p))) this.mes.disagreements++;
            this.mes.computed++;
          }
        }
        if (proofs.length === 0) continue;
        const meter = proofs[0]!.reading.meter;
        const settled = await settleBill(this.billing, { meter, week, proofs: proofs.map(proofStruct) });
        if (!settled.agrees) throw new BillMismatchError(meter, week);
        this.bills.push({ slot, meter, bill: settled.bill, settled: true });
      }
    }
  }

  async run(): Promise<void> {
    const total = this.opts.weeks;
    await this.startGateways();
    await this.certifyAll();
    await this.publishTariff(1);
    let accepted = 0;
    let overruled = 0;
    for (let p = W; p <= this.lastPeriod; p++) {
      const week = Math.floor(p / W);
      if (p % W === W - 1 && p + 1 <= this.lastPeriod) await this.publishTariff(week + 1);
      await this.playPeriod(p);
      for (const c of this.grid.clusters) {
        const b = this.batches.get(`${c.clusterId}:${p}`)!;
        if (b.status === ACCEPTED) accepted++;
        if (b.parentOverruled) overruled++;
      }
      const played = (p % W) + 1;
      if (played === W) await this.billWeek(week);
      this.progress.week({
        week,
        weeks: total,
        period: played,
        periods: W,
        accepted,
        overruled,
        refused: this.refusals.size,
        note: played === W ? `${this.bills.filter((b) => b.bill.week === week).length} bills` : undefined,
      });
    }
  }
}

function sumData(buildings: readonly number[], dataPeriod: number, field: "loadWh" | "generationWh"): bigint {
  let s = 0n;
  for (const b of buildings) s += loadBuilding(b).periods[dataPeriod]![field];
  return s;
}

async function observeAttacks(r: DemoRun): Promise<ReportAttack[]> {
  const { registry, ledger } = r.grid;
  const a = r.attack;
  const out: ReportAttack[] = [];

  const lie = a.lyingParent;
  const lb = r.batches.get(`${lie.clusterId}:${lie.period}`)!;
  const liar = r.grid.clusters.find((c) => c.clusterId === lie.clusterId)!;
  const honestLoad = sumData(
    liar.meters.map((m) => m.building),
    lie.period + r.dataOffset,
    "loadWh",
  );
  const liarFaults = await ledger.queryFilter(
    ledger.filters.FaultRecorded(liar.parent, lie.clusterId, lie.period),
  );
  // With 2+ neighbours they outvote the parent; with one (2 voters, 2 needed) nobody has a majority.
  const voters = (await registry.votersOf(lie.clusterId)).length;
  const outvoted = voters >= 3;
  out.push({
    scenario: `lying parent: cluster ${lie.clusterId}'s parent proposes load +${LIE_EXTRA_LOAD_WH} Wh in period ${lie.period} (${voters} voters)`,
    expected: outvoted
      ? "neighbours outvote it; honest totals accepted; parent overruled with a fault"
      : "no digest reaches 2 of 2: the batch is Disputed and nothing of it counts (no fault without a winner)",
    observed:
      `batch ${BATCH_STATUS[Number(lb.status)]}, load ${lb.totalLoadWh} Wh (data: ${honestLoad}), ` +
      `parent overruled: ${lb.parentOverruled ? "yes" : "no"}, fault recorded: ${liarFaults.length}`,
    held: outvoted
      ? lb.status === ACCEPTED &&
        lb.parentOverruled &&
        lb.totalLoadWh === honestLoad &&
        liarFaults.length === 1
      : lb.status === DISPUTED && liarFaults.length === 0,
  });

  const fv = r.verdicts.forgery;
  out.push({
    scenario: `forged reading: an outsider key signs a reading for building ${a.forgery.building}'s meter (period ${a.forgery.period})`,
    expected: "every node refuses it (signature is not the meter's); the real reading counts",
    observed: `${fv.filter((v) => !v.ok).length} of ${fv.length} node(s) refused it (${[...new Set(fv.map((v) => v.code))].join(", ")})`,
    held: fv.length > 0 && fv.every((v) => !v.ok),
  });

  const t = a.tamper;
  const slot = r.slotOf(t.building);
  const old = slot.history[0]!;
  const info = await registry.meterInfo(old.address);
  const atAlarm = r.batches.get(`${slot.clusterId}:${t.alarmPeriod}`)!;
  const after = r.batches.get(`${slot.clusterId}:${t.alarmPeriod + 1}`)!;
  const size = r.grid.clusters.find((c) => c.clusterId === slot.clusterId)!.meters.length;
  const tv = r.verdicts.tamper;
  const alarms = await registry.queryFilter(registry.filters.TamperAlarm(undefined, old.address));
  out.push({
    scenario: `tampered meter: building ${t.building}'s seal breaks in period ${t.alarmPeriod}; its altered reading is sent`,
    expected:
      "alarm marks it Tampered from that period; altered reading refused; replacement counts from the next period",
    observed:
      `tamper alarms: ${alarms.length}, status now ${METER_STATUS[Number(info.status)]}, ` +
      `counts until period ${info.untilPeriod}; altered reading refused by ${tv.filter((v) => !v.ok).length}/${tv.length} node(s); ` +
      `batch ${t.alarmPeriod}: ${atAlarm.leafCount} leaves, batch ${t.alarmPeriod + 1}: ${after.leafCount} leaves (replacement ${short(slot.wallet.address)})`,
    held:
      alarms.length === 1 &&
      Number(info.untilPeriod) === t.alarmPeriod &&
      info.replacedBy.toLowerCase() === slot.wallet.address.toLowerCase() &&
      tv.length > 0 &&
      tv.every((v) => !v.ok) &&
      Number(atAlarm.leafCount) === size - 1 &&
      after.status === ACCEPTED &&
      Number(after.leafCount) === size,
  });

  const oc = a.overCapacity;
  const scenario = `over-capacity prosumer: building ${oc.building} reports a peak above its certificate + tolerance (period ${oc.period})`;
  const expected =
    "anyone proves it with the signed reading and its Merkle proof; the prosumer is deauthorized (MES 0)";
  const x = r.overCapacity;
  const meter = r.slotOf(oc.building).wallet.address;
  const cap = await r.certificates.authorizedCapacityAt(meter, oc.period);
  const events = await r.certificates.queryFilter(r.certificates.filters.ProsumerDeauthorized(meter));
  out.push({
    scenario,
    expected,
    observed: x?.proven
      ? `deauthorized from period ${events[0]?.args.fromPeriod ?? "?"}; authorized capacity now ${cap} W`
      : `not proven: ${x?.reason ?? "the scenario did not run"}`,
    held: x?.proven === true && cap === 0n && events.length === 1,
  });
  return out;
}

/** The contract's ReadingProof struct from a node's proof. */
function proofStruct(p: ReadingProof) {
  return { reading: p.reading, signature: p.signature, index: p.index, proof: [...p.proof] };
}

export class BillMismatchError extends GridShareError {
  constructor(meter: string, week: number) {
    super(
      "BILL_MISMATCH",
      `Billing's bill of ${meter} for week ${week} differs from lib/billing.ts: the twins disagree, report this`,
    );
  }
}

const short = (a: string) => `${a.slice(0, 8)}…${a.slice(-4)}`;

async function voterRows(r: DemoRun, fromBlock: number): Promise<ReportVoter[]> {
  const { ledger } = r.grid;
  const proposals = await ledger.queryFilter(ledger.filters.BatchProposed(), fromBlock);
  const votes = await ledger.queryFilter(ledger.filters.VoteCast(), fromBlock);
  return Promise.all(
    r.grid.nodes.map(async (n) => ({
      node: n.signer.address,
      proposals: proposals.filter((e) => e.args.parent === n.signer.address).length,
      votes: votes.filter((e) => e.args.voter === n.signer.address).length,
      faults: Number(await ledger.faults(n.signer.address)),
      ...gatewayCounts(r, n.signer.address),
    })),
  );
}

function gatewayCounts(r: DemoRun, node: string): Pick<ReportVoter, "readingsAccepted" | "readingsRefused"> {
  const c = r.gatewayCounters.find((g) => g.node === node)?.counters;
  return c
    ? { readingsAccepted: c.readings_accepted ?? 0, readingsRefused: c.readings_quarantined ?? 0 }
    : {};
}

async function eventRows(r: DemoRun, fromBlock: number): Promise<ReportEvent[]> {
  const { ledger, registry } = r.grid;
  const out: ReportEvent[] = [];
  for (const e of await ledger.queryFilter(ledger.filters.FaultRecorded(), fromBlock)) {
    out.push({
      period: Number(e.args.period),
      kind: "fault",
      subject: e.args.node,
      detail: `voted for a losing digest in cluster ${e.args.clusterId}`,
    });
  }
  for (const e of await ledger.queryFilter(ledger.filters.BatchDisputed(), fromBlock)) {
    out.push({
      period: Number(e.args.period),
      kind: "batch disputed",
      subject: `cluster ${e.args.clusterId}`,
      detail: "no majority by the end of the next period: nothing of it counts",
    });
  }
  for (const e of await registry.queryFilter(registry.filters.TamperAlarm(), fromBlock)) {
    out.push({
      period: Number(e.args.untilPeriod),
      kind: "tamper alarm",
      subject: e.args.meter,
      detail: `raised by ${e.args.reporter} in cluster ${e.args.clusterId}; readings stop counting from period ${e.args.untilPeriod}`,
    });
  }
  for (const e of await registry.queryFilter(registry.filters.MeterReplaced(), fromBlock)) {
    out.push({
      period: Number(e.args.atPeriod),
      kind: "meter replaced",
      subject: e.args.oldMeter,
      detail: `by ${e.args.newMeter} under work permit ${e.args.workPermit}`,
    });
  }
  for (const e of await r.certificates.queryFilter(
    r.certificates.filters.ProsumerDeauthorized(),
    fromBlock,
  )) {
    out.push({
      period: Number(e.args.fromPeriod),
      kind: "prosumer deauthorized",
      subject: e.args.meter,
      detail: `peak ${e.args.peakGenerationW} W over certified ${e.args.installedCapacityW} W + ${Number(e.args.toleranceBps) / 100}% (proven by ${e.args.prover})`,
    });
  }
  for (const x of r.refusals.values()) {
    out.push({
      period: x.period,
      kind: "reading refused",
      subject: x.meter,
      detail: `${x.code} at ${x.nodes} node(s): ${x.reason}`,
    });
  }
  return out.sort((a, b) => a.period - b.period);
}

function periodRows(r: DemoRun): ReportPeriod[] {
  const rows: ReportPeriod[] = [];
  for (const c of r.grid.clusters) {
    for (let p = W; p <= r.lastPeriod; p++) {
      const b = r.batches.get(`${c.clusterId}:${p}`)!;
      rows.push({
        clusterId: c.clusterId,
        period: p,
        loadWh: Number(b.totalLoadWh),
        generationWh: Number(b.totalGenerationWh),
        psa: b.status === ACCEPTED ? Number(b.psa) / Number(FIXED_ONE) : 1,
        status: BATCH_STATUS[Number(b.status)]!,
        parentOverruled: b.parentOverruled,
      });
    }
  }
  return rows;
}

async function weekRows(r: DemoRun): Promise<ReportWeek[]> {
  const out: ReportWeek[] = [];
  for (const f of r.forecasts) {
    let load = 0n;
    let gen = 0n;
    for (let p = f.week * W; p < (f.week + 1) * W; p++) {
      load += sumData(r.opts.buildings, p + r.dataOffset, "loadWh");
      gen += sumData(r.opts.buildings, p + r.dataOffset, "generationWh");
    }
    const t = await r.tariffs.tariffOf(f.week);
    out.push({
      week: f.week,
      forecastLoadWh: Number(f.loadWh),
      forecastGenerationWh: Number(f.generationWh),
      actualLoadWh: Number(load),
      actualGenerationWh: Number(gen),
      importRate: Number(t.importRate),
      exportRate: Number(t.exportRate),
      fallback: t.isFallback,
    });
  }
  return out;
}

function billRows(r: DemoRun): ReportBill[] {
  return r.bills.map(({ slot, meter, bill, settled }) => ({
    building: slot.building,
    meter,
    week: bill.week,
    charge: Number(bill.charge) / NANO_PER_UNIT,
    credit: Number(bill.credit) / NANO_PER_UNIT,
    net: Number(bill.net) / NANO_PER_UNIT,
    settled,
    curtailedWh: Number(bill.curtailedExportWh),
    importWh: Number(bill.importWh),
    exportWh: Number(bill.exportWh),
    readings: bill.readings,
  }));
}

async function knownContracts(grid: GridSetup): Promise<KnownContract[]> {
  const out: KnownContract[] = [];
  for (const [name, address] of Object.entries(grid.contracts)) {
    const c = await grid.connection.ethers.getContractAt(name, address);
    out.push({ name, address, iface: c.interface });
  }
  return out;
}

/** Run the whole demo on `connection` and write the report; returns the report and its summary. */
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
  const gas = await collectGas(ethers.provider, await knownContracts(grid), fromBlock, toBlock);
  const attacks = opts.attacks ? await observeAttacks(run) : [];
  const periods = periodRows(run);
  const bills = billRows(run);
  const report: DemoReport = {
    title: `GridShare demo: ${opts.weeks} week(s), ${opts.buildings.length} homes`,
    generatedAt: new Date().toISOString(),
    seed: opts.seed,
    weeks: opts.weeks,
    buildings: [...opts.buildings],
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
      "Bills: quoted and settled by the Billing contract from the readings' Merkle proofs (each quote cross-checked with lib/billing.ts); MES of every surplus period computed with lib/mes.ts and compared with Billing.mesOf.",
    ],
  };
  const file = path.resolve(opts.reportPath);
  const summary = summarise(report, run.mes, file, Date.now() - started);
  report.summary = summary.cards;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderReport(report));
  return { report, reportPath: file, summary };
}
