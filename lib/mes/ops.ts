/**
 * Operator view of SPEC 10 for one cluster-period: L, G, D, DF, PSA from the accepted batch and each
 * meter's MES, read from the chain and recomputed with lib/mes/mes.ts (a disagreement is shown, not hidden).
 */
import type { Billing } from "../../types/ethers-contracts/index.js";
import { BatchStatus, contractAt } from "../chain/schema.js";
import { GridShareError } from "../errors.js";
import { clusterShares, formatFixed } from "./mes.js";
import { renderTable } from "../format/table.js";
import { requireCluster } from "../registry/ops.js";
import { parseClusterId, parseUint32 } from "../args.js";

export interface MeterShare {
  meter: string;
  allowed: boolean;
  capacityW: bigint;
  mesW: bigint;
  /** floor(PSA x capacity x 4h): the export paid in this period. */
  onChainMesW: bigint;
}

export interface MesView {
  clusterId: number;
  period: number;
  loadWh: bigint;
  generationWh: bigint;
  deficitWh: bigint;
  decrementalFactor: bigint;
  psa: bigint;
  /** The PSA the ledger stored at decision; equals `psa` unless something is wrong. */
  storedPsa: bigint;
  curtailing: boolean;
  meters: MeterShare[];
  agrees: boolean;
}

export class NoAcceptedBatchError extends GridShareError {
  constructor(clusterId: number, period: number, status: string) {
    super(
      "NO_ACCEPTED_BATCH",
      `cluster ${clusterId} period ${period} has no accepted batch (status: ${status}): MES exists only once the batch is accepted`,
    );
  }
}

/** mes:show's options: the cluster-period to show. */
export function parseMesArgs(args: { cluster: string; period: string }): {
  clusterId: number;
  period: number;
} {
  return { clusterId: parseClusterId("cluster", args.cluster), period: parseUint32("period", args.period) };
}

export async function readMesView(billing: Billing, clusterId: number, period: number): Promise<MesView> {
  const runner = billing.runner;
  const registry = contractAt("ClusterRegistry", await billing.registry(), runner);
  const ledger = contractAt("IBatchLedger", await billing.ledger(), runner);
  const certificates = contractAt("ICapacityCertificates", await billing.certificates(), runner);
  await requireCluster(registry, clusterId);
  const batch = await ledger.batchOf(clusterId, period);
  if (batch.status !== BatchStatus.Accepted) {
    throw new NoAcceptedBatchError(clusterId, period, BatchStatus.nameOf(batch.status));
  }
  const meters = await registry.metersOf(clusterId);
  const raw = await Promise.all(
    meters.map(async (meter) => {
      const allowed = await registry.isReadingAllowed(meter, clusterId, period);
      const capacityW = allowed ? await certificates.authorizedCapacityAt(meter, period) : 0n;
      return { meter, allowed, capacityW, onChainMesW: await billing.mesOf(meter, period) };
    }),
  );
  const s = clusterShares(batch.totalLoadWh, batch.totalGenerationWh, raw);
  const shares = s.shares.map((x, i) => ({ ...raw[i]!, mesW: x.mesW }));
  return {
    clusterId,
    period,
    loadWh: s.loadWh,
    generationWh: s.generationWh,
    deficitWh: s.deficitWh,
    decrementalFactor: s.decrementalFactor,
    psa: s.psa,
    storedPsa: batch.psa,
    curtailing: s.curtailing,
    meters: shares,
    agrees: s.psa === batch.psa && shares.every((m) => m.mesW === m.onChainMesW),
  };
}

export function formatMesView(v: MesView): string {
  const head = renderTable(
    ["cluster", "period", "L (Wh)", "G (Wh)", "D = L-G (Wh)", "DF", "PSA", "curtailing"],
    [
      [
        v.clusterId,
        v.period,
        v.loadWh,
        v.generationWh,
        v.deficitWh,
        formatFixed(v.decrementalFactor),
        formatFixed(v.psa),
        v.curtailing ? "yes" : "no",
      ],
    ],
  );
  const rows = v.meters.map((m) => [m.meter, m.allowed ? "yes" : "no", m.capacityW, m.mesW, m.onChainMesW]);
  const meters = renderTable(["meter", "allowed", "capacity (W)", "MES (W)", "on-chain MES (W)"], rows);
  const check = v.agrees
    ? "TS model and chain agree (PSA and every MES)."
    : `MISMATCH: stored PSA ${v.storedPsa} vs model ${v.psa}, or an MES differs: report this.`;
  return `${head}\n\n${meters}\n\n${check}`;
}
