import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

export const billingOption = {
  name: "billing",
  description: "Billing address (default: GRIDSHARE_BILLING or the Ignition deployment)",
  defaultValue: "",
} as const;

export const mesTasks: TaskDefinition[] = [
  task("mes:show", "Show L, G, D, DF, PSA of a cluster-period and every meter's MES")
    .addOption({ name: "cluster", description: "Cluster id", defaultValue: "" })
    .addOption({ name: "period", description: "Period number", defaultValue: "" })
    .addFlag({ name: "json", description: "Machine-readable JSON" })
    .addOption(billingOption)
    .setAction(() => import("./show.js"))
    .build(),
];
