import type { Scenario } from "./types.js";
export const EXTENDED_SCENARIOS: readonly Scenario[] = [];
