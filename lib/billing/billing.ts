/**
 * SPEC 11 billing: the TypeScript twin of contracts/libraries/BillMath.sol and of the checks that
 * contracts/Billing.sol makes on a meter-week's readings. Amounts are nano-currency units
 * (Wh x micro-units/kWh): exact bigints, no rounding; a credit is kept apart from the charge.
 */
import { FIXED_ONE, PERIODS_PER_WEEK, PERIOD_SECONDS } from "../constants.js";
import { GridShareError } from "../errors.js";
import { mes, mulDivFloor } from "../mes/mes.js";
import { firstPeriodOfWeek } from "../time.js";
import { CurtailmentRule } from "../chain/schema.js";

const SECONDS_PER_HOUR = 3_600;
/** A period lasts 4 hours: a share of MES watts allows MES x 4 Wh of paid export. */
export const PERIOD_HOURS = BigInt(PERIOD_SECONDS / SECONDS_PER_HOUR);

/** Export (Wh) paid in one period: MES_i x 4 h, MES_i the rounded-down watts the public MES view shows (SPEC 11). */
export function allowedExportWh(psa: bigint, capacityW: bigint): bigint {
  return mes(psa, capacityW) * PERIOD_HOURS;
}

/**
 * Export (Wh) paid in one period under the week's curtailment rule: 0 for a prosumer without authorized
 * capacity; `capacity`: `allowedExportWh`; `generation`: floor(psa x generationWh / 1e18), so a cluster's
 * shares sum to at most PSA x G <= L. Twin of BillMath.allowedExportWhUnder.
 */
export function allowedExportWhUnder(
  rule: bigint,
  psa: bigint,
  capacityW: bigint,
  generationWh: bigint,
): bigint {
  const name = CurtailmentRule.nameOf(rule);
  if (capacityW === 0n) return 0n;
  switch (name) {
    case "capacity":
      return allowedExportWh(psa, capacityW);
    case "generation":
      return mulDivFloor(psa, generationWh, FIXED_ONE);
  }
}

export interface BillLine {
  readonly charge: bigint;
  readonly credit: bigint;
  readonly creditedExportWh: bigint;
}

/** One period's line: import charged in full, export credited up to the allowed share. */
export function billLine(
  importWh: bigint,
  exportWh: bigint,
  allowedWh: bigint,
  importRate: bigint,
  exportRate: bigint,
): BillLine {
  const creditedExportWh = exportWh < allowedWh ? exportWh : allowedWh;
  return { charge: importWh * importRate, credit: creditedExportWh * exportRate, creditedExportWh };
}

/** What billing needs of one proven reading. */
export interface BillReading {
  readonly meter: string;
  readonly period: number;
  readonly importWh: bigint;
  readonly exportWh: bigint;
  /** The meter's generation in the period (the `generation` rule's share is PSA of it). */
  readonly generationWh: bigint;
  /** PSA of the reading's accepted batch (1e18 = 1.0). */
  readonly psa: bigint;
  /** Authorized capacity (W) of the meter in that period (0 when uncertified or deauthorized). */
  readonly capacityW: bigint;
}

export interface Tariff {
  readonly importRate: bigint;
  readonly exportRate: bigint;
  readonly sourceWeek: number;
  readonly isFallback: boolean;
}

/** Field-for-field the `Billing.Bill` struct. */
export interface Bill {
  readonly meter: string;
  readonly week: number;
  readonly charge: bigint;
  readonly credit: bigint;
  readonly net: bigint;
  readonly importWh: bigint;
  readonly exportWh: bigint;
  readonly creditedExportWh: bigint;
  readonly curtailedExportWh: bigint;
  readonly readings: number;
  /** Periods whose accepted batch holds no reading of the meter (SPEC 11), ascending. */
  readonly unreadPeriods: readonly number[];
  /** Import charged for the unread periods: their count x the week's highest proven import. */
  readonly unreadImportWh: bigint;
  readonly undecidedPeriods: number;
  readonly importRate: bigint;
  readonly exportRate: bigint;
  readonly tariffWeek: number;
  readonly tariffFallback: boolean;
  /** The week's curtailment rule (a `CurtailmentRule` value). */
  readonly curtailmentRule: bigint;
}

/** A meter-week's readings that the contract would refuse; `code` names the Billing.sol custom error. */
export class BillRefusedError extends GridShareError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * The contract's order checks: every reading of `meter`, inside `week`, periods strictly increasing.
 * Throws the same refusal Billing.sol reverts with.
 */
