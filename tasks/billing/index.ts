import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";
import { billingOption } from "../mes/index.js";

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

export const billingTasks: TaskDefinition[] = [
  billOptions(task("bill:quote", "Quote a meter-week's bill from proven readings (nothing is sent)"))
    .setAction(() => import("./quote.js"))
    .build(),
  billOptions(task("bill:settle", "Settle a meter-week's bill once (anyone may; the bill is chain data)"))
    .setAction(() => import("./settle.js"))
    .build(),
];
