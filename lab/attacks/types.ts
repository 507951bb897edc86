/**
 * The attack catalogue's shared types (issue 7, SPEC 12). A scenario MOUNTS an attack against the real contracts
 * (and the real off-chain checks) and reports what happened; the runner compares that with what was expected.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import type { Grid } from "../fixtures/grid.js";
import type { MajorityExperiment } from "./majority.js";

/** The paper's five attack classes (section V, Table I rows). */
export const ATTACK_CLASSES = ["forgery", "tampering", "parent", "majority", "neighbour"] as const;
export type PaperAttackClass = (typeof ATTACK_CLASSES)[number];
export type AttackClass = PaperAttackClass | "extended";

export const CLASS_TITLES: Record<AttackClass, string> = {
  forgery: "Forgery attack",
  tampering: "Physical tampering",
  parent: "Parent node intervention",
  majority: "51% attack",
  neighbour: "False neighbouring node intervention",
  extended: "Extended (not in the paper)",
};

/** Table I cell: Y = the attack can happen, N = no chance, N/A = not applicable; "-" = not in the paper. */
export type PaperRating = "Y" | "N" | "N/A" | "-";

/**
 * `gridshare`: clusters with their neighbours (double authentication). `parentOnly`: the same contracts with no
 * neighbour assigned, so the parent alone is a 1-of-1 majority: the paper's "traditional blockchain" column.
 */
export const CONFIGURATIONS = ["gridshare", "parentOnly"] as const;
export type Configuration = (typeof CONFIGURATIONS)[number];

/** What a mounted attack did. `outcome` is compared verbatim with the scenario's expectation. */
export interface Observation {
  readonly outcome: string;
  /** True when the attacker got what it wanted (wrong data accepted, a refused action allowed). */
  readonly attackSucceeded: boolean;
  /** Evidence read back from the chain or the checks (error arguments, statuses, faults). */
  readonly detail?: string;
}

/** What a scenario gets: a fresh grid per call (a snapshot of the configuration's fixture) and the network. */
export interface AttackContext {
  readonly config: Configuration;
  readonly ethers: HardhatEthers;
  readonly helpers: NetworkHelpers;
  /** A fresh grid of this configuration (state reverted to the fixture each call). */
  grid(): Promise<Grid>;
  /**
   * The layer-2 experiment on a real Clique devnet, memoized (one devnet for both configurations: layer 2 does
   * not depend on neighbours). Absent where no devnet may be started (`npm test`).
   */
  readonly majority?: () => Promise<MajorityExperiment>;
}

export interface Scenario {
  readonly id: string;
  readonly attackClass: AttackClass;
  readonly title: string;
  /** The paper's Table I rating of this scenario's class for the proposed design (GridShare's column). */
  readonly paperColumn: PaperRating;
  /** Expected outcome per configuration; a configuration absent here is not run for this scenario. */
  readonly expected: Partial<Record<Configuration, string>>;
  /** The scenario needs the Clique devnet (`ctx.majority`); without it, it is reported "not run". */
  readonly needsDevnet?: boolean;
  /** Set when the scenario cannot be mounted yet: reported "not run", never passed. */
  readonly pending?: string;
  run(ctx: AttackContext): Promise<Observation>;
}

/** A scenario as its class's table lists it: the class and its paper rating are the table's. */
export type ScenarioRow = Omit<Scenario, "attackClass" | "paperColumn">;

/** One row of the matrix. `observed` is null when the scenario was not run. */
export interface ScenarioResult {
  readonly id: string;
  readonly attackClass: AttackClass;
  readonly title: string;
  readonly config: Configuration;
  readonly paperColumn: PaperRating;
  readonly expected: string;
  readonly observed: string | null;
  readonly attackSucceeded: boolean | null;
  readonly detail?: string;
  /** "pass" (observed == expected), "fail", "not run" (pending, with the reason in `detail`) or "error". */
  readonly verdict: "pass" | "fail" | "not run" | "error";
}
