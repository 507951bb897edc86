/**
 * X20: what the 64-bit hash costs an attacker (docs/security-64bit.md), measured here with a small budget and
 * extrapolated. Two searches:
 * - free inputs (bench/collision64.ts `birthday`): the generic 64-bit birthday bound, ~2^32 H64 evaluations;
 * - the only attacker who can use a collision, a meter-key holder: two different readings, both signed by the
 *   meter, whose leaves collide. Shown at a reduced width (the leaves' top bits), the signing rate measured,
 *   the 64-bit cost extrapolated. A full 64-bit collision is not run: nothing on-chain is demonstrated.
 */
import { birthday } from "../../bench/collision64.js";
import { leafHash } from "../../lib/batches/merkle64.js";
import { signReading, type Reading } from "../../lib/batches/reading.js";
import { readingFor } from "../fixtures/readings.js";
import { chainDomain } from "./chain.js";
import { openPeriod } from "../fixtures/grid.js";
import type { AttackContext, Observation } from "./types.js";

/** Free-input birthday search: width and time budget (small enough for npm test). */
const FREE_BITS = 24;
const FREE_BUDGET_MS = 1_500;
/** Signed-leaf search: width (expected ~2^8 signatures) and a hard cap on signatures. */
const SIGNED_BITS = 16;
const MAX_SIGNATURES = 4_000;
/** sqrt(pi/2 * 2^64): expected evaluations of a 64-bit birthday search. */
const BIRTHDAY64 = Math.sqrt((Math.PI / 2) * 2 ** 64);
const SECONDS_PER_HOUR = 3_600;
const SECONDS_PER_YEAR = 365.25 * 86_400;
/** The thresholds the outcome states (each at least 10x from the values measured on the project VM). */
const FREE_MIN_HOURS = 1;
const MAX_YEARS = 10;

/** Birthday searches at FREE_BITS until the budget is spent: evaluations per second over all trials. */
function freeInputRate(): { rate: number; collisions: number; evaluations: number } {
  const deadline = Date.now() + FREE_BUDGET_MS;
  const t0 = process.hrtime.bigint();
  let evaluations = 0;
  let collisions = 0;
  for (let trial = 0; Date.now() < deadline; trial++) {
    const r = birthday(FREE_BITS, 7_000 + trial, deadline);
    evaluations += r.evaluations;
    if (r.found) collisions++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { rate: evaluations / seconds, collisions, evaluations };
}

/** The top `bits` of a 64-bit hash `0x` + 16 hex digits. */
function topBits(h: string, bits: number): bigint {
  return BigInt(h) >> BigInt(64 - bits);
}

export async function collisionCost(ctx: AttackContext): Promise<Observation> {
  const free = freeInputRate();
  const birthdayHours = BIRTHDAY64 / free.rate / SECONDS_PER_HOUR;

  // The key holder signs variants of one meter-period reading (peak load +k W: still a plausible reading).
  const grid = await ctx.grid();
  const p = await openPeriod(grid);
  const meter = grid.meters[0][0];
  const base = readingFor(grid, meter, 1, 0, p);
  const domain = await chainDomain(grid);
  const seen = new Map<bigint, Reading>();
  let pair: [Reading, Reading] | undefined;
  const t0 = process.hrtime.bigint();
  let signatures = 0;
  while (pair === undefined && signatures < MAX_SIGNATURES) {
    const r = { ...base, peakLoadW: base.peakLoadW + signatures };
    const leaf = leafHash(await signReading(meter, domain, r));
    signatures++;
    const key = topBits(leaf, SIGNED_BITS);
    const other = seen.get(key);
    if (other) pair = [other, r];
    else seen.set(key, r);
  }
  const signRate = signatures / (Number(process.hrtime.bigint() - t0) / 1e9);
  const equivocationYears = BIRTHDAY64 / signRate / SECONDS_PER_YEAR;

  const freeOk = free.collisions > 0 && birthdayHours > FREE_MIN_HOURS && birthdayHours / 8_766 < MAX_YEARS;
  const signedOk = pair !== undefined && equivocationYears < MAX_YEARS;
  const outcome =
    `free-input 64-bit birthday: ${freeOk ? `> ${FREE_MIN_HOURS} h, < ${MAX_YEARS} years` : "outside 1 h..10 years"}` +
    ` (one thread); meter-key equivocation: ${pair ? `collision at ${SIGNED_BITS} bits` : "none"}, ` +
    `64 bits ${signedOk ? `< ${MAX_YEARS} years` : ">= 10 years"} (one thread)`;
  return {
    outcome,
    // Feasible is what the measurement says: the 64-bit hash does not stop a determined key holder.
    attackSucceeded: signedOk,
    detail:
      `${FREE_BITS}-bit: ${free.collisions} collisions, ${Math.round(free.rate)} H64/s -> 64-bit birthday ` +
      `${birthdayHours.toFixed(1)} h; signing ${Math.round(signRate)} readings/s, ${signatures} signatures -> ` +
      `64-bit equivocation ${(equivocationYears * 365.25).toFixed(0)} days of one thread` +
      (pair ? `; colliding peaks ${pair[0].peakLoadW} / ${pair[1].peakLoadW} W` : ""),
  };
}
