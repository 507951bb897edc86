import { formatCertificateList, listCertificates, parseMeterArgs } from "../../lib/certificates/ops.js";
import { printResult, taskAction } from "../action.js";

export default taskAction(async (args: { meter: string; json: boolean; certificates: string }, ctx) => {
  const request = parseMeterArgs(args);
  printResult(await listCertificates(await ctx.session(), request), args.json, formatCertificateList);
});
