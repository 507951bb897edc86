/** What the demo records while it runs and the HTML report shows. Plain data: JSON-serialisable numbers and strings. */
import type { BatchStatusName } from "../../lib/chain/schema.js";

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
  status: BatchStatusName;
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
  /** The cluster this node is the parent of, when it is one. */
  parentOf?: number;
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
  /** The grid period the attack was injected in (marked on the time axis). */
  period?: number;
  expected: string;
  observed: string;
  held: boolean;
  /** Why the scenario was not run (then `held` is meaningless and shown as skipped). */
  skipped?: string;
}

/** How grid periods map to time. Period p covers [start + p * periodSeconds, start + (p + 1) * periodSeconds). */
export interface ReportTime {
  /** Unix seconds (UTC) at which grid period 0 starts on the chain: the grid epoch. */
  chainEpoch: number;
  /** Unix seconds (UTC) of the data hour grid period 0 plays: the plots' time axis is the data's time. */
  dataStart: number;
  periodSeconds: number;
}

export interface DemoReport {
  title: string;
  generatedAt: string;
  seed: string;
  weeks: number;
  buildings: number[];
  time: ReportTime;
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
