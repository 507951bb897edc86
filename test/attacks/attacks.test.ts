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
  runScenario,
  scenariosFor,
} from "../../lib/attacks/index.js";

for (const config of CONFIGURATIONS) {
  describe(`attacks (${config})`, () => {
    let ctx: ReturnType<typeof attackContext>;
    before(async () => {
      const { ethers, networkHelpers } = await network.create();
      ctx = attackContext(config, ethers, networkHelpers);
    });
    for (const s of scenariosFor(CATALOGUE, config)) {
      const name = `${s.id} [${s.attackClass}] ${s.title}`;
      if (s.pending !== undefined) {
        it(`${name} (not run: ${s.pending})`);
        continue;
      }
      it(name, async () => {
        const r = await runScenario(s, ctx);
        expect(r.verdict, `${r.id}: ${r.detail ?? ""}`).to.not.equal("error");
        expect(r.observed, r.detail).to.equal(r.expected);
      });
    }
  });
}
