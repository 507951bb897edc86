/**
 * The gateway under faults (issue 17), as benchmark figures of one run: malformed bodies from a
 * property-based generator (fast-check) against a real gateway over HTTP, with no 5xx and every bulk
 * item reported; and a kill -9 campaign against a gateway child process (lab/simulator/crash.ts), with no
 * acknowledged reading lost, no batch anchored twice, no transaction wasted and a sound database.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import type { NetworkManager } from "hardhat/types/network";
import { signedReadingToJson } from "../lib/batches/reading.js";
import { buildServer } from "../lib/gateway/server.js";
import { runCrashCampaign } from "../lab/simulator/crash.js";
import { postReadings } from "../lab/simulator/fleet.js";
import { answerProblem, malformedBodies, newlyStored } from "../lab/simulator/fuzz.js";
import { figure, type Figure } from "./lib/figures.js";
import { benchReadings } from "../lab/fixtures/readings.js";
import { BENCH_DOMAIN, NOW_PERIOD, openBenchGateway } from "./lib/bench-gateway.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface GatewayFaultOptions {
  /** Malformed bodies posted (issue 17: at least 1,000). */
  readonly malformed: number;
  readonly seed: number;
  /** Crash campaign: periods, and kills per period before each period's last life (total kills = periods x (k + 1) + 1). */
  readonly crashPeriods: number;
  readonly killsPerPeriod: number;
}

/** 1,200 bodies; 7 periods x (6 + 1) + 1 = 50 kills. */
export const DEFAULT_GATEWAY_FAULTS: GatewayFaultOptions = {
  malformed: 1_200,
  seed: 17,
  crashPeriods: 7,
  killsPerPeriod: 6,
};

export interface MalformedOutcome {
  readonly bodies: number;
  readonly statuses: Record<number, number>;
  readonly serverErrors: number;
  /** Bulk answers missing items, or whose stored readings differ from what they reported. */
  readonly unreported: number;
  readonly firstProblem: string | null;
}

export async function malformedRun(n: number, seed: number): Promise<MalformedOutcome> {
  const signed = await benchReadings(BENCH_DOMAIN, 8, NOW_PERIOD - 1);
  const tmp = mkdtempSync(path.join(tmpdir(), "gridshare-bench-malformed-"));
  const gw = await openBenchGateway(
    path.join(tmp, "gateway.sqlite"),
    signed.map((s) => s.reading.meter),
  );
  // The refusal limit would answer 429 after the first 2,000 refusals: the generator is to reach the parser.
  const app = buildServer(gw, { logger: false, refusalBurst: 1e9, refusalsPerMinute: 1e9 });
  const statuses: Record<number, number> = {};
  let serverErrors = 0;
  let unreported = 0;
  let firstProblem: string | null = null;
  try {
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const bodies = fc.sample(malformedBodies(signed.map(signedReadingToJson)), { numRuns: n, seed });
    for (const body of bodies) {
      const before = gw.store.countReadings();
      const r = await postReadings(url, body);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status >= 500) serverErrors++;
      const problem =
        answerProblem(body, r.status, r.body) ??
        (gw.store.countReadings() - before !== newlyStored(r.body)
          ? `stored count differs for ${body.slice(0, 80)}`
          : null);
      if (problem && r.status < 500) unreported++;
      firstProblem ??= problem;
    }
    return { bodies: bodies.length, statuses, serverErrors, unreported, firstProblem };
  } finally {
    await app.close();
    gw.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function benchGatewayFaults(
  network: NetworkManager,
  opts: GatewayFaultOptions = DEFAULT_GATEWAY_FAULTS,
  log: (s: string) => void = () => undefined,
): Promise<Figure[]> {
  const m = await malformedRun(opts.malformed, opts.seed);
  log(
    `malformed: ${m.bodies} bodies, statuses ${JSON.stringify(m.statuses)}${m.firstProblem ? `, first problem: ${m.firstProblem}` : ""}`,
  );
  const connection = await network.create();
  const dir = mkdtempSync(path.join(tmpdir(), "gridshare-bench-crash-"));
  let c;
  try {
    c = await runCrashCampaign({
      ethers: connection.ethers,
      networkHelpers: connection.networkHelpers,
      provider: connection.provider,
      repo: ROOT,
      dir,
      periods: opts.crashPeriods,
      killsPerPeriod: opts.killsPerPeriod,
      log,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const anchors = c.submissions.length;
  const distinct = new Set(c.submissions).size;
  const group = "gateway faults";
  return [
    figure({
      group,
      id: "gateway.malformed.bodies",
      label: "malformed bodies posted (fast-check)",
      value: m.bodies,
      unit: "bodies",
      note: JSON.stringify(m.statuses),
    }),
    figure({
      group,
      id: "gateway.malformed.serverErrors",
      label: "malformed bodies answered 5xx (target 0)",
      value: m.serverErrors,
      unit: "answers",
    }),
    figure({
      group,
      id: "gateway.malformed.unreported",
      label: "bulk outcomes unreported or misreported (target 0)",
      value: m.unreported,
      unit: "answers",
    }),
    figure({
      group,
      id: "gateway.crash.kills",
      label: "kill -9 of the gateway process under load (target 50)",
      value: c.kills,
      unit: "kills",
      note: `${c.selfKills} right after an outbox step, ${c.seconds.toFixed(0)} s`,
    }),
    figure({
      group,
      id: "gateway.crash.lostAcknowledged",
      label: `acknowledged readings lost (of ${c.acked}; target 0)`,
      value: c.lost.length,
      unit: "readings",
    }),
    figure({
      group,
      id: "gateway.crash.doubleAnchors",
      label: "attestations submitted twice for one batch (target 0)",
      value: anchors - distinct,
      unit: "transactions",
    }),
    figure({
      group,
      id: "gateway.crash.wastedTransactions",
      label: "node transactions beyond one per submission (target 0)",
      value: c.nonce - anchors,
      unit: "transactions",
    }),
    figure({
      group,
      id: "gateway.crash.integrityOk",
      label: `SQLite integrity_check after the last kill ("${c.integrity}")`,
      value: c.integrity === "ok" ? 1 : 0,
      unit: "1 = ok",
    }),
    figure({
      group,
      id: "gateway.crash.batchesAccepted",
      label: `batches accepted with the data's totals (of ${c.batches.length})`,
      value: c.batches.filter((b) => b.accepted && b.totalLoadWh === b.dataLoadWh).length,
      unit: "batches",
    }),
  ];
}
