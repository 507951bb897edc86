/**
 * How every GridShare command reports a failure: one line on stderr, `error: <what is wrong>: <what to do>`,
 * and exit code 1; `{"error": {...}}` instead for a task run with --json; the stack trace only when asked for.
 * The tasks (tasks/action.ts, the demo among them), the gateway and simulator CLIs and the devnet scripts all
 * format through `formatError`.
 */
import { GridShareError, InvalidArgumentError } from "./errors.js";
import { ContractRevertError, contractRevertOf } from "./chain/revert.js";

export interface ErrorFormat {
  /** `{"error": {code, message[, revert][, stack]}}` instead of the line. */
  readonly json?: boolean;
  /** Append the stack trace (Hardhat's --show-stack-traces, GRIDSHARE_DEBUG=1 for the scripts). */
  readonly stack?: boolean;
  /** How to ask for the stack: named in the line of an unexpected error. */
  readonly debugHint: string;
  /** Where the command's usage is shown ("npm run gateway -- --help"): named in an argument's refusal. */
  readonly help?: string;
}

/** A failure of a tool under us (Hardhat, ethers, Node's argument parser) that we can put in words. */
export class ToolError extends GridShareError {}

/** Anything else: probably a bug; the line says how to get the stack for a report. */
export class UnexpectedError extends GridShareError {}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
const firstLine = (text: string) => text.split("\n", 1)[0]?.trim() ?? "";

function describeHardhatError(e: Error & Record<string, unknown>): GridShareError {
  const code = String(e.errorCode);
  const args = (e.messageArguments ?? {}) as Record<string, unknown>;
  // HHE7: a configuration variable (a key, the chain's URL) is neither in the environment nor the keystore.
  if (e.number === 7 && typeof args.name === "string") {
    return new ToolError(
      "CONFIG_VARIABLE_NOT_SET",
      `${args.name} is not set: export ${args.name}=... or store it with npx hardhat keystore set ${args.name}`,
      { cause: e },
    );
  }
  return new ToolError(code, `${oneLine(e.message)} (Hardhat ${code}): see https://hardhat.org/${code}`, {
    cause: e,
  });
}

/**
 * The failure as a GridShareError: ours as they are, a contract's refusal decoded, a tool's in its words,
 * anything else as unexpected.
 */
export function toGridShareError(
  e: unknown,
  format: Pick<ErrorFormat, "debugHint" | "help">,
): GridShareError {
  if (e instanceof GridShareError) return e;
  const revert = contractRevertOf(e);
  if (revert !== undefined) return revert;
  if (!(e instanceof Error))
    return new UnexpectedError("UNEXPECTED", `${String(e)}: rerun with ${format.debugHint}`);
  const o = e as Error & Record<string, unknown>;
  if (o.name === "HardhatError" && "errorCode" in o) return describeHardhatError(o);
  if (typeof o.code === "string" && o.code.startsWith("ERR_PARSE_ARGS")) {
    return new ToolError("INVALID_ARGUMENT", `${firstLine(o.message)}: see ${format.help ?? "--help"}`, {
      cause: e,
    });
  }
  // ethers: a short message and a code (NETWORK_ERROR, INSUFFICIENT_FUNDS...); JSON-RPC: a numeric code.
  if (typeof o.shortMessage === "string" || typeof o.code === "number") {
    const what = typeof o.shortMessage === "string" ? o.shortMessage : firstLine(o.message);
    return new ToolError(
      `CHAIN_${String(o.code)}`,
      `the chain refused: ${what}: rerun with ${format.debugHint} for the details`,
      { cause: e },
    );
  }
  return new UnexpectedError(
    "UNEXPECTED",
    `${firstLine(o.message) || o.name}: unexpected, probably a bug: rerun with ${format.debugHint} and report it`,
    { cause: e },
  );
}

/** The report of a failure, as the command prints it on stderr (without the final newline). */
export function formatError(e: unknown, format: ErrorFormat): string {
  const error = toGridShareError(e, format);
  const help =
    error instanceof InvalidArgumentError && format.help !== undefined ? ` (see ${format.help})` : "";
  const message = oneLine(error.message) + help;
  // A wrapper's own stack is the formatter's; the failure's is its cause's.
  const wrapper =
    error instanceof ToolError || error instanceof UnexpectedError || error instanceof ContractRevertError;
  const original = wrapper && error.cause instanceof Error ? error.cause : error;
  const stack = format.stack ? original.stack : undefined;
  if (format.json) {
    const revert = error instanceof ContractRevertError ? error.revert : undefined;
    return JSON.stringify({
      error: { code: error.code, message, ...(revert ? { revert } : {}), ...(stack ? { stack } : {}) },
    });
  }
  return `error: ${message}${stack ? `\n${stack}` : ""}`;
}

/**
 * A script's usage: `--help` prints it on stdout and exits 0; no argument at all prints it on stderr and
 * exits 2 (a usage error), so it is printed once either way.
 */
export function exitOnUsage(usage: string, argv: readonly string[] = process.argv): void {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage + "\n");
    process.exit(0);
  }
  if (argv.length <= 2) {
    process.stderr.write(usage + "\n");
    process.exit(2);
  }
}

/**
 * Run a script's main function; a failure is reported by `formatError` and exits with code 1
 * (GRIDSHARE_DEBUG=1 adds the stack trace).
 */
export async function runCli(main: () => Promise<void>, help?: string): Promise<void> {
  try {
    await main();
  } catch (e) {
    const stack = process.env.GRIDSHARE_DEBUG === "1";
    process.stderr.write(
      formatError(e, { stack, debugHint: "GRIDSHARE_DEBUG=1", ...(help ? { help } : {}) }) + "\n",
    );
    process.exit(1);
  }
}
