import type { TaskDefinition } from "hardhat/types/tasks";

/**
 * Every operator task, by area. Each area file exports its definitions; actions are lazy-loaded so the
 * CLI starts fast.
 */
export const gridShareTasks: TaskDefinition[] = [];
