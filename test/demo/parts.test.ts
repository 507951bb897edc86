/** The demo's pure parts: option checks, progress output, gas classification, injected faults, meters. */
import { expect } from "chai";
import { Interface, Wallet, getAddress } from "ethers";
import { parseDemoArgs, DEFAULT_DATA_WEEK, type DemoArgs } from "../../lib/demo/options.js";
import { Progress, statusLine, type WeekStatus } from "../../lib/demo/progress.js";
import { operationOf, type KnownContract } from "../../lib/demo/gas.js";
import {
  alterReading,
  inflateLoad,
  LIE_EXTRA_LOAD_WH,
  overCapacityReading,
  planAttacks,
} from "../../lib/demo/attacks.js";
import { meterReading, NoDataError, type MeterSlot } from "../../lib/demo/meters.js";
import { violatesTolerance, MAX_TOLERANCE_BPS } from "../../lib/certificates.js";
import { checkReading } from "../../lib/reading.js";
import { loadBuilding } from "../../lib/data/citylearn.js";
import { InvalidArgumentError } from "../../lib/errors.js";

const ARGS: DemoArgs = {
  weeks: "2",
  buildings: "1-12",
  seed: "gridshare",
  dataWeek: String(DEFAULT_DATA_WEEK),
  report: "reports/demo.html",
  quiet: false,
  json: false,
};

describe("demo options", () => {
  it("accepts the README defaults", () => {
    const o = parseDemoArgs(ARGS);
    expect(o.weeks).to.equal(2);
    expect(o.buildings).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(o.dataWeek).to.equal(38);
    expect(o.attacks).to.equal(true);
  });

  for (const [name, args, pattern] of [
    ["zero weeks", { weeks: "0" }, /--weeks: "0" is not a whole number from 1 to 13/],
    ["too many weeks", { weeks: "14" }, /--weeks/],
    ["fractional weeks", { weeks: "1.5" }, /--weeks/],
    ["data week 0 (no history to forecast from)", { dataWeek: "0" }, /--data-week/],
    ["data week past the year", { dataWeek: "52" }, /--data-week/],
    ["weeks running past the data", { dataWeek: "50", weeks: "3" }, /past the data year.*--weeks 2 or less/],
    ["empty seed", { seed: " " }, /--seed/],
    ["empty report path", { report: "" }, /--report/],
  ] as const) {
    it(`refuses ${name}`, () => {
      expect(() => parseDemoArgs({ ...ARGS, ...args }))
        .to.throw(InvalidArgumentError)
        .with.property("message")
        .that.matches(pattern);
    });
  }

  it("refuses buildings that do not exist", () => {
    expect(() => parseDemoArgs({ ...ARGS, buildings: "1-18" })).to.throw(/18/);
  });
});

describe("demo progress", () => {
  const status = (period: number): WeekStatus => ({
    week: 1,
    weeks: 2,
    period,
    periods: 42,
    accepted: period * 3,
    overruled: 0,
    refused: 0,
  });

  function sink(isTTY: boolean) {
    const chunks: string[] = [];
    return { isTTY, chunks, write: (c: string) => chunks.push(c) };
  }

  it("rewrites one live line per week on a terminal and ends it when the week is done", () => {
    const s = sink(true);
    const p = new Progress(s);
    for (let i = 1; i <= 42; i++) p.week(status(i));
    expect(s.chunks).to.have.length(43);
    expect(s.chunks.slice(0, 42).every((c) => c.startsWith("\r\x1b[2K") && !c.includes("\n"))).to.equal(true);
    expect(s.chunks[42]).to.equal("\n");
  });

  it("prints a few plain lines when not a terminal", () => {
    const s = sink(false);
    const p = new Progress(s);
    for (let i = 1; i <= 42; i++) p.week(status(i));
    expect(s.chunks).to.deep.equal([14, 28, 42].map((i) => `${statusLine(status(i))}\n`));
  });

  it("prints nothing when quiet", () => {
    const s = sink(true);
    const p = Progress.for(true, s);
    p.step("deploying");
    for (let i = 1; i <= 42; i++) p.week(status(i));
    expect(s.chunks).to.deep.equal([]);
    Progress.for(false, s).step("deploying");
    expect(s.chunks).to.deep.equal(["deploying\n"]);
  });

  it("shows a bar, the counts and any overruled parent or refused reading", () => {
    const line = statusLine({ ...status(21), overruled: 1, refused: 2 });
    expect(line).to.equal(
      "week 1/2 [##########..........] 21/42 periods, 63 batches accepted, 1 parent(s) overruled, 2 reading(s) refused",
    );
  });
});

