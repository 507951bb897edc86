import GridShare, { deployedAddresses } from "../../ignition/modules/GridShare.js";
import {
  deployGridShare,
  formatDeployment,
  parseDeployArgs,
  type DeployArgs,
} from "../../lib/chain/deploy.js";
import { taskAction } from "../action.js";

export default taskAction(async (args: DeployArgs & { from: string }, ctx) => {
  const request = parseDeployArgs(args);
  const connection = await ctx.connection();
  const deployment = await deployGridShare(
    await ctx.session(),
    connection.ethers,
    request,
    async (parameters, sender) => {
      const deployed = await connection.ignition.deploy(GridShare, {
        parameters: { GridShare: { ...parameters } },
        defaultSender: sender,
        // A sealed Clique block is final unless two signers sealed the same height (docs/private-network.md).
        config: { requiredConfirmations: 1 },
      });
      return deployedAddresses(deployed);
    },
  );
  console.log(formatDeployment(deployment));
});
