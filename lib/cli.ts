import { GridShareError } from "./errors.js";

/**
 * Run a script's main function: a GridShareError (bad input, missing devnet, ...) becomes one line on stderr
 * and exit code 1; anything else is a bug and keeps its stack trace.
 */
export async function runCli(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (!(e instanceof GridShareError)) throw e;
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(1);
  }
}
