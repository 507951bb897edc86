import { task } from "hardhat/config";

const registryOption = {
  name: "registry",
  description: "ClusterRegistry address (default: GRIDSHARE_REGISTRY or the Ignition deployment)",
  defaultValue: "",
} as const;

export const gridTasks = [
  task("grid:node:add", "Register a fixed validator node at a location (utility)")
    .addOption({ name: "node", description: "Node address", defaultValue: "" })
    .addOption({ name: "x", description: "Integer x location (e.g. metres east)", defaultValue: "0" })
    .addOption({ name: "y", description: "Integer y location (e.g. metres north)", defaultValue: "0" })
    .addOption(registryOption)
    .setAction(() => import("./node-add.js"))
    .build(),
  task("grid:cluster:create", "Create a cluster with its parent node and location (utility)")
    .addOption({ name: "parent", description: "Parent node address", defaultValue: "" })
    .addOption({ name: "x", description: "Integer x location", defaultValue: "0" })
    .addOption({ name: "y", description: "Integer y location", defaultValue: "0" })
    .addOption(registryOption)
    .setAction(() => import("./cluster-create.js"))
    .build(),
  task("grid:meter:add", "Add a smart meter to a cluster (utility)")
    .addOption({ name: "cluster", description: "Cluster id", defaultValue: "" })
    .addOption({ name: "meter", description: "Meter key address", defaultValue: "" })
    .addOption({ name: "kind", description: "consumer or prosumer", defaultValue: "prosumer" })
    .addOption(registryOption)
    .setAction(() => import("./meter-add.js"))
    .build(),
  task("grid:neighbours", "Assign every cluster's neighbours by SPEC 2's ranking and explain the choice")
    .addFlag({ name: "dryRun", description: "Show the plan, send nothing" })
    .addOption(registryOption)
    .setAction(() => import("./neighbours.js"))
    .build(),
  task("grid:meter:replace", "Replace a meter with a new key under a work permit (utility)")
    .addOption({ name: "old", description: "Meter being replaced", defaultValue: "" })
    .addOption({ name: "new", description: "New meter key address", defaultValue: "" })
    .addOption({ name: "permit", description: "Work-permit reference", defaultValue: "" })
    .addOption(registryOption)
    .setAction(() => import("./meter-replace.js"))
    .build(),
  task("grid:show", "Print the whole topology")
    .addFlag({ name: "json", description: "Machine-readable JSON" })
    .addOption(registryOption)
    .setAction(() => import("./show.js"))
    .build(),
];
