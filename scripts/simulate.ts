/**
 * The meter simulator: real homes' readings, signed by their meter keys, posted to the gateways.
 * `npm run simulate -- --rpc <url> --registry <addr> --gateway <node>=<url> ... [--fast] [faults]`
 */
import { GridShareError } from "../lib/errors.js";
import { USAGE, parseSimulateArgs, simulate } from "../lab/simulator/cli.js";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(USAGE + "\n");
  process.exit(0);
}

try {
  const report = await simulate(parseSimulateArgs(process.argv.slice(2)), (l) =>
    process.stdout.write(l + "\n"),
  );
  process.stdout.write(JSON.stringify(report) + "\n");
} catch (e) {
  const message = e instanceof GridShareError || e instanceof TypeError ? e.message : String(e);
  process.stderr.write(`simulate: ${message}\n${USAGE}\n`);
  process.exit(1);
}
