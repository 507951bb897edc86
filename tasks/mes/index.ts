import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

const billingOption = {
  name: "billing",
  description: "Billing address (default: GRIDSHARE_BILLING or the Ignition deployment)",
  defaultValue: "",
} as const;

const billOptions = (t: ReturnType<typeof task>) =>
  t
    .addOption({ name: "meter", description: "Meter address", defaultValue: "" })
    .addOption({ name: "week", description: "Week number (period / 42)", defaultValue: "" })
    .addOption({
      name: "proofs",
      description: "JSON file of the meter-week's reading proofs (or use --gateway)",
      defaultValue: "",
    })
    .addOption({
      name: "gateway",
      description:
        "Gateway base URL to fetch the proofs from (GET /proof/:meter/:period), e.g. http://127.0.0.1:8080",
      defaultValue: "",
    })
    .addFlag({ name: "json", description: "Machine-readable JSON" })
    .addOption(billingOption);

export const mesTasks: TaskDefinition[] = [
  task("mes:show", "Show L, G, D, DF, PSA of a cluster-period and every meter's MES")
    .addOption({ name: "cluster", description: "Cluster id", defaultValue: "" })
    .addOption({ name: "period", description: "Period number", defaultValue: "" })
    .addFlag({ name: "json", description: "Machine-readable JSON" })
    .addOption(billingOption)
    .setAction(() => import("./show.js"))
    .build(),
  billOptions(task("bill:quote", "Quote a meter-week's bill from proven readings (nothing is sent)"))
    .setAction(() => import("./quote.js"))
    .build(),
  billOptions(task("bill:settle", "Settle a meter-week's bill once (anyone may; the bill is chain data)"))
    .setAction(() => import("./settle.js"))
    .build(),
];
