/** Assertions on an HTML report as a real browser rendered it (lab/report/browser.ts). */
import { expect } from "chai";
import type { BrowserCheck } from "../../lab/report/browser.js";

/** No console error, exactly `plots` in this order, and each of them rendered, with ink on the canvas. */
export function expectRendered(check: BrowserCheck, plots: readonly string[]): void {
  expect(check.consoleErrors).to.deep.equal([]);
  expect(check.plots.map((p) => p.plot)).to.deep.equal(plots);
  for (const p of check.plots) {
    expect(p.rendered, p.plot).to.equal(true);
    expect(p.error, p.plot).to.equal("");
    expect(p.inkPixels, p.plot).to.be.greaterThan(0);
  }
}
