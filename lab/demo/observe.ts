/** What the demo report shows, read back from the chain, the gateways and the data files after a run. */
import { FIXED_ONE } from "../../lib/constants.js";
import { loadBuilding } from "../data/citylearn.js";
import type {
  ReportAttack,
  ReportBill,
  ReportEvent,
  ReportPeriod,
  ReportVoter,
  ReportWeek,
} from "../report/model.js";
import type { GridSetup } from "./setup.js";
import type { KnownContract } from "./gas.js";
import { LIE_EXTRA_LOAD_WH } from "./attacks.js";
import { NANO_PER_UNIT, W, short, type DemoRun } from "./session.js";
import { BatchStatus, MeterStatus } from "../../lib/chain/schema.js";

export function sumData(
  buildings: readonly number[],
  dataPeriod: number,
  field: "loadWh" | "generationWh",
): bigint {
  let s = 0n;
  for (const b of buildings) s += loadBuilding(b).periods[dataPeriod]![field];
  return s;
}

export async function observeAttacks(r: DemoRun): Promise<ReportAttack[]> {
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
    scenario: `lying parent: cluster ${lie.clusterId}'s parent attests load +${LIE_EXTRA_LOAD_WH} Wh in period ${lie.period} (${voters} voters)`,
    period: lie.period,
    expected: outvoted
      ? "neighbours outvote it; honest totals accepted; parent overruled with a fault"
      : "no digest reaches 2 of 2: the batch is Disputed and nothing of it counts (no fault without a winner)",
    observed:
      `batch ${BatchStatus.nameOf(lb.status)}, load ${lb.totalLoadWh} Wh (data: ${honestLoad}), ` +
      `parent overruled: ${lb.parentOverruled ? "yes" : "no"}, fault recorded: ${liarFaults.length}`,
    held: outvoted
      ? lb.status === BatchStatus.Accepted &&
        lb.parentOverruled &&
        lb.totalLoadWh === honestLoad &&
        liarFaults.length === 1
      : lb.status === BatchStatus.Disputed && liarFaults.length === 0,
  });

  const fv = r.verdicts.forgery;
  out.push({
    scenario: `forged reading: an outsider key signs a reading for building ${a.forgery.building}'s meter (period ${a.forgery.period})`,
    period: a.forgery.period,
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
    period: t.alarmPeriod,
    expected:
      "alarm marks it Tampered from that period; altered reading refused; replacement counts from the next period",
    observed:
      `tamper alarms: ${alarms.length}, status now ${MeterStatus.nameOf(info.status)}, ` +
      `counts until period ${info.untilPeriod}; altered reading refused by ${tv.filter((v) => !v.ok).length}/${tv.length} node(s); ` +
      `batch ${t.alarmPeriod}: ${atAlarm.leafCount} leaves, batch ${t.alarmPeriod + 1}: ${after.leafCount} leaves (replacement ${short(slot.wallet.address)})`,
    held:
      alarms.length === 1 &&
      Number(info.untilPeriod) === t.alarmPeriod &&
      info.replacedBy.toLowerCase() === slot.wallet.address.toLowerCase() &&
      tv.length > 0 &&
      tv.every((v) => !v.ok) &&
      Number(atAlarm.leafCount) === size - 1 &&
      after.status === BatchStatus.Accepted &&
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
    period: oc.period,
    expected,
    observed: x?.proven
      ? `deauthorized from period ${events[0]?.args.fromPeriod ?? "?"}; authorized capacity now ${cap} W`
      : `not proven: ${x?.reason ?? "the scenario did not run"}`,
    held: x?.proven === true && cap === 0n && events.length === 1,
  });
  return out;
}

/**
 * Per node: ledger submissions it sent (transactions behind the ledger's vote events), its attestations on
 * record (each batch's voter set and record), faults from the ledger, readings from its gateway.
 */
export async function voterRows(r: DemoRun, fromBlock: number): Promise<ReportVoter[]> {
  const { ledger } = r.grid;
  const events = [
    ...(await ledger.queryFilter(ledger.filters.AttestationsRecorded(), fromBlock)),
    ...(await ledger.queryFilter(ledger.filters.BatchAccepted(), fromBlock)),
  ];
  const senders = new Map<string, string>();
  for (const e of events) senders.set(e.transactionHash, (await e.getTransaction()).from);
  const attested = new Map<string, number>();
  for (const key of r.batches.keys()) {
    const [clusterId, period] = key.split(":").map(Number);
    const v = await ledger.votesOf(clusterId!, period!);
    v.voters.forEach((node, slot) => {
      if ((v.votedMask & (1n << BigInt(slot))) !== 0n) attested.set(node, (attested.get(node) ?? 0) + 1);
    });
  }
  return Promise.all(
    r.grid.nodes.map(async (n) => ({
      node: n.signer.address,
      parentOf: n.clusterId,
      submissions: [...senders.values()].filter((from) => from === n.signer.address).length,
      attestations: attested.get(n.signer.address) ?? 0,
      faults: Number(await ledger.faults(n.signer.address)),
      ...gatewayCounts(r, n.signer.address),
    })),
  );
}

export function gatewayCounts(
  r: DemoRun,
  node: string,
): Pick<ReportVoter, "readingsAccepted" | "readingsRefused"> {
  const c = r.gatewayCounters.find((g) => g.node === node)?.counters;
  return c
    ? { readingsAccepted: c.readings_accepted ?? 0, readingsRefused: c.readings_quarantined ?? 0 }
    : {};
}

export async function eventRows(r: DemoRun, fromBlock: number): Promise<ReportEvent[]> {
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

export function periodRows(r: DemoRun): ReportPeriod[] {
  const rows: ReportPeriod[] = [];
  for (const c of r.grid.clusters) {
    for (let p = W; p <= r.lastPeriod; p++) {
      const b = r.batches.get(`${c.clusterId}:${p}`)!;
      rows.push({
        clusterId: c.clusterId,
        period: p,
        loadWh: Number(b.totalLoadWh),
        generationWh: Number(b.totalGenerationWh),
        psa: b.status === BatchStatus.Accepted ? Number(b.psa) / Number(FIXED_ONE) : 1,
        status: BatchStatus.nameOf(b.status),
        parentOverruled: b.parentOverruled,
      });
    }
  }
  return rows;
}

export async function weekRows(r: DemoRun): Promise<ReportWeek[]> {
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

export function billRows(r: DemoRun): ReportBill[] {
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

export async function gasContracts(grid: GridSetup): Promise<KnownContract[]> {
  const out: KnownContract[] = [];
  for (const [name, address] of Object.entries(grid.contracts)) {
    const c = await grid.connection.ethers.getContractAt(name, address);
    out.push({ name, address, iface: c.interface });
  }
  return out;
}

/** Run the whole demo on `connection` and write the report; returns the report and its summary. */
