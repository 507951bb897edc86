import hre from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { GridShareError } from "../../lib/errors.js";

/** What a task run in-process printed, and its error when it was refused. */
export interface TaskRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: GridShareError;
}

function isFailure(result: unknown): result is { success: false; error: GridShareError } {
  return typeof result === "object" && result !== null && "success" in result && result.success === false;
}

/**
 * Runs a task capturing what it prints: on the process-wide connection (the one tasks use), or on another
 * runtime environment's network (`on`).
 */
export async function captureTask(
  id: string,
  args: Record<string, unknown>,
  on: HardhatRuntimeEnvironment = hre,
): Promise<TaskRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  let result: unknown;
  try {
    result = await on.tasks.getTask(id).run(args);
  } finally {
    console.log = log;
    console.error = error;
  }
  const printed = { stdout: out.join("\n"), stderr: err.join("\n") };
  return isFailure(result) ? { ...printed, error: result.error } : printed;
}

/**
 * Runs a task and returns what it printed; a refused task rejects with its error (the CLI prints it and
 * exits with code 1).
 */
export async function runTask(
  id: string,
  args: Record<string, unknown>,
  on: HardhatRuntimeEnvironment = hre,
): Promise<string> {
  const run = await captureTask(id, args, on);
  if (run.error !== undefined) throw run.error;
  return run.stdout;
}
