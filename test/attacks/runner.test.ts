/** The runner itself: verdicts, "not run" for pending scenarios, errors never passing, efficiency arithmetic. */
import { expect } from "chai";
import { efficiency, renderMatrix, runScenario, scenariosOfClass } from "../../lab/attacks/runner.js";
import type { AttackContext, Observation, Scenario, ScenarioResult } from "../../lab/attacks/types.js";

const ctx = { config: "gridshare" } as unknown as AttackContext;
const OBSERVED: Observation = { outcome: "x", attackSucceeded: false };

function scenario(run: () => Promise<Observation>, extra: Partial<Scenario> = {}): Scenario {
  return {
    id: "T",
    attackClass: "parent",
    title: "t",
    paperColumn: "N",
    expected: { gridshare: "accepted honest" },
    run,
    ...extra,
  };
}

function row(attackClass: ScenarioResult["attackClass"], attackSucceeded: boolean | null): ScenarioResult {
  return {
    id: "r",
    attackClass,
    title: "r",
    config: "gridshare",
    paperColumn: "N",
    expected: "x",
    observed: attackSucceeded === null ? null : "x",
    attackSucceeded,
    verdict: attackSucceeded === null ? "not run" : "pass",
  };
}

describe("attack runner", () => {
  it("passes only when the observed outcome equals the expected one", async () => {
    const ok = await runScenario(
      scenario(async () => ({ outcome: "accepted honest", attackSucceeded: false })),
      ctx,
    );
    expect(ok.verdict).to.equal("pass");
    const wrong = await runScenario(
      scenario(async () => ({ outcome: "accepted wrong", attackSucceeded: true })),
      ctx,
    );
    expect(wrong.verdict).to.equal("fail");
    expect(wrong.observed).to.equal("accepted wrong");
  });

  it("reports a throwing scenario as an error, with no observation", async () => {
    const r = await runScenario(
      scenario(async () => {
        throw new Error("boom");
      }),
      ctx,
    );
    expect(r.verdict).to.equal("error");
    expect(r.observed).to.equal(null);
    expect(r.detail).to.contain("boom");
  });

  it("never runs a pending scenario and reports it as not run", async () => {
    let called = false;
    const r = await runScenario(
      scenario(
        async () => {
          called = true;
          return { outcome: "accepted honest", attackSucceeded: false };
        },
        { pending: "waiting for X" },
      ),
      ctx,
    );
    expect(called).to.equal(false);
    expect(r.verdict).to.equal("not run");
    expect(r.detail).to.equal("waiting for X");
  });

  it("refuses a configuration the scenario has no expectation for", async () => {
    const s = scenario(async () => ({ outcome: "x", attackSucceeded: false }));
    const other = { config: "parentOnly" } as unknown as AttackContext;
    let error: unknown;
    await runScenario(s, other).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain("no expectation for parentOnly");
  });

  it("gives a class's table rows the class and the class's Table I rating for GridShare", () => {
    const row = { id: "R", title: "r", expected: { gridshare: "x" }, run: async () => OBSERVED };
    const [majority] = scenariosOfClass("majority", [row]);
    expect([majority.id, majority.attackClass, majority.paperColumn]).to.deep.equal(["R", "majority", "Y"]);
    const [extended] = scenariosOfClass("extended", [row]);
    expect([extended.attackClass, extended.paperColumn]).to.deep.equal(["extended", "-"]);
  });

  it("efficiency: a class is Y when any attack of it succeeded; not-run classes are not counted prevented", () => {
    const results = [
      row("forgery", false),
      row("tampering", false),
      row("parent", false),
      row("parent", true),
      row("majority", null),
      row("neighbour", false),
      row("extended", true),
    ];
    const e = efficiency(results, "gridshare");
    expect(e.classes.map((c) => c.observed)).to.deep.equal(["N", "N", "Y", "not run", "N"]);
    expect(e.efficiency).to.equal(3 / 5);
    expect(e.efficiencyOfRun).to.equal(3 / 4);
    expect(e.paperEfficiency).to.equal(0.8);
    const text = renderMatrix(results, [e]);
    expect(text).to.contain("60% (of run: 75%)");
    expect(text).to.contain("6 passed, 0 failed, 0 errors, 1 not run");
  });
});
