import { task } from "hardhat/config";

export const demoTasks = [
  task("demo", "Run GridShare end to end on real data (embedded network by default)")
    .addOption({ name: "weeks", description: "Weeks of data to play", defaultValue: "2" })
    .addOption({ name: "buildings", description: "CityLearn buildings, e.g. 1-12", defaultValue: "1-12" })
    .addOption({
      name: "seed",
      description: "Seed for meter keys and injected faults",
      defaultValue: "gridshare",
    })
    .addOption({
      name: "report",
      description: "Where to write the HTML report",
      defaultValue: "reports/demo.html",
    })
    .addFlag({ name: "quiet", description: "No progress output" })
    .addFlag({ name: "json", description: "Print the summary as JSON" })
    .setAction(() => import("./run.js"))
    .build(),
];
