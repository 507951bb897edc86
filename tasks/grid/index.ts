import { task } from "hardhat/config";
import { contractOption, fromOption, jsonFlag, option } from "../options.js";

const registryOption = contractOption("ClusterRegistry");
const utilityOption = fromOption("utility");

export const gridTasks = [
  task("grid:node:add", "Register a fixed validator node at a location (utility)")
    .addOption(option("node", "Node address"))
    .addOption(option("x", "Integer x location (e.g. metres east)", "0"))
    .addOption(option("y", "Integer y location (e.g. metres north)", "0"))
    .addOption(registryOption)
    .addOption(utilityOption)
    .setAction(() => import("./node-add.js"))
    .build(),
  task("grid:cluster:create", "Create a cluster with its parent node and location (utility)")
    .addOption(option("parent", "Parent node address"))
    .addOption(option("x", "Integer x location", "0"))
    .addOption(option("y", "Integer y location", "0"))
    .addOption(registryOption)
    .addOption(utilityOption)
    .setAction(() => import("./cluster-create.js"))
    .build(),
  task("grid:meter:add", "Add a smart meter to a cluster (utility)")
    .addOption(option("cluster", "Cluster id"))
    .addOption(option("meter", "Meter key address"))
    .addOption(option("kind", "consumer or prosumer", "prosumer"))
    .addOption(registryOption)
    .addOption(utilityOption)
    .setAction(() => import("./meter-add.js"))
    .build(),
  task("grid:neighbours", "Assign every cluster's neighbours by SPEC 2's ranking and explain the choice")
    .addFlag({ name: "dryRun", description: "Show the plan, send nothing" })
    .addOption(registryOption)
    .addOption(utilityOption)
    .setAction(() => import("./neighbours.js"))
    .build(),
  task(
    "grid:meter:replace",
    "Replace a tampered or removed meter with a new key under a work permit (utility)",
  )
    .addOption(option("old", "Meter being replaced (tampered, or removed as faulty)"))
    .addOption(option("new", "New meter key address"))
    .addOption(option("permit", "Work-permit reference"))
    .addOption(registryOption)
    .addOption(utilityOption)
    .setAction(() => import("./meter-replace.js"))
    .build(),
  task(
    "grid:evidence:appoint",
    "Let the deployment's ReadingEvidence mark meters compromised on proven evidence (utility, once after grid:deploy)",
  )
    .addOption(registryOption)
    .addOption(contractOption("ReadingEvidence"))
    .addOption(utilityOption)
    .setAction(() => import("./evidence-appoint.js"))
    .build(),
  task("grid:show", "Print the whole topology")
    .addFlag(jsonFlag)
    .addOption(registryOption)
    .setAction(() => import("./show.js"))
    .build(),
];