describe("demo gas classification", () => {
  const iface = new Interface(["function propose(uint32 x)", "function vote(uint32 x)"]);
  const ledger: KnownContract = { name: "BatchLedger", address: getAddress("0x" + "11".repeat(20)), iface };

  it("names a call by contract and function, a creation by contract", () => {
    expect(operationOf([ledger], ledger.address, iface.encodeFunctionData("vote", [1]), null)).to.equal(
      "BatchLedger.vote",
    );
    expect(operationOf([ledger], null, "0x6080", ledger.address.toLowerCase())).to.equal(
      "deploy BatchLedger",
    );
  });

  it("keeps unknown targets and selectors visible rather than dropping them", () => {
    expect(operationOf([ledger], "0x" + "22".repeat(20), "0x12345678", null)).to.equal(
      "call to unknown contract",
    );
    expect(operationOf([ledger], "0x" + "22".repeat(20), "0x", null)).to.equal("transfer");
    expect(operationOf([ledger], ledger.address, "0xdeadbeef", null)).to.equal("BatchLedger.unknown");
  });
});

describe("demo faults and meters", () => {
  const slot: MeterSlot = {
    building: 4,
    clusterId: 1,
    kind: "prosumer",
    capacityW: loadBuilding(4).capacityW,
    wallet: new Wallet("0x" + "01".repeat(32)),
    history: [],
  };
  // Data week 38, Friday 12:00-16:00: the home generates.
  const period = 38 * 42 + 27;

  it("plays the home's data under its meter's key", () => {
    const r = meterReading(slot, period, 0);
    const d = loadBuilding(4).periods[period]!;
    expect(r).to.deep.equal({
      meter: slot.wallet.address,
      period,
      importWh: d.importWh,
      exportWh: d.exportWh,
      loadWh: d.loadWh,
      generationWh: d.generationWh,
      peakLoadW: d.peakLoadW,
      peakGenerationW: d.peakGenerationW,
    });
    expect(() => checkReading(r, { kind: "prosumer" })).to.not.throw();
  });

  it("a consumer meter measures no generation, and the balance still holds", () => {
    const r = meterReading({ ...slot, kind: "consumer" }, period, 0);
    expect(r.generationWh).to.equal(0n);
    expect(r.exportWh).to.equal(0n);
    expect(r.importWh).to.equal(r.loadWh);
    expect(() => checkReading(r, { kind: "consumer" })).to.not.throw();
  });

  it("refuses a period past the data", () => {
    expect(() => meterReading(slot, 2_189, 0)).to.throw(NoDataError);
  });

  it("the over-capacity reading is balanced, plausible and over any allowed tolerance", () => {
    const honest = meterReading(slot, period, 0);
    const r = overCapacityReading(honest, BigInt(slot.capacityW));
    expect(r.generationWh).to.be.greaterThan(honest.generationWh);
    expect(() => checkReading(r, { kind: "prosumer" })).to.not.throw();
    expect(
      violatesTolerance(BigInt(r.peakGenerationW), BigInt(slot.capacityW), BigInt(MAX_TOLERANCE_BPS)),
    ).to.equal(true);
    expect(violatesTolerance(BigInt(honest.peakGenerationW), BigInt(slot.capacityW), 1_000n)).to.equal(false);
  });

  it("the lying parent inflates only the load; the tampered reading differs from what was signed", () => {
    const h = {
      clusterId: 1,
      period: 5,
      root: "0x" + "00".repeat(8),
      leafCount: 4,
      totalLoadWh: 10n,
      totalGenerationWh: 7n,
    };
    expect(inflateLoad(h)).to.deep.equal({ ...h, totalLoadWh: 10n + LIE_EXTRA_LOAD_WH });
    const honest = meterReading(slot, period, 0);
    const altered = alterReading(honest);
    expect(altered.loadWh).to.not.equal(honest.loadWh);
    expect(altered.loadWh + altered.exportWh).to.equal(altered.generationWh + altered.importWh);
  });

  it("plans every attack inside the first played week, on distinct homes", () => {
    const plan = planAttacks("s", [
      { clusterId: 1, buildings: [1, 2, 3, 4] },
      { clusterId: 2, buildings: [5, 6, 7, 8] },
      { clusterId: 3, buildings: [9, 10, 11, 12] },
    ]);
    for (const p of [
      plan.lyingParent.period,
      plan.forgery.period,
      plan.tamper.alarmPeriod,
      plan.overCapacity.period,
    ]) {
      expect(p).to.be.within(42, 83);
    }
    expect(new Set([plan.forgery.building, plan.tamper.building, plan.overCapacity.building]).size).to.equal(
      3,
    );
  });
});
