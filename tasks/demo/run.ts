import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseBuildingList } from "../../lib/data/citylearn.js";
import { setupGrid } from "../../lib/demo/setup.js";
import { formatTopology, readTopology } from "../../lib/ops/grid.js";
import { toJson } from "../../lib/format/table.js";
import { InvalidArgumentError } from "../../lib/errors.js";

export interface DemoArgs {
  weeks: string;
  buildings: string;
  seed: string;
  report: string;
  quiet: boolean;
  json: boolean;
}

export default async function (args: DemoArgs, hre: HardhatRuntimeEnvironment) {
  const weeks = Number(args.weeks);
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52) {
    throw new InvalidArgumentError("weeks", `"${args.weeks}" is not a whole number of weeks from 1 to 52`);
  }
  const buildings = parseBuildingList(args.buildings);
  const connection = await hre.network.getOrCreate();
  const grid = await setupGrid(connection, { buildings, seed: args.seed });
  const topology = await readTopology(grid.registry);
  if (args.json) console.log(toJson({ deployer: grid.deployer, topology }));
  else {
    console.log(
      `GridShare demo grid: ${buildings.length} homes, deployed by ${grid.deployer} (largest cluster's node)`,
    );
    console.log(formatTopology(topology));
  }
}
