import hre from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

/**
 * Runs a task and returns what it printed: on the process-wide connection (the one tasks use), or on another
 * runtime environment's network (`on`).
 */
export async function runTask(
  id: string,
  args: Record<string, unknown>,
  on: HardhatRuntimeEnvironment = hre,
): Promise<string> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    await on.tasks.getTask(id).run(args);
  } finally {
    console.log = original;
  }
  return lines.join("\n");
}
