/** Prometheus text exposition (format 0.0.4) of the gateway's durable counters and a few gauges. */
import type { CounterName } from "./store.js";

const HELP: Record<CounterName, string> = {
  readings_accepted: "Meter readings verified and stored",
  readings_duplicate: "Identical readings received again (idempotent, not stored twice)",
  readings_withdrawn: "Accepted readings withdrawn because their meter signed a conflicting one",
  readings_late: "Valid readings that arrived after their period's batch was built",
  readings_quarantined: "Refused readings kept in the quarantine with their reason",
  meters_compromised: "Meter-periods with two different signed readings (tamper alarm)",
  batches_built: "Cluster-period batches built from this node's copy of the readings",
  batches_empty: "Cluster-periods closed without any reading",
  attestations_on_chain: "This node's attestations on record on the ledger (sent by itself or a peer)",
  attestations_received: "Other voters' attestations verified and held for submission",
  attestations_forwarded: "This node's attestations handed to the other voters' gateways",
  tamper_reports: "reportTamper transactions confirmed on chain",
  tx_sent: "Transactions mined successfully",
  tx_retries: "Outbox actions deferred after a transient error",
  tx_reverted: "Transactions mined but reverted",
  tx_rejected: "Actions refused before sending: the call would revert for a reason waiting cannot fix",
  quarantine_dropped: "Refused readings not kept: their source had spent its quarantine allowance",
};

export interface Gauge {
  readonly name: string;
  readonly help: string;
  readonly value: number;
  readonly labels?: Readonly<Record<string, string | number>>;
}

function labelText(labels?: Readonly<Record<string, string | number>>): string {
  if (!labels || Object.keys(labels).length === 0) return "";
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return `{${parts.join(",")}}`;
}

/** Render counters (as `gridshare_gateway_<name>_total`) and gauges. */
export function renderMetrics(
  counters: Readonly<Record<CounterName, number>>,
  gauges: readonly Gauge[],
): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(counters) as [CounterName, number][]) {
    const m = `gridshare_gateway_${name}_total`;
    lines.push(`# HELP ${m} ${HELP[name]}`, `# TYPE ${m} counter`, `${m} ${value}`);
  }
  const seen = new Set<string>();
  for (const g of gauges) {
    const m = `gridshare_gateway_${g.name}`;
    if (!seen.has(m)) {
      lines.push(`# HELP ${m} ${g.help}`, `# TYPE ${m} gauge`);
      seen.add(m);
    }
    lines.push(`${m}${labelText(g.labels)} ${g.value}`);
  }
  return lines.join("\n") + "\n";
}
