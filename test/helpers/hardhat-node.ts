/**
 * A `hardhat node` child process on a loopback port the OS picks, for tests that talk to a chain over HTTP as an
 * operator does. It runs in its own process group, so stopping it ends npx and the node together.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { GridShareError } from "../../lib/errors.js";

export interface HardhatNode {
  /** JSON-RPC URL, e.g. http://127.0.0.1:43121 */
  readonly url: string;
  stop(): Promise<void>;
}

const READY = /JSON-RPC server at (http:\/\/127\.0\.0\.1:\d+)/;
/** What the node printed last, for the message when it does not come up. */
const TAIL_CHARS = 2_000;
/** The ready line comes before the account list: where to look for it. */
const HEAD_CHARS = 20_000;
const STOP_GRACE_MS = 5_000;

export async function startHardhatNode(startTimeoutMs = 180_000): Promise<HardhatNode> {
  const child = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", "0"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-TAIL_CHARS);
  };
  // The node logs every request: keep reading so that it never blocks on a full pipe.
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const running = () => child.exitCode === null && child.signalCode === null;
  const killGroup = (signal: NodeJS.Signals) => {
    if (running() && child.pid !== undefined) process.kill(-child.pid, signal);
  };
  // If the test process dies without its after() hook, the node must not outlive it.
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);
  const stop = async () => {
    process.removeListener("exit", onExit);
    if (!running()) return;
    const exited = once(child, "exit");
    killGroup("SIGTERM");
    const timer = setTimeout(() => killGroup("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no JSON-RPC server after ${startTimeoutMs} ms`)),
        startTimeoutMs,
      );
      let head = "";
      child.stdout.on("data", (chunk: Buffer) => {
        if (head.length > HEAD_CHARS) return;
        head += chunk.toString("utf8");
        const m = READY.exec(head.replace(/\x1b\[[0-9;]*m/g, ""));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with code ${code}`));
      });
    });
    return { url, stop };
  } catch (e) {
    await stop();
    throw new GridShareError("HARDHAT_NODE", `hardhat node did not start: ${(e as Error).message}\n${tail}`);
  }
}
