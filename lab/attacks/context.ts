/** The two grid configurations the catalogue runs in, as Hardhat fixtures (one deployment, then snapshots). */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { DEFAULT_NEIGHBOURS, deployGrid, type Grid } from "../fixtures/grid.js";
import { runMajorityExperiment, type MajorityExperiment } from "./majority.js";
import type { AttackContext, Configuration } from "./types.js";

/** GridShare's default topology, and the same five clusters with no neighbour assigned (parent alone). */
export const NEIGHBOURS_OF: Record<Configuration, number[][]> = {
  gridshare: DEFAULT_NEIGHBOURS,
  parentOnly: DEFAULT_NEIGHBOURS.map(() => []),
};

/**
 * A context over one network connection. Use one connection per configuration (`network.create()` each):
 * fixture snapshots of two configurations on one chain would invalidate each other.
 */
export function attackContext(
  config: Configuration,
  ethers: HardhatEthers,
  helpers: NetworkHelpers,
  majority?: () => Promise<MajorityExperiment>,
): AttackContext {
  const fixture = (): Promise<Grid> => deployGrid(ethers, helpers, { neighbours: NEIGHBOURS_OF[config] });
  return { config, ethers, helpers, grid: () => helpers.loadFixture(fixture), majority };
}

/** The devnet experiment run once however often it is asked for (both configurations share layer 2). */
export function memoizedMajority(): () => Promise<MajorityExperiment> {
  let result: Promise<MajorityExperiment> | undefined;
  return () => (result ??= runMajorityExperiment());
}
