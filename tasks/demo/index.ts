import { task } from "hardhat/config";
import { option } from "../options.js";

export const demoTasks = [
  task("demo", "Run GridShare end to end on real data (embedded network by default)")
    .addOption(option("weeks", "Weeks of data to play (1-13)", "2"))
    .addOption(option("buildings", "CityLearn buildings, e.g. 1-12", "1-12"))
    .addOption(option("seed", "Seed for meter keys and injected faults", "gridshare"))
    .addOption(
      option(
        "dataWeek",
        "First CityLearn data week to play (0 = Mon 2016-08-01; 38 = a spring week with surplus)",
        "38",
      ),
    )
    .addOption(option("report", "Where to write the HTML report", "reports/demo.html"))
    .addFlag({ name: "quiet", description: "No progress output; print only the report path" })
    .addFlag({ name: "json", description: "Print the summary as JSON" })
    .setAction(() => import("./run.js"))
    .build(),
];
