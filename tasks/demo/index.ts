import { task } from "hardhat/config";

export const demoTasks = [
  task("demo", "Run GridShare end to end on real data (embedded network by default)")
    .addOption({ name: "weeks", description: "Weeks of data to play (1-13)", defaultValue: "2" })
    .addOption({ name: "buildings", description: "CityLearn buildings, e.g. 1-12", defaultValue: "1-12" })
    .addOption({
      name: "seed",
      description: "Seed for meter keys and injected faults",
      defaultValue: "gridshare",
    })
    .addOption({
      name: "dataWeek",
      description: "First CityLearn data week to play (0 = Mon 2016-08-01; 38 = a spring week with surplus)",
      defaultValue: "38",
    })
    .addOption({
      name: "report",
      description: "Where to write the HTML report",
      defaultValue: "reports/demo.html",
    })
    .addFlag({ name: "quiet", description: "No progress output; print only the report path" })
    .addFlag({ name: "json", description: "Print the summary as JSON" })
    .setAction(() => import("./run.js"))
    .build(),
];
