import { formatTariffPlan, parseForecastArgs, planTariff, publishTariff } from "../../lib/tariffs/ops.js";
import type { ForecastArgs } from "../../lib/tariffs/ops.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: ForecastArgs & { from: string }, ctx) => {
  const request = parseForecastArgs(args);
  const s = await ctx.session();
  const plan = await planTariff(s, request);
  console.log(formatTariffPlan(plan));
  if (!request.publish) {
    console.log("not published (add --publish to send)");
    return;
  }
  console.log(`published week ${plan.forecast.week} (block ${await publishTariff(s, request, plan)})`);
});
