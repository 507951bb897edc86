import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";
import { contractOption, fromOption, jsonFlag, option } from "../options.js";

/** The cluster and period range both tasks read; `cluster` says what leaving it out means. */
const rangeOptions = (t: ReturnType<typeof task>, cluster: string) =>
  t
    .addOption(option("cluster", cluster))
    .addOption(option("fromPeriod", "First period (default: the first of the previous week)"))
    .addOption(option("toPeriod", "Last period (default: the last one that ended)"))
    .addOption(contractOption("BatchLedger"));

/** The ledger's batches (SPEC 6): what was decided, and the abandoned ones to finalize. */
export const batchTasks: TaskDefinition[] = [
  rangeOptions(
    task("batches:list", "List the batches of a cluster (or all) over a period range: status, votes, faults"),
    "Cluster id (default: every cluster)",
  )
    .addFlag(jsonFlag)
    .setAction(() => import("./list.js"))
    .build(),
  rangeOptions(
    task(
      "batches:finalize",
      "Finalize abandoned batches as disputed: one (--period), a range, or --due (anyone)",
    ),
    "Cluster id (required unless --due, which defaults to every cluster)",
  )
    .addOption(option("period", "The one period to finalize"))
    .addFlag({ name: "due", description: "Every abandoned batch in the range" })
    .addOption(fromOption("utility")) // anyone may finalize; the utility is the default sender
    .setAction(() => import("./finalize.js"))
    .build(),
];
