/** The demo's pure parts: option checks, progress output, gas classification, injected faults, meters. */
import { expect } from "chai";
import { Interface, Wallet, getAddress } from "ethers";
import { parseDemoArgs, DEFAULT_DATA_WEEK, type DemoArgs } from "../../lab/demo/options.js";
import { Progress, statusLine, type WeekStatus } from "../../lab/demo/progress.js";
import { operationOf, type KnownContract } from "../../lab/demo/gas.js";
import { overCapacityReading, planAttacks } from "../../lab/demo/attacks.js";
import { fleetMeter, meterSlots, replacementWallet, type MeterSlot } from "../../lab/demo/meters.js";
import { MeterFleet } from "../../lab/simulator/fleet.js";
import { gridDomain } from "../../lib/batches/reading.js";
import { demoClusters } from "../../lab/fixtures/demo-grid.js";
import { violatesTolerance, MAX_TOLERANCE_BPS } from "../../lib/certificates/certificates.js";
import { checkReading } from "../../lib/batches/reading.js";
import { loadBuilding } from "../../lab/data/citylearn.js";
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
    [
      "too few buildings for two clusters",
      { buildings: "13-17" },
      /^--buildings: 5 building\(s\) make fewer than 2 clusters of 4: choose at least 8$/,
    ],
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
  const iface = new Interface(["function submit(bytes items)", "function finalize(uint32 c, uint32 p)"]);
  const ledger: KnownContract = { name: "BatchLedger", address: getAddress("0x" + "11".repeat(20)), iface };

  it("names a call by contract and function, a creation by contract", () => {
    expect(
      operationOf([ledger], ledger.address, iface.encodeFunctionData("submit", ["0x01"]), null),
    ).to.equal("BatchLedger.submit");
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

  const fleet = new MeterFleet([fleetMeter(slot)], gridDomain(31337n, "0x" + "11".repeat(20)));
  const meterReading = (s: MeterSlot, p: number) => fleet.reading(fleetMeter(s), p);

  it("plays each home under its meter's key; a replacement gets a new, seed-derived key", () => {
    const slots = meterSlots(
      demoClusters([1, 2, 3, 4, 5, 6, 7, 8], "s").map((c, i) => ({ clusterId: i + 1, meters: c.meters })),
    );
    expect(slots.map((x) => [x.building, x.clusterId])).to.deep.equal([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 2],
      [6, 2],
      [7, 2],
      [8, 2],
    ]);
    expect(slots.every((x) => x.history.length === 1 && x.history[0] === x.wallet)).to.equal(true);
    const r1 = replacementWallet("s", 5, 1);
    expect(r1.address).to.equal(replacementWallet("s", 5, 1).address);
    expect(r1.address).to.not.equal(replacementWallet("s", 5, 2).address);
    expect(r1.address).to.not.equal(slots[4]!.wallet.address);
    expect(fleetMeter({ ...slots[4]!, wallet: r1 }).wallet.address).to.equal(r1.address);
  });

  it("the over-capacity reading is balanced, plausible and over any allowed tolerance", () => {
    const honest = meterReading(slot, period);
    const r = overCapacityReading(honest, BigInt(slot.capacityW));
    expect(r.generationWh).to.be.greaterThan(honest.generationWh);
    expect(() => checkReading(r, { kind: "prosumer" })).to.not.throw();
    expect(
      violatesTolerance(BigInt(r.peakGenerationW), BigInt(slot.capacityW), BigInt(MAX_TOLERANCE_BPS)),
    ).to.equal(true);
    expect(violatesTolerance(BigInt(honest.peakGenerationW), BigInt(slot.capacityW), 1_000n)).to.equal(false);
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
