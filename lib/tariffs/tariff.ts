/**
 * SPEC 9: the published tariff rule, the TypeScript twin of contracts/libraries/TariffRule.sol (same integer
 * arithmetic, same rounding), pinned by test/vectors/tariff.json. Rates are micro-currency units per kWh.
 *
 * rate = clamp(base ± floor(base * sensitivityBps * |L - G| / (10000 * (L + G))), floorRate, ceilingRate)
 * `+` when L > G (shortage), `-` when G > L (surplus).
 */
import { GridShareError } from "../errors.js";

/** SPEC/ARCHITECTURE: rates carry 6 decimals (0.25 per kWh = 250000). */
export const RATE_DECIMALS = 6;
export const BPS = 10_000n;
export const MAX_SENSITIVITY_BPS = 10_000;
const UINT64_MAX = (1n << 64n) - 1n;

export interface TariffParams {
  readonly baseImportRate: bigint;
  readonly baseExportRate: bigint;
  readonly floorRate: bigint;
  readonly ceilingRate: bigint;
  /** Rate change, in bps of the base rate, at a relative gap (L - G) / (L + G) of 100%. */
  readonly sensitivityBps: number;
}

export interface TariffRates {
  readonly importRate: bigint;
  readonly exportRate: bigint;
  /** (L - G) / (L + G) in bps, rounded towards zero (display only). */
  readonly gapBps: bigint;
}

export class InvalidTariffParamsError extends GridShareError {
  constructor(problem: string) {
    super("INVALID_TARIFF_PARAMS", `tariff parameters: ${problem}`);
  }
}

function checkUint64(name: string, v: bigint): void {
  if (v < 0n || v > UINT64_MAX) throw new InvalidTariffParamsError(`${name} ${v} is not a uint64`);
}

/** Same acceptance as TariffRule.isValid, with a reason. */
export function validateTariffParams(p: TariffParams): TariffParams {
  checkUint64("baseImportRate", p.baseImportRate);
  checkUint64("baseExportRate", p.baseExportRate);
  checkUint64("floorRate", p.floorRate);
  checkUint64("ceilingRate", p.ceilingRate);
  if (!Number.isInteger(p.sensitivityBps) || p.sensitivityBps < 0 || p.sensitivityBps > MAX_SENSITIVITY_BPS) {
    throw new InvalidTariffParamsError(`sensitivityBps ${p.sensitivityBps} must be an integer in 0..10000`);
  }
  if (p.floorRate > p.ceilingRate) {
    throw new InvalidTariffParamsError(`floorRate ${p.floorRate} is above ceilingRate ${p.ceilingRate}`);
  }
  if (p.baseExportRate > p.baseImportRate) {
    throw new InvalidTariffParamsError(
      `baseExportRate ${p.baseExportRate} is above baseImportRate ${p.baseImportRate}`,
    );
  }
  return p;
}

/** Relative forecast gap in bps, rounded towards zero (BigInt division truncates). */
export function gapBps(loadWh: bigint, generationWh: bigint): bigint {
  const total = loadWh + generationWh;
  return total === 0n ? 0n : ((loadWh - generationWh) * BPS) / total;
}

function rate(base: bigint, p: TariffParams, loadWh: bigint, generationWh: bigint): bigint {
  const total = loadWh + generationWh;
  let r = base;
  if (total !== 0n && loadWh !== generationWh) {
    const shortage = loadWh > generationWh;
    const gap = shortage ? loadWh - generationWh : generationWh - loadWh;
    // Floor division of non-negative values == Math.mulDiv(..., Rounding.Floor).
    const adjustment = (base * BigInt(p.sensitivityBps) * gap) / (BPS * total);
    r = shortage ? r + adjustment : r - adjustment;
  }
  if (r < p.floorRate) return p.floorRate;
  if (r > p.ceilingRate) return p.ceilingRate;
  return r;
}

/** The week's rates from its forecast (L, G in Wh, uint64). */
export function tariffRates(p: TariffParams, loadWh: bigint, generationWh: bigint): TariffRates {
  validateTariffParams(p);
  for (const [name, v] of [
    ["forecastLoadWh", loadWh],
    ["forecastGenerationWh", generationWh],
  ] as const) {
    if (v < 0n || v > UINT64_MAX)
      throw new GridShareError("INVALID_FORECAST", `${name} ${v} is not a uint64`);
  }
  return {
    importRate: rate(p.baseImportRate, p, loadWh, generationWh),
    exportRate: rate(p.baseExportRate, p, loadWh, generationWh),
    gapBps: gapBps(loadWh, generationWh),
  };
}

/** "0.250000" from 250000n (display). */
export function formatRate(microPerKwh: bigint): string {
  const scale = 10n ** BigInt(RATE_DECIMALS);
  return `${microPerKwh / scale}.${(microPerKwh % scale).toString().padStart(RATE_DECIMALS, "0")}`;
}

/**
 * The deployment's default tariff parameters: import 0.30/kWh and export 0.10/kWh at a balanced forecast,
 * moving by up to 50% of the base at a full gap, clamped to 0.05..0.60 (micro-units per kWh).
 */
export const DEFAULT_TARIFF_PARAMS: TariffParams = {
  baseImportRate: 300_000n,
  baseExportRate: 100_000n,
  floorRate: 50_000n,
  ceilingRate: 600_000n,
  sensitivityBps: 5_000,
};

/** Which published week's tariff applies to a week (TariffSchedule.tariffOf's rule), or why none does yet. */
export type TariffLookup =
  | { readonly sourceWeek: number; readonly isFallback: boolean }
  | { readonly refused: "NoTariff" }
  | { readonly refused: "TariffNotFixedYet"; readonly firstWeek: number };

/**
 * Twin of TariffSchedule.tariffOf's choice of week: the week's own tariff; else the last published week before
 * it (a fallback); for a week before every published one, the first published week (a fallback too) once that
 * week has started, because until then it may be republished and an earlier week may still be published.
 */
export function applicableTariffWeek(
  week: number,
  published: readonly number[],
  currentWeek: number,
): TariffLookup {
  const sorted = [...published].sort((a, b) => a - b);
  const before = sorted.filter((w) => w <= week);
  const last = before[before.length - 1];
  if (last !== undefined) return { sourceWeek: last, isFallback: last !== week };
  const first = sorted[0];
  if (first === undefined) return { refused: "NoTariff" };
  if (currentWeek < first) return { refused: "TariffNotFixedYet", firstWeek: first };
  return { sourceWeek: first, isFallback: true };
}
