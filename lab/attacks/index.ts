/** The attack catalogue (issue 7): the paper's five classes, the extended scenarios and issue 16's rules. */
import { EXTENDED_SCENARIOS } from "./extended.js";
import { PAPER_SCENARIOS } from "./paper-classes.js";
import { RULE_SCENARIOS } from "./rules.js";
import { UNREAD_SCENARIOS } from "./unread.js";
import type { Scenario } from "./types.js";

export const CATALOGUE: readonly Scenario[] = [
  ...PAPER_SCENARIOS,
  ...EXTENDED_SCENARIOS,
  ...UNREAD_SCENARIOS,
  ...RULE_SCENARIOS,
];

export { attackContext, memoizedMajority, NEIGHBOURS_OF } from "./context.js";
export { efficiency, renderMatrix, runCatalogue, runScenario, scenariosFor } from "./runner.js";
export * from "./types.js";
