import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseDemoArgs, type DemoArgs } from "../../lab/demo/options.js";
import { runDemo } from "../../lab/demo/run.js";
import { formatSummary } from "../../lab/demo/summary.js";
import { toJson } from "../../lib/format/table.js";

export default async function (args: DemoArgs, hre: HardhatRuntimeEnvironment) {
  const opts = parseDemoArgs(args);
  const outcome = await runDemo(await hre.network.getOrCreate(), opts);
  if (opts.json) console.log(toJson({ ...outcome.summary }));
  else if (!opts.quiet) console.log(formatSummary(outcome.summary));
  else console.log(outcome.reportPath);
}
