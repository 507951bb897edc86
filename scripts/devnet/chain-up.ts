/**
 * npm run chain:up — start N EthereumJS Clique signers plus M permissioned (non-sealing) nodes on 127.0.0.1
 * (GRIDSHARE_SIGNERS, default 3, at most 21; GRIDSHARE_PERMISSIONED, default 0; GRIDSHARE_PERIOD).
 */
import { Wallet } from "ethers";
import { devnetSigners, startDevnet, saveState } from "../../lib/clique/devnet.js";
import { CLIENT_CLI, DEVNET_DIR, envInt } from "../../lib/clique/config.js";
import { runCli } from "../../lib/cli.js";

await runCli(async () => {
  const state = await startDevnet({
    baseDir: DEVNET_DIR,
    signers: envInt("GRIDSHARE_SIGNERS", 3),
    permissioned: envInt("GRIDSHARE_PERMISSIONED", 0, 0),
    periodSeconds: envInt("GRIDSHARE_PERIOD", 2),
    operators: envInt("GRIDSHARE_OPERATORS", 4),
    clientCli: CLIENT_CLI,
  });
  saveState(DEVNET_DIR, state);
  console.log(
    `Clique devnet up: chain id ${state.chainId}, ${devnetSigners(state).length} signers of ` +
      `${state.nodes.length} nodes, ${state.periodSeconds} s blocks`,
  );
  for (const n of state.nodes)
    console.log(`  node${n.index}  ${n.rpcUrl}  ${n.role.padEnd(12)} ${n.address}  pid ${n.pid}`);
  console.log(`export GRIDSHARE_CLIQUE_URL=${state.nodes[0]?.rpcUrl}`);
  console.log(`operator keys (devnet only): ${DEVNET_DIR}/devnet.json`);
  const [utility, dgmd] = state.operatorKeys.map((k) => new Wallet(k).address);
  console.log(
    `roles: utility = operator 0 (${utility}), DGMD = operator 1 (${dgmd}); docs/private-network.md`,
  );
});
