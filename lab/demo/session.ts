/** One demo run's state and its steps (the orchestration of lab/demo/run.ts). */
import { PERIODS_PER_WEEK } from "../../lib/constants.js";
import type { Bill } from "../../lib/billing/billing.js";
import { clusterShares } from "../../lib/mes/mes.js";
import { violatesTolerance } from "../../lib/certificates/certificates.js";
import { settleBill } from "../../lib/billing/ops.js";
import type { Billing, CapacityCertificates, TariffSchedule } from "../../types/ethers-contracts/index.js";
import { leafHash, verifyProof } from "../../lib/batches/merkle64.js";
import { gridDomain, signReading, type SignedReading } from "../../lib/batches/reading.js";
import { periodStart } from "../../lib/time.js";
import { GridShareError } from "../../lib/errors.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import type { GridSetup } from "./setup.js";
import type { DemoOptions } from "./options.js";
import { Progress } from "./progress.js";
import { DemoGateways, type NodeVerdict } from "./gateways.js";
import type { ReadingProof } from "../../lib/gateway/types.js";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { ledgerBatch, type LedgerBatch } from "../fixtures/batches.js";
import { DEFAULT_ATTESTATION_TIMING } from "../../lib/gateway/outbox.js";
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
import { forecastWeek } from "./tariffs.js";
import type { WeekForecast } from "../../lib/tariffs/forecaster.js";
import { certifyProsumer, OnChainTariffs } from "./dgmd.js";

export const W = PERIODS_PER_WEEK;
/** Seconds into a period at which the demo acts (the meters' readings of the previous period are due). */
export const ACT_OFFSET_S = 60n;
export const NANO_PER_UNIT = 1e9;

/** One refused reading, as every node that saw it answered. */
export interface Refusal {
  period: number;
  meter: string;
  code: string;
  reason: string;
  nodes: number;
}

export class DemoRun {
  readonly slots: MeterSlot[];
  gateways: DemoGateways | undefined;
  /** Each gateway's counters, read before the gateways stop. */
  gatewayCounters: { node: string; counters: Record<string, number> }[] = [];
  readonly fleet: MeterFleet;
  readonly batches = new Map<string, LedgerBatch>();
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
    if (this.nodes.openActions() > 0) {
      // A parent did not carry every attestation (it lied, or withheld them): later in the window each
      // neighbour whose attestation is still missing submits its own (SPEC 6 fallback).
      await this.helpers.time.increaseTo(
        periodStart(p + 1, this.grid.epoch) + BigInt(DEFAULT_ATTESTATION_TIMING.selfSubmitDelaySeconds),
      );
      await this.nodes.pump();
    }
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
    // The tolerance in force in the reading's period judges it (SPEC 8).
    const tol = await this.certificates.toleranceAt(period);
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
      if (
        p - 1 >= W &&
        open &&
        open.status !== BatchStatus.Accepted &&
        open.status !== BatchStatus.Disputed
      ) {
        await (await this.grid.ledger.finalize(c.clusterId, p - 1)).wait();
        this.batches.set(prev, await this.readBatch(c.clusterId, p - 1));
      }
      this.batches.set(`${c.clusterId}:${p}`, await this.readBatch(c.clusterId, p));
    }
  }

  async readBatch(clusterId: number, period: number): Promise<LedgerBatch> {
    return ledgerBatch(await this.grid.ledger.batchOf(clusterId, period));
  }

  /** A reading's proof from any voter that holds it, checked against the accepted root on-chain. */
  async proofFor(slot: MeterSlot, meter: string, period: number): Promise<ReadingProof | undefined> {
    const batch = this.batches.get(`${slot.clusterId}:${period}`);
    if (!batch || batch.status !== BatchStatus.Accepted) return undefined;
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
   * surplus period is computed with lib/mes/mes.ts and compared with Billing.mesOf; the bill is quoted on-chain from
   * the readings' proofs, cross-checked with lib/billing/billing.ts (settleBill), and settled.
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
        const settled = await settleBill(this.billing, {
          meter,
          week,
          proofs: proofs.map(proofStruct),
          absences: [],
        });
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
        if (b.status === BatchStatus.Accepted) accepted++;
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

/** The contract's ReadingProof struct from a gateway's proof. */
export function proofStruct(p: ReadingProof) {
  return { reading: p.reading, signature: p.signature, index: p.index, proof: p.proof };
}

export class BillMismatchError extends GridShareError {
  constructor(meter: string, week: number) {
    super(
      "BILL_MISMATCH",
      `Billing's bill of ${meter} for week ${week} differs from lib/billing/billing.ts: the twins disagree, report this`,
    );
  }
}

export const short = (a: string) => `${a.slice(0, 8)}…${a.slice(-4)}`;
