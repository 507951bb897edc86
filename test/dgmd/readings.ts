/** Readings from real CityLearn homes, optionally with generation scaled (an undeclared panel upgrade). */
import type { Reading } from "../../lib/batches/reading.js";
import { HOURS_PER_PERIOD, type BuildingProfile } from "../../lab/data/citylearn.js";

/**
 * The reading a meter would sign for data period `dataPeriod` of `profile`, booked as chain period `period`,
 * with every hour's generation scaled by `num / den` (rounded down). Balance holds by construction.
 */
export function scaledReading(
  profile: BuildingProfile,
  dataPeriod: number,
  meter: string,
  period: number,
  num = 1n,
  den = 1n,
): Reading {
  let importWh = 0n;
  let exportWh = 0n;
  let loadWh = 0n;
  let generationWh = 0n;
  let peakLoadW = 0;
  let peakGenerationW = 0;
  for (let h = dataPeriod * HOURS_PER_PERIOD; h < (dataPeriod + 1) * HOURS_PER_PERIOD; h++) {
    const l = BigInt(profile.hourlyLoadWh[h]);
    const g = (BigInt(profile.hourlyGenerationWh[h]) * num) / den;
    loadWh += l;
    generationWh += g;
    if (g > l) exportWh += g - l;
    else importWh += l - g;
    peakLoadW = Math.max(peakLoadW, Number(l));
    peakGenerationW = Math.max(peakGenerationW, Number(g));
  }
  return { meter, period, importWh, exportWh, loadWh, generationWh, peakLoadW, peakGenerationW };
}

/** The data period with the highest generation peak among the first `periods` (default: the whole year). */
export function sunniestPeriod(profile: BuildingProfile, periods = profile.periods.length): number {
  let best = 0;
  for (let p = 1; p < periods; p++) {
    if (profile.periods[p].peakGenerationW > profile.periods[best].peakGenerationW) best = p;
  }
  return best;
}
