import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";
import { contractOption, fromOption, jsonFlag, option } from "../options.js";

const billOptions = (t: ReturnType<typeof task>) =>
  t
    .addOption(option("meter", "Meter address"))
    .addOption(option("week", "Week number (period / 42)"))
    .addOption(option("proofs", "JSON file of the meter-week's reading proofs (or use --gateway)"))
    .addOption(
      option(
        "gateway",
        "Gateway base URL to fetch the proofs from (GET /proof/:meter/:period), e.g. http://127.0.0.1:8080",
      ),
    )
    .addFlag(jsonFlag)
    .addOption(contractOption("Billing"));

export const billingTasks: TaskDefinition[] = [
  billOptions(task("bill:quote", "Quote a meter-week's bill from proven readings (nothing is sent)"))
    .setAction(() => import("./quote.js"))
    .build(),
  billOptions(task("bill:settle", "Settle a meter-week's bill once (anyone may; the bill is chain data)"))
    .addOption(fromOption("utility"))
    .setAction(() => import("./settle.js"))
    .build(),
];
