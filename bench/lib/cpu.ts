/**
 * CPU time spent, for benchmarks that compare a rate with what the machine's cores allow: the whole
 * process's (every thread, user and system), and the calling thread's alone where the platform tells it
 * (Linux: /proc/thread-self/schedstat, nanoseconds on a CPU; null elsewhere).
 */
import { readFileSync } from "node:fs";

/** CPU time of the whole process so far, µs (user + system, all threads). */
export function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU time of the calling thread so far, µs; null where the platform does not say. */
export function threadCpuUs(): number | null {
  try {
    const ns = Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ")[0]);
    return Number.isFinite(ns) ? ns / 1000 : null;
  } catch {
    return null;
  }
}
