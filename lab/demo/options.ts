/**
 * The demo's options, checked before anything is deployed. Data weeks are CityLearn weeks (week 0 starts
 * Monday 2016-08-01); the run plays `weeks` of them from `dataWeek` on.
 */
import { parseBuildingList } from "../data/citylearn.js";
import { checkDemoSize } from "../fixtures/demo-grid.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import { checkOption, parseInteger, parseRequired } from "../../lib/args.js";

/** Whole data weeks in the year of data (2,189 periods = 52 weeks and 5 periods). */
export const DATA_WEEKS = 52;
/**
 * Default first data week: 38 = Monday 2017-04-24, a spring week in which every cluster of Buildings 1-12
 * has surplus periods (15, 19 and 15 of 42), so MES curtailment shows; 38 weeks of history feed the forecast.
 */
export const DEFAULT_DATA_WEEK = 38;
export const MAX_WEEKS = 13;

export interface DemoOptions {
  readonly weeks: number;
  readonly buildings: readonly number[];
  readonly seed: string;
  readonly dataWeek: number;
  readonly reportPath: string;
  readonly quiet: boolean;
  readonly json: boolean;
  /** Inject the attack scenarios (on by default; tests may switch them off). */
  readonly attacks: boolean;
}

export interface DemoArgs {
  weeks: string;
  buildings: string;
  seed: string;
  dataWeek: string;
  report: string;
  quiet: boolean;
  json: boolean;
}

/** Check the task's arguments; throws InvalidArgumentError naming the option and the allowed values. */
export function parseDemoArgs(args: DemoArgs): DemoOptions {
  const weeks = parseInteger("weeks", args.weeks, 1, MAX_WEEKS);
  // Week 0 of the data has no history to forecast from; the last data week must be complete.
  const dataWeek = parseInteger("data-week", args.dataWeek, 1, DATA_WEEKS - 1);
  if (dataWeek + weeks > DATA_WEEKS) {
    throw new InvalidArgumentError(
      "weeks",
      `${weeks} week(s) from data week ${dataWeek} run past the data year (weeks 0..${DATA_WEEKS - 1}): ` +
        `choose --weeks ${DATA_WEEKS - dataWeek} or less, or an earlier --data-week`,
    );
  }
  const buildings = parseBuildingList(args.buildings);
  checkOption("buildings", () => checkDemoSize(buildings.length));
  parseRequired("seed", args.seed, "must not be empty");
  parseRequired("report", args.report, "must be a file path");
  return {
    weeks,
    buildings,
    seed: args.seed,
    dataWeek,
    reportPath: args.report,
    quiet: args.quiet,
    json: args.json,
    attacks: true,
  };
}
