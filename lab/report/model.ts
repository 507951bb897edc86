/** What the demo records while it runs and the HTML report shows. Plain data: JSON-serialisable numbers and strings. */

export interface ReportMeter {
  building: number;
  address: string;
  kind: string;
  capacityW: number;
}

export interface ReportCluster {
  clusterId: number;
  parent: string;
  neighbours: string[];
  meters: ReportMeter[];
}

export interface ReportPeriod {
  clusterId: number;
  period: number;
  loadWh: number;
  generationWh: number;
  /** PSA as a fraction (1 = no curtailment). */
  psa: number;
  status: "accepted" | "disputed" | "pending" | "none";
  parentOverruled: boolean;
}

export interface ReportWeek {
  week: number;
  forecastLoadWh: number;
  forecastGenerationWh: number;
  actualLoadWh: number;
  actualGenerationWh: number;
  /** micro-units per kWh */
  importRate: number;
  exportRate: number;
  fallback: boolean;
}

export interface ReportBill {
  building: number;
  meter: string;
  week: number;
  /** currency units (converted from nano-units for display) */
  charge: number;
  credit: number;
  net: number;
  settled: boolean;
  curtailedWh: number;
  /** Energy billed (Wh), when known. */
  importWh?: number;
  exportWh?: number;
  /** Readings billed (periods in which the meter counted). */
  readings?: number;
}

export interface ReportVoter {
  node: string;
  /** Ledger submissions the node sent (each carries one or more cluster-periods' attestations). */
  submissions: number;
  /** The node's attestations on record (sent by itself or carried by a peer). */
  attestations: number;
  faults: number;
  /** The node's gateway: readings it accepted and quarantined (when known). */
  readingsAccepted?: number;
  readingsRefused?: number;
}

export interface ReportEvent {
  period: number;
  kind: string;
  subject: string;
  detail: string;
}

export interface ReportGas {
  operation: string;
  count: number;
  totalGas: number;
}

export interface ReportAttack {
  scenario: string;
  expected: string;
  observed: string;
  held: boolean;
  /** Why the scenario was not run (then `held` is meaningless and shown as skipped). */
  skipped?: string;
}

export interface DemoReport {
  title: string;
  generatedAt: string;
  seed: string;
  weeks: number;
  buildings: number[];
  chainId: string;
  contracts: Record<string, string>;
  clusters: ReportCluster[];
  periods: ReportPeriod[];
  forecasts: ReportWeek[];
  bills: ReportBill[];
  voters: ReportVoter[];
  events: ReportEvent[];
  gas: ReportGas[];
  attacks: ReportAttack[];
  summary: Record<string, number | string>;
  /** How to read the run (time mapping, stand-ins in use); shown under the summary. */
  notes?: string[];
}
