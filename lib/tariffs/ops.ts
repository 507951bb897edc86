/**
 * The DGMD's weekly tariff operations (SPEC 9): forecast a week's whole-grid load and generation, price it with
 * lib/tariffs/tariff.ts cross-checked against the contract's quote, publish it, and show what was published.
 */
import type { TariffSchedule } from "../../types/ethers-contracts/index.js";
import { InvalidArgumentError, GridShareError } from "../errors.js";
import { parseOptional, parseUint32, parseWholeNumber } from "../args.js";
import { contractAt, contractWithRegistry, type Session } from "../chain/session.js";
import { BatchStatus } from "../chain/schema.js";
import { PERIODS_PER_WEEK } from "../constants.js";
import { renderTable } from "../format/table.js";
import { requireDgmd } from "../registry/ops.js";
import { modelForecaster, readHistoryFile, type PeriodTotals, type WeekForecast } from "./forecaster.js";
import { readSiteFile, readWeatherFile, type WeatherFeed } from "./site.js";
import type { ForecastSite } from "./forecast/index.js";
import { formatRate, tariffRates, type TariffRates } from "./tariff.js";

/** Where a forecast comes from: given totals, a history file, or the ledger's accepted batches. */
export type ForecastSource =
  | { readonly kind: "given"; readonly loadWh: bigint; readonly generationWh: bigint }
  | { readonly kind: "history"; readonly history: readonly PeriodTotals[] }
  | { readonly kind: "ledger"; readonly ledger: string };

export interface ForecastRequest {
  /** The week to forecast; none: next week. */
  week?: number;
  source: ForecastSource;
  /** Where the homes are: the site-aware methods need it; none: history-only methods, noted. */
  site?: ForecastSite;
  /** The weather feed (needs the site); none: no weather-driven method, noted. */
  weather?: WeatherFeed;
  publish: boolean;
  tariffs: string;
}

/** dgmd:forecast's options, as typed. */
export interface ForecastArgs {
  week: string;
  load: string;
  generation: string;
  history: string;
  ledger: string;
  site: string;
  weather: string;
  publish: boolean;
  tariffs: string;
}

/** The deployment's site file when `--site` is not given. */
export const SITE_ENV = "GRIDSHARE_SITE";

export function parseForecastArgs(args: ForecastArgs, env: NodeJS.ProcessEnv = process.env): ForecastRequest {
  if ((args.load === "") !== (args.generation === "")) {
    throw new InvalidArgumentError("load", "give both --load and --generation (Wh), or neither");
  }
  const week = parseOptional(args.week, (v) => parseUint32("week", v));
  const common = { week, publish: args.publish, tariffs: args.tariffs };
  if (args.load !== "") {
    for (const option of ["site", "weather"] as const)
      if (args[option] !== "")
        throw new InvalidArgumentError(
          option,
          "nothing is forecast with --load and --generation: leave it out",
        );
    const loadWh = parseWholeNumber("load", args.load);
    const generationWh = parseWholeNumber("generation", args.generation);
    return { ...common, source: { kind: "given", loadWh, generationWh } };
  }
  const siteFile = args.site !== "" ? args.site : (env[SITE_ENV] ?? "");
  if (args.weather !== "" && siteFile === "")
    throw new InvalidArgumentError(
      "weather",
      `the weather is used with the site: give --site <file> (or ${SITE_ENV})`,
    );
  const source: ForecastSource =
    args.history !== ""
      ? { kind: "history", history: readHistoryFile(args.history) }
      : { kind: "ledger", ledger: args.ledger };
  return {
    ...common,
    source,
    site: siteFile === "" ? undefined : readSiteFile(siteFile),
    weather: args.weather === "" ? undefined : readWeatherFile(args.weather),
  };
}

/** Weeks of accepted batches read for a forecast: the site-aware defaults fit on the last 28 days. */
export const LEDGER_HISTORY_WEEKS = 8;

/**
 * Whole-grid totals per period of the `weeks` weeks before `week` from the accepted batches (unaccepted
 * cluster-periods count 0; a period without any accepted batch is left out).
 */
async function historyFromLedger(
  s: Session,
  ledgerOption: string,
  week: number,
  weeks = LEDGER_HISTORY_WEEKS,
): Promise<PeriodTotals[]> {
  const { contract: ledger, registry } = await contractWithRegistry(s, "BatchLedger", ledgerOption);
  const clusters = Array.from({ length: Number(await registry.clusterCount()) }, (_, i) => i + 1);
  const out: PeriodTotals[] = [];
  const from = Math.max(0, week - weeks) * PERIODS_PER_WEEK;
  for (let p = from; p < week * PERIODS_PER_WEEK; p++) {
    const batches = await Promise.all(clusters.map((c) => ledger.batchOf(c, p)));
    const accepted = batches.filter((b) => b.status === BatchStatus.Accepted);
    // A period without any accepted batch is unknown, not zero: the forecaster skips its week.
    if (accepted.length > 0)
      out.push({
        period: p,
        loadWh: accepted.reduce((sum, b) => sum + b.totalLoadWh, 0n),
        generationWh: accepted.reduce((sum, b) => sum + b.totalGenerationWh, 0n),
      });
  }
  return out;
}

/** Without the site, the forecast says how to give it. */
const SITE_HINT = `give --site <file> (or ${SITE_ENV}) and --weather <file> for the site-aware methods`;

