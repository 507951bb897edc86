/**
 * SPEC 10, the Magnitude of Energy Share, in 18-decimal fixed point with floor rounding. Twin of
 * contracts/libraries/MesMath.sol: both are pinned by test/vectors/mes.json and a randomized comparison.
 */
import { FIXED_ONE } from "../constants.js";
import { GridShareError } from "../errors.js";

/** Largest value a Solidity uint256 holds: the domain both twins accept. */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** A value outside the unsigned 256-bit domain MesMath accepts. */
export class MesDomainError extends GridShareError {
  constructor(what: string, value: bigint) {
    super("MES_DOMAIN", `${what} = ${value} is not an unsigned 256-bit integer: pass 0..2^256-1`);
  }
}

function check(what: string, v: bigint): bigint {
  if (v < 0n || v > MAX_UINT256) throw new MesDomainError(what, v);
  return v;
}

/** OpenZeppelin `Math.mulDiv(x, y, d, Floor)`: exact floor(x * y / d). */
export function mulDivFloor(x: bigint, y: bigint, d: bigint): bigint {
  if (d === 0n) throw new GridShareError("DIVISION_BY_ZERO", "mulDiv by zero");
  const q = (x * y) / d;
  if (q > MAX_UINT256) throw new GridShareError("MULDIV_OVERFLOW", `mulDiv result ${q} exceeds uint256`);
  return q;
}

/** Percentage share allocation: 1.0 when G <= L, else floor(L * 1e18 / G). */
export function psa(loadWh: bigint, generationWh: bigint): bigint {
  check("loadWh", loadWh);
  check("generationWh", generationWh);
  if (generationWh <= loadWh) return FIXED_ONE;
  return mulDivFloor(loadWh, FIXED_ONE, generationWh);
}

/** Decremental factor, exactly `1.0 - psa` (so it is (G - L) / G rounded up); 0 when G <= L. */
export function decrementalFactor(loadWh: bigint, generationWh: bigint): bigint {
  return FIXED_ONE - psa(loadWh, generationWh);
}

/** The paper's D = L - G (negative in a surplus). */
export function deficitWh(loadWh: bigint, generationWh: bigint): bigint {
  return loadWh - generationWh;
}

/** MES_i = floor(psa * capacity / 1e18), in W; never more than the capacity. */
export function mes(psa_: bigint, capacityW: bigint): bigint {
  check("psa", psa_);
  check("capacityW", capacityW);
  return mulDivFloor(psa_, capacityW, FIXED_ONE);
}

export interface ProsumerCapacity {
  readonly meter: string;
  /** Authorized certified capacity in W (0 for an uncertified or deauthorized prosumer). */
  readonly capacityW: bigint;
}

export interface ProsumerShare extends ProsumerCapacity {
  readonly mesW: bigint;
}

export interface ClusterShares {
  readonly loadWh: bigint;
  readonly generationWh: bigint;
  readonly deficitWh: bigint;
  readonly decrementalFactor: bigint;
  readonly psa: bigint;
  readonly curtailing: boolean;
  readonly shares: readonly ProsumerShare[];
}

/** Everything SPEC 10 derives for one cluster-period, with each prosumer's MES. */
export function clusterShares(
  loadWh: bigint,
  generationWh: bigint,
  prosumers: readonly ProsumerCapacity[],
): ClusterShares {
  const p = psa(loadWh, generationWh);
  return {
    loadWh,
    generationWh,
    deficitWh: deficitWh(loadWh, generationWh),
    decrementalFactor: FIXED_ONE - p,
    psa: p,
    curtailing: generationWh > loadWh,
    shares: prosumers.map((x) => ({ ...x, mesW: mes(p, x.capacityW) })),
  };
}

/** A fixed-point value as a decimal string with 18 places trimmed, e.g. 0.75 (for people). */
export function formatFixed(v: bigint, places = 6): string {
  const whole = v / FIXED_ONE;
  const frac = (v % FIXED_ONE).toString().padStart(18, "0").slice(0, places);
  return `${whole}.${frac}`;
}
