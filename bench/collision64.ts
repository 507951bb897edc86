/**
 * SPEC 5 security note, measured: how long a birthday collision of a truncated keccak256 takes on this
 * machine at 24..40 bits (free inputs: the attacker chooses both), extrapolated to 64 bits (birthday,
 * ~2^32 evaluations) and to a 64-bit second preimage (~2^64). Bounded: stops by itself within ~60 s.
 * Writes bench/results/collision64.json; docs/security-64bit.md quotes it.
 *
 *   npx tsx bench/collision64.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { h64Into } from "../lib/batches/merkle64.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TOTAL_BUDGET_MS = 55_000;
/** Bits measured, with the time each may take at most (the last sizes run while budget remains). */
const PLAN = [
  { bits: 24, budgetMs: 4_000, maxTrials: 200 },
  { bits: 28, budgetMs: 8_000, maxTrials: 100 },
  { bits: 32, budgetMs: 15_000, maxTrials: 40 },
  { bits: 36, budgetMs: 14_000, maxTrials: 10 },
  { bits: 40, budgetMs: 14_000, maxTrials: 3 },
] as const;
const SECONDS_PER_YEAR = 365.25 * 86_400;

/**
 * The input mimics a node hash `0x01 || left || right` (17 bytes, one keccak block): the attacker varies
 * 8 free bytes from a trial-specific start. Returns evaluations until two inputs share the top `bits` bits.
 */
export function birthday(
  bits: number,
  trial: number,
  deadline: number,
): { evaluations: number; found: boolean } {
  const input = new Uint8Array(17);
  input[0] = 0x01;
  const view = new DataView(input.buffer);
  view.setUint32(9, trial >>> 0);
  const out = new Uint8Array(8);
  const outView = new DataView(out.buffer);
  const seen = new Map<number, number>();
  const shift = 2 ** (64 - bits); // bits <= 40: the top `bits` of the 64-bit value fit a JS number exactly
  for (let i = 0; ; i++) {
    view.setUint32(1, i);
    h64Into(input, out);
    const v = Math.floor((outView.getUint32(0) * 2 ** 32 + outView.getUint32(4)) / shift);
    if (seen.has(v)) return { evaluations: i + 1, found: true };
    seen.set(v, i);
    if ((i & 0xffff) === 0 && Date.now() > deadline) return { evaluations: i + 1, found: false };
  }
}

function main(): void {
  const started = Date.now();
  const loadAvg = os.loadavg()[0] ?? 0;
  // Raw rate first: hashes per second of the same single-block path the Merkle code uses.
  const input = new Uint8Array(17);
  const out = new Uint8Array(8);
  let n = 0;
  const rateStart = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - rateStart) < 2e9) {
    for (let k = 0; k < 10_000; k++) {
      input[1] = k & 0xff;
      input[2] = n & 0xff;
      h64Into(input, out);
    }
    n += 10_000;
  }
  const hashesPerSecond = n / (Number(process.hrtime.bigint() - rateStart) / 1e9);

  const results = [];
  for (const step of PLAN) {
    const left = started + TOTAL_BUDGET_MS - Date.now();
    if (left <= 0) break;
    const stepDeadline = Date.now() + Math.min(step.budgetMs, left);
    const evaluations: number[] = [];
    const t0 = process.hrtime.bigint();
    let unfinished = 0;
    for (let trial = 0; trial < step.maxTrials && Date.now() < stepDeadline; trial++) {
      const r = birthday(step.bits, trial + step.bits * 1000, stepDeadline);
      if (r.found) evaluations.push(r.evaluations);
      else unfinished++;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (evaluations.length === 0) {
      results.push({ bits: step.bits, trials: 0, unfinished, note: "no collision within the budget" });
      continue;
    }
    const mean = evaluations.reduce((a, b) => a + b, 0) / evaluations.length;
    results.push({
      bits: step.bits,
      trials: evaluations.length,
      unfinished,
      meanEvaluations: Math.round(mean),
      expectedEvaluations: Math.round(Math.sqrt((Math.PI / 2) * 2 ** step.bits)),
      meanSecondsPerCollision: Number((seconds / (evaluations.length + unfinished)).toFixed(4)),
    });
    process.stdout.write(
      `${step.bits} bits: ${evaluations.length} collisions, mean ${Math.round(mean)} evaluations\n`,
    );
  }

  const birthday64 = Math.sqrt((Math.PI / 2) * 2 ** 64);
  const preimage64 = 2 ** 64;
  const report = {
    generatedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      loadAvg,
    },
    method:
      "birthday search on H64 = bytes8(keccak256(0x01 || 16 bytes)) truncated to k bits, one JS thread, " +
      "hash table of seen values; 64-bit figures are extrapolated from the measured hash rate",
    hashesPerSecond: Math.round(hashesPerSecond),
    results,
    extrapolation: {
      birthday64: {
        evaluations: Math.round(birthday64),
        secondsOneThread: Math.round(birthday64 / hashesPerSecond),
        hoursOneThread: Number((birthday64 / hashesPerSecond / 3600).toFixed(2)),
      },
      secondPreimage64: {
        evaluations: preimage64,
        yearsOneThread: Math.round(preimage64 / hashesPerSecond / SECONDS_PER_YEAR),
        yearsAt1e10PerSecond: Number((preimage64 / 1e10 / SECONDS_PER_YEAR).toFixed(1)),
      },
    },
    elapsedSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
  const dir = path.join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "collision64.json");
  writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(JSON.stringify(report.extrapolation) + `\nwrote ${file}\n`);
}

// Run only as a script: lab/attacks (X20) imports `birthday` with its own small budget.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
