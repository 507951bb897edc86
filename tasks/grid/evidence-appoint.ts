import { appointEvidence } from "../../lib/registry/ops.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: { registry: string; evidence: string }, ctx) => {
  const registry = await ctx.contract("ClusterRegistry", args.registry);
  const evidence = await (await ctx.contract("ReadingEvidence", args.evidence)).getAddress();
  const sent = await appointEvidence(registry, evidence);
  console.log(
    sent
      ? `ReadingEvidence ${evidence} appointed: it may mark meters compromised on proven evidence`
      : `ReadingEvidence ${evidence} already holds the role: nothing sent`,
  );
});
