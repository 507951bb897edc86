import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";
import { contractOption, jsonFlag, option } from "../options.js";

export const mesTasks: TaskDefinition[] = [
  task("mes:show", "Show L, G, D, DF, PSA of a cluster-period and every meter's MES")
    .addOption(option("cluster", "Cluster id"))
    .addOption(option("period", "Period number"))
    .addFlag(jsonFlag)
    .addOption(contractOption("Billing"))
    .setAction(() => import("./show.js"))
    .build(),
];
