import hre from "hardhat";

/** Runs a task on the process-wide connection (the one tasks use) and returns what it printed. */
export async function runTask(id: string, args: Record<string, unknown>): Promise<string> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    await hre.tasks.getTask(id).run(args);
  } finally {
    console.log = original;
  }
  return lines.join("\n");
}
