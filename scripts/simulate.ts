/**
 * The meter simulator: real homes' readings, signed by their meter keys, posted to the gateways.
 * `npm run simulate -- --rpc <url> --registry <addr> --gateway <node>=<url> ... [--fast] [faults]`
 */
import { GridShareError } from "../lib/errors.js";
import { parseSimulateArgs, simulate } from "../lib/simulator/cli.js";

try {
  const report = await simulate(parseSimulateArgs(process.argv.slice(2)), (l) =>
    process.stdout.write(l + "\n"),
  );
  process.stdout.write(JSON.stringify(report) + "\n");
} catch (e) {
  process.stderr.write(`simulate: ${e instanceof GridShareError ? e.message : String(e)}\n`);
  process.exit(1);
}
