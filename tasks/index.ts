import type { TaskDefinition } from "hardhat/types/tasks";
import { gridTasks } from "./grid/index.js";
import { demoTasks } from "./demo/index.js";
import { mesTasks } from "./mes/index.js";
import { billingTasks } from "./billing/index.js";
import { dgmdTasks } from "./dgmd/index.js";
import { chainTasks } from "./chain/index.js";
import { batchTasks } from "./batches/index.js";

/**
 * Every operator task, by area. Each area file exports its definitions; actions are lazy-loaded so the
 * CLI starts fast.
 */
export const gridShareTasks: TaskDefinition[] = [
  ...gridTasks,
  ...demoTasks,
  ...mesTasks,
  ...billingTasks,
  ...dgmdTasks,
  ...batchTasks,
  ...chainTasks,
];
