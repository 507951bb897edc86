/**
 * Run the catalogue, compare observed with expected, and compute the paper's "efficiency" (share of the five
 * attack classes prevented) from what was observed, per configuration.
 */
import { renderTable } from "../../lib/format/table.js";
import {
  ATTACK_CLASSES,
  CLASS_TITLES,
  type AttackClass,
  type AttackContext,
  type Configuration,
  type PaperAttackClass,
  type PaperRating,
  type Scenario,
  type ScenarioResult,
  type ScenarioRow,
} from "./types.js";

/** Table I, columns "Cloud based SG", "Blockchain based SG", "Blockchain with parent and neighbouring node". */
export const PAPER_TABLE_I: Record<
  PaperAttackClass,
  { cloud: PaperRating; blockchain: PaperRating; proposed: PaperRating }
> = {
  forgery: { cloud: "Y", blockchain: "N", proposed: "N" },
  tampering: { cloud: "Y", blockchain: "Y", proposed: "N" },
  parent: { cloud: "N/A", blockchain: "N", proposed: "N" },
  majority: { cloud: "Y", blockchain: "Y", proposed: "Y" },
  neighbour: { cloud: "N/A", blockchain: "N/A", proposed: "N" },
};

/** The paper's efficiencies (Fig. 5): cloud 40%, blockchain 60%, proposed 80%. */
export const PAPER_EFFICIENCY = { cloud: 0.4, blockchain: 0.6, proposed: 0.8 } as const;

/** Which paper column a configuration corresponds to. */
export const PAPER_COLUMN_OF: Record<Configuration, "proposed" | "blockchain"> = {
  gridshare: "proposed",
  parentOnly: "blockchain",
};

export const NO_DEVNET = "needs the Clique devnet: `npm run attacks` starts one";

/** Table I's rating of a class in a configuration's column; "-" for the extended scenarios. */
function paperRating(attackClass: AttackClass, config: Configuration): PaperRating {
  return attackClass === "extended" ? "-" : PAPER_TABLE_I[attackClass][PAPER_COLUMN_OF[config]];
}

/** A class's catalogue rows as scenarios: each gets the class and the class's rating for GridShare. */
export function scenariosOfClass(attackClass: AttackClass, rows: readonly ScenarioRow[]): Scenario[] {
  const paperColumn = paperRating(attackClass, "gridshare");
  return rows.map((row) => ({ ...row, attackClass, paperColumn }));
}

/** Run one scenario in one configuration; a thrown error is reported as "error", never as a pass. */
export async function runScenario(s: Scenario, ctx: AttackContext): Promise<ScenarioResult> {
  const expected = s.expected[ctx.config];
  if (expected === undefined) throw new Error(`${s.id} has no expectation for ${ctx.config}`);
  const base = {
    id: s.id,
    attackClass: s.attackClass,
    title: s.title,
    config: ctx.config,
    paperColumn: paperRating(s.attackClass, ctx.config),
    expected,
  };
  const notRun = s.pending ?? (s.needsDevnet && ctx.majority === undefined ? NO_DEVNET : undefined);
  if (notRun !== undefined) {
    return { ...base, observed: null, attackSucceeded: null, detail: notRun, verdict: "not run" };
  }
  try {
    const o = await s.run(ctx);
    return {
      ...base,
      observed: o.outcome,
      attackSucceeded: o.attackSucceeded,
      detail: o.detail,
      verdict: o.outcome === expected ? "pass" : "fail",
    };
  } catch (e) {
    return { ...base, observed: null, attackSucceeded: null, detail: String(e), verdict: "error" };
  }
}

/** Scenarios that run in `config`. */
export function scenariosFor(catalogue: readonly Scenario[], config: Configuration): Scenario[] {
  return catalogue.filter((s) => s.expected[config] !== undefined);
}

export async function runCatalogue(
  catalogue: readonly Scenario[],
  ctx: AttackContext,
): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const s of scenariosFor(catalogue, ctx.config)) out.push(await runScenario(s, ctx));
  return out;
}

/** A class as observed: Y when any mounted attack of it succeeded, N when all mounted ones were prevented. */
export type ObservedRating = "Y" | "N" | "not run";

export interface ClassSummary {
  readonly attackClass: PaperAttackClass;
  readonly observed: ObservedRating;
  readonly paper: PaperRating;
  readonly run: number;
  readonly notRun: number;
}

export interface Efficiency {
  readonly config: Configuration;
  readonly classes: ClassSummary[];
  /** Classes observed N / 5; classes not run count as not prevented (a lower bound). */
  readonly efficiency: number;
  /** Classes observed N / classes observed at all; null when none ran. */
  readonly efficiencyOfRun: number | null;
  readonly paperEfficiency: number;
}

export function efficiency(results: readonly ScenarioResult[], config: Configuration): Efficiency {
  const classes = ATTACK_CLASSES.map((c): ClassSummary => {
    const rows = results.filter((r) => r.config === config && r.attackClass === c);
    const ran = rows.filter((r) => r.attackSucceeded !== null);
    const observed: ObservedRating =
      ran.length === 0 ? "not run" : ran.some((r) => r.attackSucceeded) ? "Y" : "N";
    return {
      attackClass: c,
      observed,
      paper: PAPER_TABLE_I[c][PAPER_COLUMN_OF[config]],
      run: ran.length,
      notRun: rows.length - ran.length,
    };
  });
  const prevented = classes.filter((c) => c.observed === "N").length;
  const observedClasses = classes.filter((c) => c.observed !== "not run").length;
  return {
    config,
    classes,
    efficiency: prevented / ATTACK_CLASSES.length,
    efficiencyOfRun: observedClasses === 0 ? null : prevented / observedClasses,
    paperEfficiency: PAPER_EFFICIENCY[PAPER_COLUMN_OF[config]],
  };
}

const pct = (x: number | null) => (x === null ? "-" : `${Math.round(x * 100)}%`);

/** The matrix as plain text: every scenario row, then the per-class summary and efficiencies. */
export function renderMatrix(results: readonly ScenarioResult[], effs: readonly Efficiency[]): string {
  const rows = results.map((r) => [
    r.id,
    r.config,
    r.title,
    r.paperColumn,
    r.expected,
    r.observed ?? (r.verdict === "not run" ? `not run: ${r.detail}` : `error: ${r.detail}`),
    r.verdict,
  ]);
  const scenarioTable = renderTable(
    ["id", "config", "scenario", "paper", "expected", "observed", "verdict"],
    rows,
  );
  const classRows = ATTACK_CLASSES.map((c) => [
    CLASS_TITLES[c],
    ...effs.flatMap((e) => {
      const s = e.classes.find((x) => x.attackClass === c);
      return [s?.paper ?? "-", s?.observed ?? "-"];
    }),
  ]);
  classRows.push([
    "efficiency (classes prevented / 5)",
    ...effs.flatMap((e) => [
      pct(e.paperEfficiency),
      `${pct(e.efficiency)} (of run: ${pct(e.efficiencyOfRun)})`,
    ]),
  ]);
  const classTable = renderTable(
    ["attack class", ...effs.flatMap((e) => [`${e.config}: paper`, `${e.config}: observed`])],
    classRows,
  );
  const counts = (v: ScenarioResult["verdict"]) => results.filter((r) => r.verdict === v).length;
  return [
    scenarioTable,
    "",
    classTable,
    "",
    `${counts("pass")} passed, ${counts("fail")} failed, ${counts("error")} errors, ${counts("not run")} not run`,
  ].join("\n");
}
