/**
 * A node's gateway service: `npm run gateway -- --rpc <url> --registry <addr> --ledger <addr> --db <file>`
 * with the node key in GRIDSHARE_NODE_KEY. Prints one JSON line `{"listening": url}` when ready, its log
 * (JSON lines at info) goes to stderr.
 * GRIDSHARE_CRASH_AFTER_STEP=<checked|signed|broadcast|final> kills the process (SIGKILL) right after that
 * outbox step: fault injection for the crash test, never set in operation.
 */
import { GridShareError, InvalidArgumentError } from "../lib/errors.js";
import { USAGE, parseGatewayArgs, runGateway } from "../lib/gateway/cli.js";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(USAGE + "\n");
  process.exit(0);
}
if (process.argv.length <= 2) {
  process.stderr.write(USAGE + "\n");
  process.exit(2);
}

try {
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
} catch (e) {
  const message = e instanceof GridShareError || e instanceof TypeError ? e.message : String(e);
  process.stderr.write(`gateway: ${message}\n${e instanceof InvalidArgumentError ? USAGE + "\n" : ""}`);
  process.exit(1);
}
