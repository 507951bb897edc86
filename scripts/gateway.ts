/**
 * A node's gateway service: `npm run gateway -- --rpc <url> --registry <addr> --ledger <addr> --db <file>`
 * with the node key in GRIDSHARE_NODE_KEY. Prints one JSON line `{"listening": url}` when ready, its log
 * (JSON lines at info) goes to stderr. A failure to start is one `error:` line and exit code 1
 * (GRIDSHARE_DEBUG=1 adds the stack).
 * GRIDSHARE_CRASH_AFTER_STEP=<checked|signed|broadcast|final> kills the process (SIGKILL) right after that
 * outbox step: fault injection for the crash test, never set in operation.
 */
import { exitOnUsage, runCli } from "../lib/cli.js";
import { USAGE, parseGatewayArgs, runGateway } from "../lib/gateway/cli.js";

exitOnUsage(USAGE);

await runCli(async () => {
  const args = parseGatewayArgs(process.argv.slice(2), process.env);
  const crashAt = process.env.GRIDSHARE_CRASH_AFTER_STEP;
  const running = await runGateway(args, {
    // stdout carries the one {"listening"} line a supervisor reads; the log goes to stderr.
    logger: { stream: process.stderr },
    ...(crashAt
      ? { onStep: (step: string) => void (step === crashAt && process.kill(process.pid, "SIGKILL")) }
      : {}),
  });
  process.stdout.write(JSON.stringify({ listening: running.service.url, node: running.gateway.node }) + "\n");
  const stop = () => void running.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}, "npm run gateway -- --help");
