/** npm run chain:down — stop the devnet's nodes by their recorded PIDs. */
import { loadState, saveState, stopDevnet } from "../../lib/clique/devnet.js";
import { DEVNET_DIR } from "../../lib/clique/config.js";
import { runCli } from "../../lib/cli.js";

await runCli(async () => {
  const state = loadState(DEVNET_DIR);
  await stopDevnet(state);
  saveState(DEVNET_DIR, state);
  console.log(`stopped ${state.nodes.length} nodes (data kept in ${DEVNET_DIR})`);
});
