/** npm run chain:status — head, peers and the sealers of the last blocks, per node. */
import { loadState, nodeStatus, recentSealers } from "../../lib/clique/devnet.js";
import { DEVNET_DIR, envInt } from "../../lib/clique/config.js";
import { runCli } from "../../lib/cli.js";

await runCli(async () => {
  const state = loadState(DEVNET_DIR);
  const statuses = await Promise.all(state.nodes.map((n) => nodeStatus(n)));
  for (const s of statuses) {
    const head =
      s.head === undefined
        ? "-"
        : `#${s.head.number} ${s.head.hash.slice(0, 10)} sealed by ${s.head.sealer ?? "-"}`;
    console.log(
      `node${s.index} ${state.nodes[s.index]?.role ?? "signer"} ${s.rpcUrl} ${s.alive ? "up  " : "down"} ` +
        `peers ${s.peers ?? "-"} head ${head}`,
    );
  }
  const live = statuses.find((s) => s.head !== undefined);
  if (live?.head !== undefined) {
    const last = envInt("GRIDSHARE_STATUS_BLOCKS", 6);
    const names = new Map(state.nodes.map((n) => [n.address, `node${n.index}`]));
    console.log(`last ${last} blocks on node${live.index}:`);
    for (const b of await recentSealers(live.rpcUrl, live.head.number - last + 1, live.head.number)) {
      console.log(
        `  #${b.number} ${b.hash.slice(0, 10)} ${b.sealer === undefined ? "genesis" : (names.get(b.sealer) ?? b.sealer)}`,
      );
    }
  }
});
