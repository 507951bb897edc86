/** The grid fixture for ledger tests: one named fixture per connection, batch periods opened on it, verdicts. */
import { expect } from "chai";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { deployGrid, openPeriod, type Grid, type GridOptions } from "../../lab/fixtures/grid.js";
import { BatchStatus } from "../../lib/chain/schema.js";

export interface Connection {
  readonly ethers: HardhatEthers;
  readonly networkHelpers: NetworkHelpers;
}

export interface GridFixture {
  /** The grid, deployed once on the connection and reverted to that snapshot on every call. */
  load(): Promise<Grid>;
  /** The grid with a fresh batch period `p` open for voting (`p` ended, the chain is in `p + 1`). */
  open(): Promise<{ grid: Grid; p: number }>;
}

export function gridFixture(connection: Connection, options: GridOptions = {}): GridFixture {
  // loadFixture snapshots per function: one named function per fixture.
  function grid(): Promise<Grid> {
    return deployGrid(connection.ethers, connection.networkHelpers, options);
  }
  const load = () => connection.networkHelpers.loadFixture(grid);
  return {
    load,
    async open() {
      const g = await load();
      return { grid: g, p: await openPeriod(g) };
    },
  };
}

/** The batch of `clusterId` for period `p` ended Disputed: stored so, with no root, and it does not count. */
export async function expectDisputed(grid: Grid, clusterId: number, p: number): Promise<void> {
  const b = await grid.ledger.batchOf(clusterId, p);
  expect(b.status).to.equal(BatchStatus.Disputed);
  expect(b.root).to.equal("0x0000000000000000");
  expect(await grid.ledger.isAccepted(clusterId, p)).to.equal(false);
}
