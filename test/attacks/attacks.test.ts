/**
 * Issue 7: every scenario of the attack catalogue, mounted against the real contracts, one `it` per scenario and
 * configuration. A pending scenario is a pending mocha test (reported, never passed).
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  attackContext,
  CATALOGUE,
  CONFIGURATIONS,
  memoizedMajority,
  runScenario,
  scenariosFor,
} from "../../lab/attacks/index.js";
import { NO_DEVNET } from "../../lab/attacks/runner.js";

// The 51% rows start a real Clique devnet (about a minute): only with GRIDSHARE_DEVNET=1, as `test:clique` does.
const majority = process.env.GRIDSHARE_DEVNET === "1" ? memoizedMajority() : undefined;
/** The devnet experiment's budget: start, two phases, stop. */
const DEVNET_TIMEOUT_MS = 180_000;

for (const config of CONFIGURATIONS) {
  describe(`attacks (${config})`, () => {
    let ctx: ReturnType<typeof attackContext>;
    before(async () => {
      const { ethers, networkHelpers } = await network.create();
      ctx = attackContext(config, ethers, networkHelpers, majority);
    });
    for (const s of scenariosFor(CATALOGUE, config)) {
      const name = `${s.id} [${s.attackClass}] ${s.title}`;
      const notRun = s.pending ?? (s.needsDevnet && majority === undefined ? NO_DEVNET : undefined);
      if (notRun !== undefined) {
        it(`${name} (not run: ${notRun})`);
        continue;
      }
      it(name, async function () {
        if (s.needsDevnet) this.timeout(DEVNET_TIMEOUT_MS);
        const r = await runScenario(s, ctx);
        expect(r.verdict, `${r.id}: ${r.detail ?? ""}`).to.not.equal("error");
        expect(r.observed, r.detail).to.equal(r.expected);
      });
    }
  });
}
