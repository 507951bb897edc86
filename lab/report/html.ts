/**
 * The demo's self-contained HTML report: no external script, style or font, so it opens anywhere offline.
 * Tables are rendered here; plots are drawn in the page from the embedded data by page.js with uPlot, both
 * inlined (lab/report/assets.ts), and each plot marks itself `data-rendered="true"` once drawn (the
 * browser test checks it).
 */
import type { DemoReport, ReportPeriod } from "./model.js";
import { pageAssets } from "./assets.js";
import { periodWhen, utcStamp } from "./time.js";

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

type Cell = string | number | boolean;

function cellText(c: Cell): string {
  if (typeof c === "number") return Number.isInteger(c) ? c.toLocaleString("en-US") : c.toFixed(3);
  return String(c);
}

/**
 * An HTML table; `rowData` gives each row's data-* attributes (the page's filters read them). Date columns
 * (their header starts with "when") do not wrap.
 */
function table(
  id: string,
  headers: string[],
  rows: Cell[][],
  rowData?: (i: number) => Record<string, string>,
): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const attrs = (i: number) =>
    Object.entries(rowData?.(i) ?? {})
      .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
      .join("");
  const classOf = (c: Cell, col: number) =>
    typeof c === "number" ? ' class="num"' : headers[col]?.startsWith("when") ? ' class="when"' : "";
  const body = rows
    .map(
      (r, i) =>
        `<tr${attrs(i)}>${r.map((c, col) => `<td${classOf(c, col)}>${escapeHtml(cellText(c))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const short = (a: string) => `${a.slice(0, 8)}…${a.slice(-4)}`;

/** Serialise data for a <script type="application/json"> block: `<` is escaped so no tag can close it. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#12324a;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
main{padding:12px 28px 40px;max-width:1200px}section{background:#fff;border-radius:8px;padding:14px 18px;margin:14px 0;box-shadow:0 1px 2px #0001}
h2{font-size:17px;margin:4px 0 10px}table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:4px 8px;border-bottom:1px solid #e5e8ec;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}td.when{white-space:nowrap}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#eef3f8;border-radius:6px;padding:8px 12px;min-width:130px}
.card b{display:block;font-size:18px}.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
figure{margin:0;min-width:0}.plots figure:only-child{max-width:640px}figcaption{font-weight:600;margin-bottom:4px}
.u-over .tip{position:absolute;z-index:5;pointer-events:none;background:#fffffff2;border:1px solid #c9d0d8;border-radius:5px;padding:5px 8px;font-size:12px;line-height:1.35;width:max-content;max-width:330px;box-shadow:0 2px 6px #0002}
.tip i,.key i{display:inline-block;width:9px;height:9px;margin-right:5px;border-radius:2px}
.key{font-size:12px;color:#445;margin:6px 0 0}.key span{margin-right:14px}
.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;margin:6px 0 8px;font-size:13px}
.filters input[type=search]{width:260px;padding:3px 6px}.filters output{color:#445}
.ok{color:#11703a}.bad{color:#b3261e}
`;

/** The key to the shaded periods of the time plots (colours as in page.js). */
const MARKS_KEY =
  '<p class="key"><span><i style="background:#c62828"></i>A1, A2, ...: injected attack (see Injected attacks)</span>' +
  '<span><i style="background:#e08a00"></i>▲ alarm, fault or refused reading (see Alarms and refusals)</span>' +
  "<span>hover a plot for values; drag to zoom, double-click to reset</span></p>";

/** Notable batches are listed by default: not accepted, a parent overruled, or export curtailed. */
const notable = (p: ReportPeriod) => p.status !== "accepted" || p.parentOverruled || p.psa < 1;

/** The batches table with its filters (page.js applies them). */
function batchesSection(r: DemoReport): string {
  const accepted = r.periods.filter((p) => p.status === "accepted").length;
  const statuses = [...new Set(r.periods.map((p) => p.status))];
  const option = (value: string, label: string) =>
    `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`;
  const filters =
    `<div class="filters"><label>text <input id="batch-text" type="search" placeholder="e.g. disputed, Tue 25 Apr, 12:00"></label>` +
    `<label>status <select id="batch-status">${option("", "all")}${statuses.map((s) => option(s, s)).join("")}</select></label>` +
    `<label>cluster <select id="batch-cluster">${option("", "all")}${r.clusters.map((c) => option(String(c.clusterId), String(c.clusterId))).join("")}</select></label>` +
    `<label><input id="batch-notable" type="checkbox" checked> only notable (not accepted, parent overruled, or curtailed)</label>` +
    `<output id="batch-count"></output></div>`;
  return `<section><h2>Batches</h2><p>${accepted} of ${r.periods.length} cluster-periods accepted.</p>${filters}
${table(
  "batches",
  ["cluster", "period", "when (data, UTC)", "status", "parent overruled", "load Wh", "generation Wh", "PSA"],
  r.periods.map((p) => [
    p.clusterId,
    p.period,
    periodWhen(r.time, p.period),
    p.status,
    p.parentOverruled ? "yes" : "",
    p.loadWh,
    p.generationWh,
    p.psa,
  ]),
  (i) => {
    const p = r.periods[i]!;
    return { status: p.status, cluster: String(p.clusterId), notable: notable(p) ? "1" : "0" };
  },
)}</section>`;
}

function votersSection(r: DemoReport): string {
  return `<section><h2>Attestations and faults</h2><p>Submissions: the ledger transactions each node sent (one
carries many cluster-periods' attestations). Attestations on record: the node's own signed attestations on the
ledger, whoever carried them; they cover every cluster-period the node votes in.</p>${table(
    "voters",
    [
      "node",
      "parent of",
      "submissions",
      "attestations on record",
      "faults",
      "readings accepted (gateway)",
      "readings quarantined",
    ],
    r.voters.map((v) => [
      v.node,
      v.parentOf === undefined ? "" : `cluster ${v.parentOf}`,
      v.submissions,
      v.attestations,
      v.faults,
      v.readingsAccepted ?? "",
      v.readingsRefused ?? "",
    ]),
  )}</section>`;
}

export function renderReport(r: DemoReport): string {
  const assets = pageAssets();
  const cards = Object.entries(r.summary)
    .map(
      ([k, v]) =>
        `<div class="card">${escapeHtml(k)}<b>${escapeHtml(typeof v === "number" ? cellText(v) : v)}</b></div>`,
    )
    .join("");
  const notes = r.notes?.length
    ? `<ul class="notes">${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`
    : "";
  const clusterFigures = r.clusters
    .map(
      (c) =>
        `<figure data-plot="load-generation" data-cluster="${c.clusterId}"><figcaption>Cluster ${c.clusterId}: load vs generation</figcaption></figure>`,
    )
    .join("\n");
  const periods = r.periods.map((p) => p.period);
  const span = periods.length
    ? `data from ${utcStamp(r.time.dataStart + Math.min(...periods) * r.time.periodSeconds)} to ` +
      `${utcStamp(r.time.dataStart + (Math.max(...periods) + 1) * r.time.periodSeconds)} UTC`
    : "no periods played";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(r.title)}</title>
<!-- ${escapeHtml(assets.chartNotice)} -->
<style>${assets.chartCss}</style><style>${STYLE}</style></head>
<body>
<header><h1>${escapeHtml(r.title)}</h1>
<div>${r.weeks} week(s) of real data (${escapeHtml(span)}), buildings ${escapeHtml(r.buildings.join(", "))}, seed "${escapeHtml(r.seed)}", chain ${escapeHtml(r.chainId)}, generated ${escapeHtml(r.generatedAt)}</div></header>
<main>
<section><h2>Summary</h2><div class="cards">${cards}</div>${notes}</section>
<section><h2>Load and generation per cluster</h2><div class="plots">${clusterFigures}</div>${MARKS_KEY}</section>
<section><h2>Curtailment</h2><div class="plots">
<figure data-plot="psa"><figcaption>Percentage share allocation (PSA) over time</figcaption></figure>
<figure data-plot="forecast"><figcaption>Weekly forecast vs actual (whole grid)</figcaption></figure>
</div>${MARKS_KEY}</section>
<section><h2>Bills</h2><div class="plots"><figure data-plot="bills"><figcaption>Net bill per home</figcaption></figure></div>
${table(
  "bills",
  ["home", "meter", "week", "charge", "credit", "net", "curtailed Wh", "settled"],
  r.bills.map((b) => [
    b.building,
    short(b.meter),
    b.week,
    b.charge,
    b.credit,
    b.net,
    b.curtailedWh,
    b.settled ? "yes" : "no",
  ]),
)}</section>
<section><h2>Tariffs</h2>${table(
    "tariffs",
    [
      "week",
      "forecast load Wh",
      "forecast gen Wh",
      "actual load Wh",
      "actual gen Wh",
      "import µ/kWh",
      "export µ/kWh",
      "fallback",
    ],
    r.forecasts.map((w) => [
      w.week,
      w.forecastLoadWh,
      w.forecastGenerationWh,
      w.actualLoadWh,
      w.actualGenerationWh,
      w.importRate,
      w.exportRate,
      w.fallback ? "yes" : "",
    ]),
  )}</section>
${batchesSection(r)}
${votersSection(r)}
<section><h2>Alarms and refusals</h2>${table(
    "events",
    ["period", "when (data, UTC)", "kind", "subject", "detail"],
    r.events.map((e) => [e.period, periodWhen(r.time, e.period), e.kind, e.subject, e.detail]),
  )}</section>
<section><h2>Injected attacks</h2>${table(
    "attacks",
    ["", "scenario", "when (data, UTC)", "expected", "observed", "held"],
    r.attacks.map((a, i) => [
      `A${i + 1}`,
      a.scenario,
      a.period === undefined ? "" : periodWhen(r.time, a.period),
      a.expected,
      a.skipped ? `skipped: ${a.skipped}` : a.observed,
      a.skipped ? "skipped" : a.held ? "✔" : "✘",
    ]),
  )}</section>
<section><h2>Gas spent</h2>${table(
    "gas",
    ["operation", "transactions", "total gas", "average gas"],
    r.gas.map((g) => [g.operation, g.count, g.totalGas, g.count ? Math.round(g.totalGas / g.count) : 0]),
  )}</section>
<section><h2>Contracts</h2>${table(
    "contracts",
    ["contract", "address"],
    Object.entries(r.contracts).map(([k, v]) => [k, v]),
  )}</section>
</main>
<script type="application/json" id="report-data">${embedJson(r)}</script>
<script>${assets.chartJs}</script>
<script>${assets.pageJs}</script>
</body></html>
`;
}