export function checkReadings(meter: string, week: number, readings: readonly BillReading[]): void {
  const first = firstPeriodOfWeek(week);
  let previous = -1;
  readings.forEach((r, i) => {
    if (r.meter.toLowerCase() !== meter.toLowerCase()) {
      throw new BillRefusedError(
        "ReadingOfOtherMeter",
        `reading ${i} is of meter ${r.meter}, not ${meter}: pass only that meter's readings`,
      );
    }
    if (r.period < first || r.period >= first + PERIODS_PER_WEEK) {
      throw new BillRefusedError(
        "ReadingOutsideWeek",
        `reading ${i} is of period ${r.period}, outside week ${week} (periods ${first}..${first + PERIODS_PER_WEEK - 1})`,
      );
    }
    if (r.period <= previous) {
      throw new BillRefusedError(
        "PeriodsNotIncreasing",
        `reading ${i} (period ${r.period}) does not follow period ${previous}: sort by period, no duplicates`,
      );
    }
    previous = r.period;
  });
}

/**
 * Completeness (so no one omits a period): every period in `required` (its batch Accepted and the meter
 * allowed in it) must have a reading or be proven unread.
 */
export function checkComplete(
  meter: string,
  week: number,
  readings: readonly BillReading[],
  required: readonly number[],
  unreadPeriods: readonly number[] = [],
): void {
  const present = new Set([...readings.map((r) => r.period), ...unreadPeriods]);
  const missing = [...required].sort((a, b) => a - b).find((p) => !present.has(p));
  if (missing !== undefined) {
    throw new BillRefusedError(
      "IncompleteBill",
      `meter ${meter} week ${week}: period ${missing} has an accepted batch but neither a reading nor a proof ` +
        "that the batch lacks it: add the reading's proof, or the absence proof (GET /absence/:meter/:period)",
    );
  }
}

/**
 * The contract's checks on unread periods: inside the week, strictly increasing, none with a reading (Billing.sol
 * refuses each with UnusedAbsence).
 */
export function checkUnread(
  week: number,
  readings: readonly BillReading[],
  unreadPeriods: readonly number[],
): void {
  const first = firstPeriodOfWeek(week);
  const read = new Set(readings.map((r) => r.period));
  unreadPeriods.forEach((p, i) => {
    const problem =
      p < first || p >= first + PERIODS_PER_WEEK
        ? `is outside week ${week}`
        : i > 0 && p <= unreadPeriods[i - 1]!
          ? "does not follow the previous one (sort by period, no duplicates)"
          : read.has(p)
            ? "also has a reading"
            : undefined;
    if (problem !== undefined) {
      throw new BillRefusedError("UnusedAbsence", `absence proof ${i} (period ${p}) ${problem}`);
    }
  });
}

/**
 * The bill of a meter-week from its (checked) readings, the week's tariff and curtailment rule, and its unread
 * periods. An unread period earns no export credit and is charged the highest import among the week's readings
 * (0 when none).
 */
export function computeBill(
  meter: string,
  week: number,
  readings: readonly BillReading[],
  tariff: Tariff,
  undecidedPeriods = 0,
  curtailmentRule: bigint = CurtailmentRule.Capacity,
  unreadPeriods: readonly number[] = [],
): Bill {
  checkReadings(meter, week, readings);
  checkUnread(week, readings, unreadPeriods);
  let charge = 0n,
    credit = 0n,
    importWh = 0n,
    exportWh = 0n,
    creditedExportWh = 0n;
  for (const r of readings) {
    // Billing.sol skips the capacity look-up when nothing was exported; the result is the same.
    const allowed =
      r.exportWh === 0n ? 0n : allowedExportWhUnder(curtailmentRule, r.psa, r.capacityW, r.generationWh);
    const l = billLine(r.importWh, r.exportWh, allowed, tariff.importRate, tariff.exportRate);
    charge += l.charge;
    credit += l.credit;
    importWh += r.importWh;
    exportWh += r.exportWh;
    creditedExportWh += l.creditedExportWh;
  }
  const highestImportWh = readings.reduce((m, r) => (r.importWh > m ? r.importWh : m), 0n);
  const unreadImportWh = BigInt(unreadPeriods.length) * highestImportWh;
  charge += unreadImportWh * tariff.importRate;
  return {
    meter,
    week,
    charge,
    credit,
    net: charge - credit,
    importWh,
    exportWh,
    creditedExportWh,
    curtailedExportWh: exportWh - creditedExportWh,
    readings: readings.length,
    unreadPeriods: [...unreadPeriods],
    unreadImportWh,
    undecidedPeriods,
    importRate: tariff.importRate,
    exportRate: tariff.exportRate,
    tariffWeek: tariff.sourceWeek,
    tariffFallback: tariff.isFallback,
    curtailmentRule,
  };
}

/** A nano-unit amount as currency units with 9 decimals, e.g. -1.250000000. */
export function formatAmount(nano: bigint): string {
  const sign = nano < 0n ? "-" : "";
  const a = nano < 0n ? -nano : nano;
  const scale = 1_000_000_000n;
  return `${sign}${a / scale}.${(a % scale).toString().padStart(9, "0")}`;
}
