/** The short summary printed at the end of a demo run (and the report's summary cards). */
import type { DemoReport } from "../report/model.js";

export interface DemoSummary {
  /** Label -> value, in display order: the report's cards and the printed lines. */
  cards: Record<string, number | string>;
  reportPath: string;
  seconds: number;
  attacksHeld: number;
  attacksRun: number;
}

const round = (v: number, places: number) => Math.round(v * 10 ** places) / 10 ** places;

export function summarise(
  report: DemoReport,
  mes: { computed: number; disagreements: number },
  reportPath: string,
  elapsedMs: number,
): DemoSummary {
  const accepted = report.periods.filter((p) => p.status === "accepted").length;
  const disputed = report.periods.filter((p) => p.status === "disputed").length;
  const surplus = report.periods.filter((p) => p.status === "accepted" && p.psa < 1).length;
  const minPsa = Math.min(1, ...report.periods.filter((p) => p.status === "accepted").map((p) => p.psa));
  const run = report.attacks.filter((a) => !a.skipped);
  const held = run.filter((a) => a.held).length;
  const cards: Record<string, number | string> = {
    "homes (meters)": report.buildings.length,
    clusters: report.clusters.length,
    "weeks played": report.weeks,
    "batches accepted": `${accepted} / ${report.periods.length}`,
    "batches disputed": disputed,
    "parents overruled": report.periods.filter((p) => p.parentOverruled).length,
    "readings refused": report.events.filter((e) => e.kind === "reading refused").length,
    "surplus cluster-periods": surplus,
    "lowest PSA": round(minPsa, 3),
    "MES computed (prosumer-periods)": mes.computed,
    "MES disagreeing with chain": mes.disagreements,
    "export curtailed (kWh)": round(report.bills.reduce((s, b) => s + b.curtailedWh, 0) / 1000, 1),
    "bills (settled)": `${report.bills.length} (${report.bills.filter((b) => b.settled).length})`,
    "net billed (currency)": round(
      report.bills.reduce((s, b) => s + b.net, 0),
      2,
    ),
    "gas used": report.gas.reduce((s, g) => s + g.totalGas, 0),
    "attacks held": `${held} / ${run.length}`,
  };
  return {
    cards,
    reportPath,
    seconds: round(elapsedMs / 1000, 1),
    attacksHeld: held,
    attacksRun: run.length,
  };
}

export function formatSummary(s: DemoSummary): string {
  const width = Math.max(...Object.keys(s.cards).map((k) => k.length));
  const lines = Object.entries(s.cards).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  return [`GridShare demo finished in ${s.seconds} s`, ...lines, `Report: ${s.reportPath}`].join("\n");
}
