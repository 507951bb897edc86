/**
 * The demo's self-contained HTML report: no external script, style or font, so it opens anywhere.
 * Tables are rendered here; plots are drawn in the page by a small inline SVG renderer from the embedded
 * data, and each plot marks itself `data-rendered="true"` once drawn (the browser test checks it).
 */
import type { DemoReport } from "./model.js";

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

function table(id: string, headers: string[], rows: Cell[][]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c) => `<td${typeof c === "number" ? ' class="num"' : ""}>${escapeHtml(cellText(c))}</td>`).join("")}</tr>`,
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
th,td{padding:4px 8px;border-bottom:1px solid #e5e8ec;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#eef3f8;border-radius:6px;padding:8px 12px;min-width:130px}
.card b{display:block;font-size:18px}.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
figure{margin:0}.plots figure:only-child{max-width:640px}figcaption{font-weight:600;margin-bottom:4px}svg{width:100%;height:auto;background:#fbfcfd;border:1px solid #e5e8ec}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.ok{color:#11703a}.bad{color:#b3261e}
`;

/** Inline chart renderer: line charts and grouped bar charts into SVG. Plain ES2017, no dependencies. */
const SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var NS = "http://www.w3.org/2000/svg", W = 560, H = 240, L = 56, R = 12, T = 12, B = 30;
  var COLORS = ["#1f77b4","#ff7f0e","#2ca02c","#d62728","#9467bd","#8c564b","#e377c2","#17becf"];
  function el(name, attrs, parent){ var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
  function fmt(v){ var a = Math.abs(v); if (a >= 1e6) return (v/1e6).toFixed(1)+"M"; if (a >= 1e3) return (v/1e3).toFixed(1)+"k"; return (Math.round(v*100)/100).toString(); }
  function frame(fig, ymin, ymax, xlabel){
    var svg = el("svg", {viewBox: "0 0 "+W+" "+H, role: "img"}, fig);
    for (var i = 0; i <= 4; i++){ var y = T + (H-T-B) * i/4, v = ymax - (ymax-ymin)*i/4;
      el("line", {x1: L, x2: W-R, y1: y, y2: y, stroke: "#e3e6ea"}, svg);
      el("text", {x: L-6, y: y+4, "text-anchor": "end", "font-size": 10, fill: "#667"}, svg).textContent = fmt(v); }
    el("text", {x: (L+W-R)/2, y: H-6, "text-anchor": "middle", "font-size": 10, fill: "#667"}, svg).textContent = xlabel;
    return svg;
  }
  function legend(fig, names){ var d = document.createElement("div"); d.className = "legend";
    names.forEach(function(n, i){ var s = document.createElement("span"); var c = document.createElement("i"); c.style.background = COLORS[i % COLORS.length]; s.appendChild(c); s.appendChild(document.createTextNode(n)); d.appendChild(s); });
    fig.appendChild(d); }
  function lines(fig, series, xlabel){
    var all = []; series.forEach(function(s){ all = all.concat(s.values); });
    if (!all.length) throw new Error("plot " + fig.dataset.plot + " has no data");
    var ymin = Math.min(0, Math.min.apply(null, all)), ymax = Math.max.apply(null, all); if (ymax === ymin) ymax = ymin + 1;
    var svg = frame(fig, ymin, ymax, xlabel), n = Math.max.apply(null, series.map(function(s){ return s.values.length; }));
    series.forEach(function(s, i){
      var d = s.values.map(function(v, j){ var x = L + (W-L-R) * (n > 1 ? j/(n-1) : 0.5), y = T + (H-T-B) * (ymax - v)/(ymax - ymin); return (j ? "L" : "M") + x.toFixed(1) + "," + y.toFixed(1); }).join("");
      el("path", {d: d, fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 1.4}, svg);
    });
    legend(fig, series.map(function(s){ return s.name; }));
    return all.length;
  }
  function bars(fig, labels, series, xlabel){
    var all = [0]; series.forEach(function(s){ all = all.concat(s.values); });
    var ymin = Math.min.apply(null, all), ymax = Math.max.apply(null, all); if (ymax === ymin) ymax = ymin + 1;
    var svg = frame(fig, ymin, ymax, xlabel), group = (W-L-R) / Math.max(1, labels.length), bw = group * 0.8 / series.length;
    var zero = T + (H-T-B) * ymax/(ymax - ymin);
    labels.forEach(function(lab, j){
      series.forEach(function(s, i){ var v = s.values[j], y = T + (H-T-B) * (ymax - v)/(ymax - ymin);
        el("rect", {x: (L + group*j + group*0.1 + bw*i).toFixed(1), y: Math.min(y, zero).toFixed(1), width: bw.toFixed(1), height: Math.max(1, Math.abs(zero - y)).toFixed(1), fill: COLORS[i % COLORS.length]}, svg); });
      el("text", {x: L + group*(j+0.5), y: H-B+12, "text-anchor": "middle", "font-size": 9, fill: "#445"}, svg).textContent = lab;
    });
    legend(fig, series.map(function(s){ return s.name; }));
    return labels.length * series.length;
  }
  var renderers = {
    "load-generation": function(fig){ var id = Number(fig.dataset.cluster);
      var ps = data.periods.filter(function(p){ return p.clusterId === id; });
      return lines(fig, [{name: "load (Wh)", values: ps.map(function(p){ return p.loadWh; })}, {name: "generation (Wh)", values: ps.map(function(p){ return p.generationWh; })}], "4-hour period"); },
    "psa": function(fig){ return lines(fig, data.clusters.map(function(c){ return {name: "cluster " + c.clusterId, values: data.periods.filter(function(p){ return p.clusterId === c.clusterId; }).map(function(p){ return p.psa; })}; }), "4-hour period (PSA = 1: no curtailment)"); },
    "forecast": function(fig){ var f = data.forecasts; if (!f.length) throw new Error("no forecast weeks");
      return bars(fig, f.map(function(w){ return "week " + w.week; }), [
        {name: "forecast load", values: f.map(function(w){ return w.forecastLoadWh; })}, {name: "actual load", values: f.map(function(w){ return w.actualLoadWh; })},
        {name: "forecast generation", values: f.map(function(w){ return w.forecastGenerationWh; })}, {name: "actual generation", values: f.map(function(w){ return w.actualGenerationWh; })}], "Wh per week"); },
    "bills": function(fig){ var homes = {}; data.bills.forEach(function(b){ homes[b.building] = (homes[b.building] || 0) + b.net; });
      var keys = Object.keys(homes).sort(function(a, b){ return a - b; }); if (!keys.length) throw new Error("no bills");
      return bars(fig, keys.map(function(k){ return "B" + k; }), [{name: "net bill over the run (negative = credit)", values: keys.map(function(k){ return homes[k]; })}], "home"); }
  };
  Array.prototype.forEach.call(document.querySelectorAll("figure[data-plot]"), function(fig){
    // One failing plot must not hide the others: report it and go on.
    try {
      var points = renderers[fig.dataset.plot](fig);
      fig.setAttribute("data-points", String(points));
      fig.setAttribute("data-rendered", "true");
    } catch (e) { console.error("plot " + fig.dataset.plot + " did not render: " + e.message); }
  });
})();
`;

export function renderReport(r: DemoReport): string {
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
  const accepted = r.periods.filter((p) => p.status === "accepted").length;
  const batchRows = r.periods
    .filter((p) => p.status !== "accepted" || p.parentOverruled || p.psa < 1)
    .map((p): Cell[] => [
      p.clusterId,
      p.period,
      p.status,
      p.parentOverruled ? "yes" : "",
      p.loadWh,
      p.generationWh,
      p.psa,
    ]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(r.title)}</title><style>${STYLE}</style></head>
<body>
<header><h1>${escapeHtml(r.title)}</h1>
<div>${r.weeks} week(s) of real data, buildings ${escapeHtml(r.buildings.join(", "))}, seed "${escapeHtml(r.seed)}", chain ${escapeHtml(r.chainId)}, generated ${escapeHtml(r.generatedAt)}</div></header>
<main>
<section><h2>Summary</h2><div class="cards">${cards}</div>${notes}</section>
<section><h2>Load and generation per cluster</h2><div class="plots">${clusterFigures}</div></section>
<section><h2>Curtailment</h2><div class="plots">
<figure data-plot="psa"><figcaption>Percentage share allocation (PSA) over time</figcaption></figure>
<figure data-plot="forecast"><figcaption>Weekly forecast vs actual (whole grid)</figcaption></figure>
</div></section>
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
<section><h2>Batches</h2><p>${accepted} of ${r.periods.length} cluster-periods accepted. Listed: every batch that was not accepted, overruled a parent, or was curtailed.</p>
${table("batches", ["cluster", "period", "status", "parent overruled", "load Wh", "generation Wh", "PSA"], batchRows)}</section>
<section><h2>Attestations and faults</h2>${table(
    "voters",
    [
      "node",
      "submissions",
      "attestations on record",
      "faults",
      "readings accepted (gateway)",
      "readings quarantined",
    ],
    r.voters.map((v) => [
      v.node,
      v.submissions,
      v.attestations,
      v.faults,
      v.readingsAccepted ?? "",
      v.readingsRefused ?? "",
    ]),
  )}</section>
<section><h2>Alarms and refusals</h2>${table(
    "events",
    ["period", "kind", "subject", "detail"],
    r.events.map((e) => [e.period, e.kind, e.subject, e.detail]),
  )}</section>
<section><h2>Injected attacks</h2>${table(
    "attacks",
    ["scenario", "expected", "observed", "held"],
    r.attacks.map((a) => [
      a.scenario,
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
<script>${SCRIPT}</script>
</body></html>
`;
}
