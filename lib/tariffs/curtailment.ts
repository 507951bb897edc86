/**
 * The DGMD's weekly curtailment rule (TariffSchedule, SPEC 10/11): show which rule caps the paid export of each
 * week, or announce a future week's rule. Like a tariff, an announcement is made before the week and frozen
 * once it starts; it holds for the later weeks too until the next one. The rule's arithmetic is
 * lib/billing/billing.ts `allowedExportWhUnder`.
 */
import type { TariffSchedule } from "../../types/ethers-contracts/index.js";
import { InvalidArgumentError } from "../errors.js";
import { parseChoice, parseOptional, parseUint32 } from "../args.js";
import { contractWithRegistry, type Session } from "../chain/session.js";
import { CurtailmentRule, type CurtailmentRuleName } from "../chain/schema.js";
import { renderTable } from "../format/table.js";
import { requireDgmd } from "../registry/ops.js";

/** What each rule pays in a period, for people (tables, bills). */
export const CURTAILMENT_RULE_TEXT: Readonly<Record<CurtailmentRuleName, string>> = {
  capacity: "paid export <= MES x 4 h, MES = PSA x certified capacity (SPEC 10, the default)",
  generation: "paid export <= PSA x the period's generation (a cluster's shares sum to its load)",
};

/** dgmd:curtailment's options, as typed. */
export interface CurtailmentArgs {
  week: string;
  rule: string;
  tariffs: string;
}

export interface CurtailmentRequest {
  /** The week to show or announce; none: the current week (show) or the next one (announce). */
  week?: number;
  /** The rule to announce; none: show only. */
  rule?: CurtailmentRuleName;
  tariffs: string;
}

export function parseCurtailmentArgs(args: CurtailmentArgs): CurtailmentRequest {
  return {
    week: parseOptional(args.week, (v) => parseUint32("week", v)),
    rule: parseOptional(args.rule, (v) => parseChoice("rule", v, CurtailmentRule.names, "curtailment rule")),
    tariffs: args.tariffs,
  };
}

export interface WeekRule {
  week: number;
  rule: CurtailmentRuleName;
  /** The week whose announcement applies; none: no announcement reaches this week (the default rule). */
  sourceWeek?: number;
}

export interface CurtailmentView {
  currentWeek: number;
  /** The rule of the asked week (default: the current one) and of the week after it. */
  weeks: WeekRule[];
  /** Every announcement, ascending. */
  announced: {
    week: number;
    rule: CurtailmentRuleName;
    state: "superseded" | "in force" | "future (may change)";
  }[];
  /** Set when this run announced a rule. */
  changed?: { week: number; rule: CurtailmentRuleName; before: CurtailmentRuleName; blockNumber?: number };
}

async function ruleOf(tariffs: TariffSchedule, week: number): Promise<WeekRule> {
  const [rule, sourceWeek, announced] = await tariffs.curtailmentRuleOf(week);
  return {
    week,
    rule: CurtailmentRule.nameOf(rule),
    ...(announced ? { sourceWeek: Number(sourceWeek) } : {}),
  };
}

async function readView(tariffs: TariffSchedule, current: number, week: number): Promise<CurtailmentView> {
  const weeks = [await ruleOf(tariffs, week), await ruleOf(tariffs, week + 1)];
  const inForce = (await ruleOf(tariffs, current)).sourceWeek;
  const announced = [];
  for (const w of (await tariffs.curtailmentRuleWeeks()).map(Number)) {
    const { rule } = await ruleOf(tariffs, w);
    const state = w > current ? "future (may change)" : w === inForce ? "in force" : "superseded";
    announced.push({ week: w, rule, state } as const);
  }
  return { currentWeek: current, weeks, announced };
}

/**
 * Show the curtailment rule of a week, or announce one for a future week (DGMD). The week must not have
 * started: checked before sending, as the contract would refuse it (`WeekAlreadyStarted`).
 */
export async function curtailment(s: Session, r: CurtailmentRequest): Promise<CurtailmentView> {
  const { contract: tariffs, registry } = await contractWithRegistry(s, "TariffSchedule", r.tariffs);
  const current = Number(await tariffs.currentWeek());
  if (r.rule === undefined) return readView(tariffs, current, r.week ?? current);
  const week = r.week ?? current + 1;
  if (week <= current) {
    throw new InvalidArgumentError(
      "week",
      `week ${week} has started (current week ${current}): its curtailment rule is frozen; announce week ${current + 1} or later`,
    );
  }
  await requireDgmd(registry, s.signer.address);
  const before = (await ruleOf(tariffs, week)).rule;
  const receipt = await (await tariffs.setCurtailmentRule(week, CurtailmentRule.of(r.rule))).wait();
  const view = await readView(tariffs, current, week);
  return { ...view, changed: { week, rule: r.rule, before, blockNumber: receipt?.blockNumber } };
}

export function formatCurtailment(v: CurtailmentView): string {
  const lines: string[] = [];
  if (v.changed)
    lines.push(
      `announced week ${v.changed.week}: ${v.changed.before} -> ${v.changed.rule} (block ${v.changed.blockNumber}); ` +
        "it holds for the weeks after it until the next announcement",
    );
  for (const w of v.weeks) {
    const source =
      w.sourceWeek === undefined ? "default, none announced" : `announced for week ${w.sourceWeek}`;
    lines.push(`week ${w.week}: ${w.rule} (${source}): ${CURTAILMENT_RULE_TEXT[w.rule]}`);
  }
  lines.push(
    v.announced.length === 0
      ? `current week ${v.currentWeek}; no rule announced yet`
      : `current week ${v.currentWeek}; announcements:\n` +
          renderTable(
            ["week", "rule", "state"],
            v.announced.map((a) => [a.week, a.rule, a.state]),
          ),
  );
  return lines.join("\n");
}
