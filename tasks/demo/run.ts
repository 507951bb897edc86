import { parseDemoArgs, type DemoArgs } from "../../lab/demo/options.js";
import { runDemo } from "../../lab/demo/run.js";
import { formatSummary } from "../../lab/demo/summary.js";
import { toJson } from "../../lib/format/table.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: DemoArgs, ctx) => {
  const opts = parseDemoArgs(args);
  const outcome = await runDemo(await ctx.connection(), opts);
  if (opts.json) console.log(toJson({ ...outcome.summary }));
  else if (!opts.quiet) console.log(formatSummary(outcome.summary));
  else console.log(outcome.reportPath);
});
