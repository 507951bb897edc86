/**
 * The meter simulator: real homes' readings, signed by their meter keys, posted to the gateways.
 * `npm run simulate -- --rpc <url> --registry <addr> --gateway <node>=<url> ... [--fast] [faults]`
 * A failure is one `error:` line and exit code 1 (GRIDSHARE_DEBUG=1 adds the stack).
 */
import { exitOnUsage, runCli } from "../lib/cli.js";
import { USAGE, meterList, parseSimulateArgs, simulate } from "../lab/simulator/cli.js";

exitOnUsage(USAGE);

await runCli(async () => {
  const args = parseSimulateArgs(process.argv.slice(2));
  if (args.listMeters) {
    for (const m of meterList(args.seed, args.buildings)) process.stdout.write(JSON.stringify(m) + "\n");
  } else {
    const report = await simulate(args, (l) => process.stdout.write(l + "\n"));
    process.stdout.write(JSON.stringify(report) + "\n");
  }
}, "npm run simulate -- --help");
