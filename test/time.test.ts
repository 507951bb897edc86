import { expect } from "chai";
import { firstPeriodOfWeek, mondayOnOrBefore, periodAt, periodStart, weekOfPeriod } from "../lib/time.js";
import { GridShareError } from "../lib/errors.js";

const utc = (y: number, m: number, d: number, h = 0) => BigInt(Date.UTC(y, m - 1, d, h) / 1000);

describe("grid clock (SPEC 3)", () => {
  it("finds the Monday 00:00 UTC at or before a time", () => {
    expect(mondayOnOrBefore(utc(2026, 11, 25, 12))).to.equal(utc(2026, 11, 23)); // a Wednesday
    expect(mondayOnOrBefore(utc(2026, 11, 23))).to.equal(utc(2026, 11, 23)); // a Monday, exactly
    expect(mondayOnOrBefore(utc(2026, 11, 22, 23))).to.equal(utc(2026, 11, 16)); // a Sunday night
    expect(mondayOnOrBefore(utc(2016, 8, 1, 3))).to.equal(utc(2016, 8, 1)); // the data's first Monday
  });

  it("counts 4-hour periods from the epoch and 42-period weeks", () => {
    const epoch = utc(2026, 11, 23);
    expect(periodAt(epoch, epoch)).to.equal(0);
    expect(periodAt(epoch + 14_399n, epoch)).to.equal(0);
    expect(periodAt(epoch + 14_400n, epoch)).to.equal(1);
    expect(periodStart(43, epoch)).to.equal(epoch + 43n * 14_400n);
    expect(weekOfPeriod(41)).to.equal(0);
    expect(weekOfPeriod(42)).to.equal(1);
    expect(firstPeriodOfWeek(2)).to.equal(84);
    expect(() => periodAt(epoch - 1n, epoch)).to.throw(GridShareError, /before the grid epoch/);
  });
});
