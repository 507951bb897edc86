/** Run GridShare's commands as a person does, in a child process, and check how they fail. */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const HARDHAT_CLI = path.join(REPO, "node_modules", "hardhat", "dist", "src", "cli.js");
const RUN_TIMEOUT_MS = 120_000;

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A person's environment: without the operator's GRIDSHARE_* settings (addresses, keys) and without the mark
 * `hardhat test` sets for its own process (HH_TEST: configuration variables from the development keystore).
 * CI is set, as on every CI machine and many shells: Hardhat then turns its stack traces on by default, and
 * an operator's refusal must still be one line there.
 */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("GRIDSHARE_") && k !== "HH_TEST"),
  );
  return { ...env, CI: "true", ...extra };
}

function run(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO,
      env: cleanEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npx hardhat <args>` */
export function runHardhat(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return run([HARDHAT_CLI, ...args], env);
}

/** `tsx <script> <args>` (what `npm run gateway`, `simulate` and `chain:*` run). */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  return run(["--import", "tsx", path.join(REPO, script), ...args], env);
}

/** The refusal a person should see: exit code 1, one `error: ...` line on stderr, no stack, no "unexpected". */
export function expectOneLineError(result: CliRun, message: RegExp): void {
  const shown = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.code, shown).to.equal(1);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines, shown).to.have.length(1);
  expect(lines[0], shown).to.match(/^error: \S/);
  expect(lines[0], shown).to.match(message);
  expect(result.stderr + result.stdout, shown).to.not.match(/unexpected|^\s+at |report it here/im);
}