async function forecastOf(
  s: Session,
  r: ForecastRequest,
  week: number,
  epochUtc: number,
): Promise<WeekForecast> {
  const context = { epochUtc, site: r.site, weather: r.weather };
  const source = r.source;
  let f: WeekForecast;
  switch (source.kind) {
    case "given":
      return { week, loadWh: source.loadWh, generationWh: source.generationWh, method: "given", notes: [] };
    case "history":
      f = modelForecaster.forecast(source.history, week, context);
      break;
    case "ledger":
      f = modelForecaster.forecast(await historyFromLedger(s, source.ledger, week), week, context);
      break;
  }
  return f.notes.length > 0 && r.site === undefined ? { ...f, notes: [...f.notes, SITE_HINT] } : f;
}

/** The forecast's rates by lib/tariffs/tariff.ts; the contract must quote the same: the twins agree first. */
async function twinRates(tariffs: TariffSchedule, f: WeekForecast): Promise<TariffRates> {
  const p = await tariffs.params();
  const rates = tariffRates(
    {
      baseImportRate: p.baseImportRate,
      baseExportRate: p.baseExportRate,
      floorRate: p.floorRate,
      ceilingRate: p.ceilingRate,
      sensitivityBps: Number(p.sensitivityBps),
    },
    f.loadWh,
    f.generationWh,
  );
  const [imp, exp] = await tariffs.quote(f.loadWh, f.generationWh);
  if (imp !== rates.importRate || exp !== rates.exportRate) {
    throw new GridShareError(
      "TARIFF_TWIN_MISMATCH",
      `lib/tariffs/tariff.ts gives ${rates.importRate}/${rates.exportRate} but the contract quotes ${imp}/${exp}: do not publish`,
    );
  }
  return rates;
}

export interface TariffPlan {
  forecast: WeekForecast;
  rates: TariffRates;
}

/** Forecast the week and price it; refuses a week that has started when it is to be published (frozen). */
export async function planTariff(s: Session, r: ForecastRequest): Promise<TariffPlan> {
  const tariffs = await contractAt(s, "TariffSchedule", r.tariffs);
  const current = Number(await tariffs.currentWeek());
  const week = r.week ?? current + 1;
  if (r.publish && week <= current) {
    throw new InvalidArgumentError(
      "week",
      `week ${week} has started (current week ${current}): its tariff is frozen`,
    );
  }
  const registry = await contractAt(s, "ClusterRegistry", await tariffs.registry());
  const forecast = await forecastOf(s, r, week, Number(await registry.epoch()));
  return { forecast, rates: await twinRates(tariffs, forecast) };
}

export function formatTariffPlan({ forecast: f, rates }: TariffPlan): string {
  return (
    `week ${f.week} forecast (${f.method}): load ${f.loadWh} Wh, generation ${f.generationWh} Wh\n` +
    f.notes.map((n) => `note: ${n}\n`).join("") +
    `gap ${(Number(rates.gapBps) / 100).toFixed(2)}%: import ${formatRate(rates.importRate)}/kWh, ` +
    `export ${formatRate(rates.exportRate)}/kWh`
  );
}

/** Publish a planned week's forecast (DGMD); returns the block it was included in. */
export async function publishTariff(
  s: Session,
  r: ForecastRequest,
  plan: TariffPlan,
): Promise<number | undefined> {
  const { contract: tariffs, registry } = await contractWithRegistry(s, "TariffSchedule", r.tariffs);
  await requireDgmd(registry, s.signer.address);
  const { week, loadWh, generationWh } = plan.forecast;
  const receipt = await (await tariffs.publish(week, loadWh, generationWh)).wait();
  return receipt?.blockNumber;
}

export interface PublishedWeek {
  week: number;
  state: "past" | "in force" | "future (may change)";
  forecastLoadWh: bigint;
  forecastGenerationWh: bigint;
  importRate: bigint;
  exportRate: bigint;
}

export interface TariffsView {
  currentWeek: number;
  tariffs: PublishedWeek[];
  /** The tariff applied to the current week; a fallback is an earlier week's. */
  inForce: { sourceWeek: number; isFallback: boolean; importRate: bigint; exportRate: bigint } | null;
}

/** Every published week's tariff and the one in force. */
export async function readTariffs(s: Session, tariffsOption: string): Promise<TariffsView> {
  const tariffs = await contractAt(s, "TariffSchedule", tariffsOption);
  const current = Number(await tariffs.currentWeek());
  const weeks = (await tariffs.publishedWeeks()).map(Number);
  const rows: PublishedWeek[] = [];
  for (const week of weeks) {
    const [t] = await tariffs.publishedTariff(week);
    rows.push({
      week,
      state: week < current ? "past" : week === current ? "in force" : "future (may change)",
      forecastLoadWh: t.forecastLoadWh,
      forecastGenerationWh: t.forecastGenerationWh,
      importRate: t.importRate,
      exportRate: t.exportRate,
    });
  }
  let inForce: TariffsView["inForce"] = null;
  if (weeks.some((w) => w <= current)) {
    const [importRate, exportRate, sourceWeek, isFallback] = await tariffs.tariffOf(current);
    inForce = { sourceWeek: Number(sourceWeek), isFallback, importRate, exportRate };
  }
  return { currentWeek: current, tariffs: rows, inForce };
}

export function formatTariffs(v: TariffsView): string {
  const table = renderTable(
    ["week", "state", "load Wh", "generation Wh", "import /kWh", "export /kWh"],
    v.tariffs.map((r) => [
      r.week,
      r.state,
      r.forecastLoadWh,
      r.forecastGenerationWh,
      formatRate(r.importRate),
      formatRate(r.exportRate),
    ]),
  );
  const current = v.currentWeek;
  const f = v.inForce;
  const line =
    f === null
      ? `current week ${current}: no tariff published yet`
      : `current week ${current}: import ${formatRate(f.importRate)}, export ${formatRate(f.exportRate)}` +
        (f.isFallback
          ? ` (FALLBACK: week ${f.sourceWeek}'s tariff, none published for week ${current})`
          : "");
  return `${table}\n${line}`;
}
