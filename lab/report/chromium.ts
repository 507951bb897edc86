/**
 * The chromium the report checks run in: Debian's package (`/usr/bin/chromium`) or the binary named by
 * GRIDSHARE_CHROMIUM. When the default is missing and we are root on a machine with apt, it is installed;
 * otherwise the caller is told the one command that provides it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { GridShareError } from "../../lib/errors.js";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";
export const INSTALL_CHROMIUM = "apt-get install -y chromium";

export interface ChromiumStatus {
  path: string;
  available: boolean;
  /** What was found or done. */
  note: string;
  /** The one command that makes chromium available (when it is not). */
  enable: string;
}

/** What provisioning needs from the machine; tests replace it. */
export interface Machine {
  env: NodeJS.ProcessEnv;
  exists(file: string): boolean;
  isRoot: boolean;
  /** Runs a command; resolves with its exit code and the tail of its output. */
  run(cmd: string, args: string[]): Promise<{ code: number; output: string }>;
}

export class ChromiumUnavailableError extends GridShareError {
  constructor(status: ChromiumStatus) {
    super("NO_BROWSER", `${status.note}; to enable it: ${status.enable}`);
  }
}

const OUTPUT_TAIL = 600;

export const thisMachine: Machine = {
  env: process.env,
  exists: existsSync,
  isRoot: process.getuid?.() === 0,
  run: (cmd, args) =>
    new Promise((resolve) => {
      const child = spawn(cmd, args, {
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const keep = (b: Buffer) => (output = (output + b.toString()).slice(-OUTPUT_TAIL));
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      // ENOENT (no such command) reads as the shell's 127.
      child.on("error", (e) => resolve({ code: 127, output: e.message }));
      child.on("close", (code) => resolve({ code: code ?? 1, output }));
    }),
};

/**
 * Find chromium, installing Debian's package when we can: only for the default path (apt puts it there),
 * only as root. `apt-get update` runs only when the install fails without it (a fresh image has no lists).
 */
export async function provisionChromium(m: Machine = thisMachine): Promise<ChromiumStatus> {
  const custom = m.env.GRIDSHARE_CHROMIUM;
  const file = custom ?? DEFAULT_CHROMIUM;
  if (m.exists(file)) return { path: file, available: true, note: `chromium at ${file}`, enable: "" };
  if (custom !== undefined) {
    return {
      path: file,
      available: false,
      note: `GRIDSHARE_CHROMIUM=${custom} does not exist`,
      enable: `export GRIDSHARE_CHROMIUM=<a chromium executable> (or unset it to use ${DEFAULT_CHROMIUM})`,
    };
  }
  const sudo = m.isRoot ? "" : "sudo ";
  const missing = {
    path: file,
    available: false,
    note: `no chromium at ${file}`,
    enable: `${sudo}${INSTALL_CHROMIUM}`,
  };
  if (!m.isRoot) return { ...missing, note: `${missing.note} (not root: not installing it)` };
  const args = INSTALL_CHROMIUM.split(" ").slice(1);
  let r = await m.run("apt-get", args);
  if (r.code === 127) return { ...missing, note: `${missing.note} and no apt-get to install it` };
  if (r.code !== 0) {
    const update = await m.run("apt-get", ["update"]);
    r = update.code === 0 ? await m.run("apt-get", args) : update;
  }
  if (r.code === 0 && m.exists(file)) {
    return { path: file, available: true, note: `chromium installed at ${file} with apt-get`, enable: "" };
  }
  return { ...missing, note: `${missing.note}; apt-get failed (exit ${r.code}): ${r.output.trim()}` };
}

let once: Promise<ChromiumStatus> | undefined;

/** provisionChromium on this machine, once per process. */
export function chromiumStatus(): Promise<ChromiumStatus> {
  once ??= provisionChromium();
  return once;
}

/** The chromium to launch, or ChromiumUnavailableError saying how to get one. */
export async function requireChromium(): Promise<string> {
  const s = await chromiumStatus();
  if (!s.available) throw new ChromiumUnavailableError(s);
  return s.path;
}
