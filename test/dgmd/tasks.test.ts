import { expect } from "chai";
import { runTask as run } from "../helpers/tasks.js";
import hre from "hardhat";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type {
  CapacityCertificates,
  ClusterRegistry,
  TariffSchedule,
} from "../../types/ethers-contracts/index.js";
import { GridShareError } from "../../lib/errors.js";
import { CITYLEARN_SITE, loadBuilding, loadWeatherRows, weatherAtOrigin } from "../../lab/data/citylearn.js";
import { forecastGridWeek, type WeatherHour } from "../../lib/tariffs/forecast/index.js";
import { parseForecastArgs } from "../../lib/tariffs/ops.js";
import { deployClusterRegistry, mondayBefore } from "../../lab/fixtures/grid.js";
import { PERIOD_SECONDS, PERIODS_PER_WEEK } from "../../lib/constants.js";
import { CurtailmentRule, MeterKind } from "../../lib/chain/schema.js";

const WEEK_SECONDS = BigInt(PERIOD_SECONDS * PERIODS_PER_WEEK);
const KEY = "ab".repeat(32);
/** The CityLearn homes' site, as a deployment's site file holds it. */
const SITE = { ...CITYLEARN_SITE, pvTiltDeg: 20, pvAzimuthDeg: 0 };
/** One hour of a weather file starting at UTC second `startUtc`. */
const HOUR = (startUtc: number) => ({
  startUtc,
  temperatureC: 20,
  directIrradianceWm2: 0,
  diffuseIrradianceWm2: 0,
});

async function failure(id: string, args: Record<string, unknown>): Promise<Error> {
  const err = await run(id, args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${id} should fail`).to.be.instanceOf(GridShareError);
  return err as Error;
}

describe("dgmd:* operator tasks", () => {
  let registry: ClusterRegistry;
  let certs: CapacityCertificates;
  let tariffs: TariffSchedule;
  let dgmd: HardhatEthersSigner;
  let utility: HardhatEthersSigner;
  let epoch: bigint;
  let meter: string;
  let dir: string;
  let ledgerAddress: string;
  let blockNumber: () => Promise<number>;
  let setTime: (t: bigint) => Promise<void>;
  /** Options of the certificate tasks, and of the tariff tasks. */
  const common = () => ({ certificates: certs.target as string, from: dgmd.address });
  const onTariffs = () => ({ tariffs: tariffs.target as string, from: dgmd.address });
  /** dgmd:forecast's options: none given but `given` (a dry run unless `publish`). */
  const forecastArgs = (given: Record<string, unknown>) => ({
    week: "",
    load: "",
    generation: "",
    history: "",
    ledger: "",
    site: "",
    weather: "",
    publish: false,
    ...onTariffs(),
    ...given,
  });

  function writeJson(name: string, value: unknown): string {
    const file = path.join(dir, name);
    writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  }

  /** Buildings 1-4's data weeks 0..weeks-1 as the grid's history of the weeks before `target`. */
  function realHistory(target: number, weeks: number) {
    const homes = [1, 2, 3, 4].map((b) => loadBuilding(b));
    const first = (target - weeks) * PERIODS_PER_WEEK;
    return Array.from({ length: weeks * PERIODS_PER_WEEK }, (_, i) => ({
      period: first + i,
      loadWh: homes.reduce((sum, h) => sum + h.periods[i].loadWh, 0n).toString(),
      generationWh: homes.reduce((sum, h) => sum + h.periods[i].generationWh, 0n).toString(),
    }));
  }

  /**
   * CityLearn's weather as a feed for the grid's clock: the measured hours of the `days` days before the start of
   * week `target` (data hours up to that week), and the 24 h the file predicted from then on.
   */
  function realWeather(target: number, days: number, weeks: number) {
    const originUtc = Number(epoch + BigInt(target) * WEEK_SECONDS);
    const originHour = (weeks * Number(WEEK_SECONDS)) / 3600;
    const known = weatherAtOrigin(loadWeatherRows(), originHour);
    const timed = (hours: readonly WeatherHour[], firstUtc: number) =>
      hours.map((h, i) => ({ startUtc: firstUtc + i * 3600, ...h }));
    const observed = known.observed.slice(known.observed.length - days * 24);
    return {
      known: { observed, predicted: known.predicted },
      file: {
        measured: timed(observed, originUtc - observed.length * 3600),
        predicted: timed(known.predicted, originUtc),
      },
    };
  }

  before(async () => {
    const { ethers, networkHelpers } = await hre.network.getOrCreate();
    [utility, dgmd] = await ethers.getSigners();
    epoch = mondayBefore(BigInt(await networkHelpers.time.latest()));
    registry = await deployClusterRegistry(ethers, utility, dgmd, epoch, 4);
    const ledger = await ethers.deployContract("BatchLedger", [await registry.getAddress()]);
    ledgerAddress = await ledger.getAddress();
    await registry.setLedger(ledgerAddress);
    certs = (await ethers.deployContract("CapacityCertificates", [
      await registry.getAddress(),
      await ledger.getAddress(),
    ])) as unknown as CapacityCertificates;
    tariffs = (await ethers.deployContract("TariffSchedule", [
      await registry.getAddress(),
      {
        baseImportRate: 300_000n,
        baseExportRate: 100_000n,
        floorRate: 50_000n,
        ceilingRate: 600_000n,
        sensitivityBps: 5_000,
      },
    ])) as unknown as TariffSchedule;
    const node = Wallet.createRandom().address;
    await registry.addNode(node, 0, 0);
    await registry.createCluster(node, 0, 0);
    meter = Wallet.createRandom().address;
    await registry.addMeter(1, meter, MeterKind.Prosumer);
    dir = mkdtempSync(path.join(tmpdir(), "dgmd-"));
    blockNumber = () => ethers.provider.getBlockNumber();
    setTime = async (t: bigint) => {
      await networkHelpers.time.increaseTo(t);
    };
    writeFileSync(path.join(dir, "key.hex"), KEY);
  });

  function application(overrides: Record<string, unknown> = {}) {
    return {
      meter,
      installedCapacityW: 5000,
      personalData: { name: "Home 4", address: "4 Grid Street", siteVisitNotes: "5 kWp on the south roof" },
      validFrom: Number(epoch),
      validUntil: Number(epoch + 60n * WEEK_SECONDS),
      ...overrides,
    };
  }

  it("refuses bad arguments and files with a one-line error, sending nothing", async () => {
    const before = await blockNumber();
    const keyFile = path.join(dir, "key.hex");
    const certify = (application: string, extra: Record<string, unknown> = {}) =>
      failure("dgmd:certify", { application, keyFile, out: dir, ...common(), ...extra });
    const cases: Array<[() => Promise<Error>, RegExp]> = [
      [() => certify(path.join(dir, "missing.json")), /missing.json: file not found/],
      [() => certify(writeJson("broken.json", "{ meter: ")), /broken.json: malformed JSON/],
      [
        () => certify(writeJson("zero.json", application({ installedCapacityW: 0 }))),
        /"installedCapacityW" must be > 0 W/,
      ],
      [() => certify(writeJson("neg.json", application({ installedCapacityW: -1 }))), /must be > 0 W/],
      [() => certify(writeJson("addr.json", application({ meter: "0xnope" }))), /"meter" must be an address/],
      [
        () => certify(writeJson("ok.json", application()), { keyFile: path.join(dir, "nokey") }),
        /nokey: key file not found/,
      ],
      [
        () => certify(writeJson("ok.json", application()), { keyFile: writeJson("short.hex", "abcd") }),
        /64 hex digits/,
      ],
      [
        () => certify(writeJson("ok.json", application()), { certificates: "0x12" }),
        /"0x12" is not an address/,
      ],
      [
        () => certify(writeJson("ok.json", application()), { from: Wallet.createRandom().address }),
        /--from: .* is not an account/,
      ],
      [
        () => certify(writeJson("ok.json", application()), { from: utility.address }),
        /does not hold the DGMD role/,
      ],
      [
        () => certify(writeJson("consumer.json", application({ meter: Wallet.createRandom().address }))),
        /is not an active prosumer meter \(kind none, status none\)/,
      ],
      [
        () => failure("dgmd:revoke", { certId: "", meter: "", ...common() }),
        /exactly one of --cert-id or --meter/,
      ],
      [
        () => failure("dgmd:revoke", { certId: "0x1234", meter: "", ...common() }),
        /not a non-zero 32-byte hex id/,
      ],
      [
        () => failure("dgmd:tolerance", { bps: "999", ...common() }),
        /--bps: tolerance 999 bps is outside 1000..1500/,
      ],
      [() => failure("dgmd:tolerance", { bps: "12%", ...common() }), /--bps: "12%" is not a whole number/],
      [() => failure("dgmd:forecast", forecastArgs({ load: "5" })), /both --load and --generation/],
      [
        () => failure("dgmd:forecast", forecastArgs({ load: "-5", generation: "1" })),
        /--load: "-5" is not a whole number/,
      ],
      [
        () =>
          failure("dgmd:forecast", forecastArgs({ week: "0", load: "5", generation: "1", publish: true })),
        /week 0 has started .*frozen/,
      ],
      [
        () => failure("dgmd:forecast", forecastArgs({ history: writeJson("h.json", [{ period: 1 }]) })),
        /entry 0: "loadWh" must be a whole number/,
      ],
      [
        // No accepted batch last week: the ledger history is unknown, not zero.
        () => failure("dgmd:forecast", forecastArgs({ ledger: ledgerAddress, publish: true })),
        /no complete week \(42 periods\) of history/,
      ],
      [
        () => failure("dgmd:forecast", forecastArgs({ site: path.join(dir, "nosite.json") })),
        /nosite.json: file not found/,
      ],
      [
        () =>
          failure("dgmd:forecast", forecastArgs({ site: writeJson("s1.json", { ...SITE, latitude: 34 }) })),
        /s1.json: unknown key "latitude": the keys are latitudeDeg, longitudeDeg/,
      ],
      [
        () =>
          failure(
            "dgmd:forecast",
            forecastArgs({ site: writeJson("s2.json", { ...SITE, latitudeDeg: 100 }) }),
          ),
        /s2.json: forecast site: latitude 100 is not in -90..90/,
      ],
      [
        () =>
          failure(
            "dgmd:forecast",
            forecastArgs({ site: writeJson("s3.json", { latitudeDeg: 34, longitudeDeg: 1 }) }),
          ),
        /s3.json: "utcOffsetHours" must be a number, got undefined/,
      ],
      [
        () => failure("dgmd:forecast", forecastArgs({ weather: writeJson("w0.json", { measured: [] }) })),
        /--weather: the weather is used with the site: give --site <file>/,
      ],
      [
        () =>
          failure(
            "dgmd:forecast",
            forecastArgs({ load: "5", generation: "1", site: writeJson("s4.json", SITE) }),
          ),
        /--site: nothing is forecast with --load and --generation/,
      ],
      [
        () =>
          failure(
            "dgmd:forecast",
            forecastArgs({
              site: writeJson("s5.json", SITE),
              weather: writeJson("w1.json", { measured: [HOUR(0), HOUR(7200)] }),
            }),
          ),
        /w1.json: measured\[1\] does not start one hour after measured\[0\]/,
      ],
      [
        () =>
          failure(
            "dgmd:forecast",
            forecastArgs({
              site: writeJson("s6.json", SITE),
              weather: writeJson("w2.json", { measured: [HOUR(60)] }),
            }),
          ),
        /w2.json: measured\[0\].startUtc 60 is not the start of a UTC hour/,
      ],
      [
        // The feed must reach the forecast's origin (the start of the week after the history).
        () => {
          const target = 30;
          const { file } = realWeather(target, 28, 5);
          return failure(
            "dgmd:forecast",
            forecastArgs({
              week: String(target),
              history: writeJson("h5.json", realHistory(target, 5)),
              site: writeJson("s7.json", SITE),
              weather: writeJson("w3.json", { measured: file.measured.slice(0, -1) }),
            }),
          );
        },
        /w3.json: the measured hours end at .*, before the forecast's origin/,
      ],
      [
        () => failure("dgmd:curtailment", { week: "", rule: "binding", ...onTariffs() }),
        /--rule: "binding" is not a curtailment rule: use capacity or generation/,
      ],
      [
        () => failure("dgmd:curtailment", { week: "next", rule: "generation", ...onTariffs() }),
        /--week: "next" is not a whole number/,
      ],
      [
        () => failure("dgmd:curtailment", { week: "0", rule: "generation", ...onTariffs() }),
        /--week: week 0 has started \(current week \d+\): its curtailment rule is frozen/,
      ],
      [
        () =>
          failure("dgmd:curtailment", {
            week: "",
            rule: "generation",
            ...onTariffs(),
            from: utility.address,
          }),
        /does not hold the DGMD role/,
      ],
      [
        () => failure("dgmd:curtailment", { week: "", rule: "generation", ...onTariffs(), tariffs: "0x12" }),
        /"0x12" is not an address/,
      ],
    ];
    for (const [attempt, message] of cases) expect((await attempt()).message).to.match(message);
    expect(await blockNumber()).to.equal(before, "no transaction may be sent on a bad argument");
  });

  it("dgmd:curtailment shows the default rule, announces a future week's, and shows it in force", async () => {
    const now = Number(await tariffs.currentWeek());
    const shown = await run("dgmd:curtailment", { week: "", rule: "", ...onTariffs() });
    expect(shown).to.include(`week ${now}: capacity (default, none announced)`);
    expect(shown).to.include("no rule announced yet");
    const before = await blockNumber();
    const sent = await run("dgmd:curtailment", { week: "", rule: "generation", ...onTariffs() });
    expect(await blockNumber()).to.equal(before + 1);
    expect(sent).to.include(`announced week ${now + 1}: capacity -> generation`);
    expect(sent).to.include(`week ${now + 1}: generation (announced for week ${now + 1})`);
    expect(sent).to.match(new RegExp(`${now + 1}\\s+generation\\s+future \\(may change\\)`));
    expect(await tariffs.curtailmentRuleOf(now + 1)).to.deep.equal([
      CurtailmentRule.Generation,
      BigInt(now + 1),
      true,
    ]);
    // Two weeks on, the announcement is the one in force (and later weeks keep it).
    await setTime(epoch + BigInt(now + 3) * WEEK_SECONDS + 10n);
    const later = await run("dgmd:curtailment", { week: "", rule: "", ...onTariffs() });
    expect(later).to.include(`week ${now + 3}: generation (announced for week ${now + 1})`);
    expect(later).to.match(/in force/);
  });

  it("certifies from an application file, checks the record, then revokes", async () => {
    const certId = "0x" + "c1".repeat(32);
    const file = writeJson("home4.json", application({ certId }));
    const out = await run("dgmd:certify", {
      application: file,
      keyFile: path.join(dir, "key.hex"),
      out: dir,
      ...common(),
    });
    expect(out).to.match(new RegExp(`certificate ${certId} for ${meter}: 5000 W`));
    const current = await registry.currentPeriod();
    expect(await certs.authorizedCapacityAt(meter, current)).to.equal(5000n);

    const recordFile = path.join(dir, `${certId}.bin`);
    const shown = await run("dgmd:record", {
      certId,
      record: recordFile,
      keyFile: path.join(dir, "key.hex"),
      ...common(),
    });
    expect(shown).to.match(/matches its on-chain commitment/);
    expect(shown).to.include("4 Grid Street");
    const altered = readFileSync(recordFile);
    altered[altered.length - 1] ^= 1;
    const bad = path.join(dir, "altered.bin");
    writeFileSync(bad, altered);
    expect(
      (await failure("dgmd:record", { certId, record: bad, keyFile: path.join(dir, "key.hex"), ...common() }))
        .message,
    ).to.match(/wrong or altered record/);

    // The same certId cannot be used twice: refused before signing.
    const before = await blockNumber();
    expect(
      (
        await failure("dgmd:certify", {
          application: file,
          keyFile: path.join(dir, "key.hex"),
          out: dir,
          ...common(),
        })
      ).message,
    ).to.match(/was used already/);
    expect(await blockNumber()).to.equal(before);

    // A new tolerance applies from the next period (SPEC 8: a reading is judged by its period's tolerance).
    expect(await run("dgmd:tolerance", { bps: "1200", ...common() })).to.match(
      /tolerance 1000 -> 1200 bps from period \d+/,
    );
    expect(await run("dgmd:tolerance", { bps: "", ...common() })).to.match(
      /tolerance 1000 bps in period \d+; 1200 bps from period \d+/,
    );
    expect(await run("dgmd:revoke", { certId, meter: "", ...common() })).to.match(/revoked from period/);
    expect(await certs.authorizedCapacityAt(meter, current)).to.equal(
      current === (await registry.currentPeriod()) ? 0n : 5000n,
    );

    // A certificate id nobody submitted is cancelled (SPEC 8), once.
    const spare = "0x" + "01".repeat(32);
    expect(await run("dgmd:revoke", { certId: spare, meter: "", ...common() })).to.match(
      /cancelled: it can no longer be submitted/,
    );
    expect(await certs.certIdUsed(spare)).to.equal(true);
    expect((await failure("dgmd:revoke", { certId: spare, meter: "", ...common() })).message).to.match(
      /was cancelled already/,
    );
    // Revoking a meter with nothing counting still voids every certificate issued until now.
    expect(await run("dgmd:revoke", { certId: "", meter, ...common() })).to.match(
      /no certificate counted; all certificates issued until now .* only a certificate issued after \d+/,
    );
  });

  it("forecasts from real homes' history, publishes, and shows the history with a visible fallback", async () => {
    // Whole-grid history: Buildings 1-4, data week 0 booked as the grid's previous week.
    const now = await tariffs.currentWeek();
    const homes = [1, 2, 3, 4].map((b) => loadBuilding(b));
    const lastWeek = Number(now) - 1;
    const history = [];
    for (let i = 0; i < PERIODS_PER_WEEK; i++) {
      history.push({
        period: lastWeek * PERIODS_PER_WEEK + i,
        loadWh: homes.reduce((s, h) => s + h.periods[i].loadWh, 0n).toString(),
        generationWh: homes.reduce((s, h) => s + h.periods[i].generationWh, 0n).toString(),
      });
    }
    const historyFile = writeJson("history.json", history);
    const before = await blockNumber();
    const dry = await run("dgmd:forecast", forecastArgs({ history: historyFile }));
    expect(dry).to.match(
      new RegExp(
        `week ${now + 1n} forecast \\(seasonal-naive over weeks ${lastWeek}-${lastWeek} \\(too short for the default model\\)\\)`,
      ),
    );
    expect(dry).to.match(/not published/);
    expect(await blockNumber()).to.equal(before);

    const sent = await run("dgmd:forecast", forecastArgs({ history: historyFile, publish: true }));
    expect(sent).to.match(new RegExp(`published week ${now + 1n}`));
    const [t, published] = await tariffs.publishedTariff(now + 1n);
    expect(published).to.equal(true);
    expect(t.forecastLoadWh).to.equal(BigInt(history.reduce((s, h) => s + BigInt(h.loadWh), 0n)));

    await run(
      "dgmd:forecast",
      forecastArgs({ week: String(now + 2n), load: "3000000", generation: "1000000", publish: true }),
    );
    // Move into week now+3: nothing published for it, week now+2's tariff applies, visibly.
    await setTime(epoch + (now + 3n) * WEEK_SECONDS + 10n);
    const table = await run("dgmd:tariffs", { json: false, ...onTariffs() });
    expect(table).to.match(/0\.375000/);
    expect(table).to.match(new RegExp(`FALLBACK: week ${now + 2n}'s tariff`));
    const json = JSON.parse(await run("dgmd:tariffs", { json: true, ...onTariffs() })) as {
      inForce: { sourceWeek: number; isFallback: boolean };
      tariffs: unknown[];
    };
    expect(json.inForce).to.deep.include({ sourceWeek: Number(now + 2n), isFallback: true });
    expect(json.tariffs).to.have.length(2);
  });

  it("lists a meter's certificates and re-confirms one for the meter that replaced it", async () => {
    const { ethers } = await hre.network.getOrCreate();
    const old = Wallet.createRandom().address;
    await (await registry.addMeter(1, old, MeterKind.Prosumer)).wait();
    const certId = "0x" + "c2".repeat(32);
    await run("dgmd:certify", {
      application: writeJson("home7.json", application({ meter: old, installedCapacityW: 3000, certId })),
      keyFile: path.join(dir, "key.hex"),
      out: dir,
      ...common(),
    });
    const listed = async (m: string) =>
      JSON.parse(await run("dgmd:certificates", { meter: m, json: true, certificates: certs.target })) as {
        capacityNowW: string;
        replaces: string | null;
        certificates: {
          origin: string;
          certId: string | null;
          reconfirmedFrom: string | null;
          capacityW: string;
          state: string;
        }[];
      };
    const first = await listed(old);
    expect(first.capacityNowW).to.equal("3000");
    expect(first.certificates).to.have.length(1);
    expect(first.certificates[0]).to.deep.include({
      origin: "certificate",
      certId,
      capacityW: "3000",
      state: "in force",
    });

    // A period later the utility retires the meter as faulty and replaces it.
    const period = await registry.currentPeriod();
    await setTime(epoch + (period + 1n) * BigInt(PERIOD_SECONDS));
    await (await registry.removeMeter(old)).wait();
    const fresh = Wallet.createRandom().address;
    const replaced = await run("grid:meter:replace", {
      old,
      new: fresh,
      permit: "WP-12",
      registry: registry.target,
    });
    expect(replaced).to.include(`dgmd:reconfirm --meter ${fresh}`);
    const table = await run("dgmd:certificates", { meter: fresh, json: false, certificates: certs.target });
    expect(table).to.match(/no certificates/);
    expect(table).to.include(`it replaced ${old}: dgmd:reconfirm --meter ${fresh}`);

    const before = await blockNumber();
    const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
      ["dgmd:certificates", { meter: "0x12", json: false }, /--meter: "0x12" is not an address/],
      ["dgmd:certificates", { meter: "", json: false }, /--meter: a meter address is required/],
      ["dgmd:certificates", { meter: dgmd.address, json: false }, /is not a meter of this registry/],
      ["dgmd:reconfirm", { meter: "nope", from: dgmd.address }, /--meter: "nope" is not an address/],
      ["dgmd:reconfirm", { meter: fresh, from: utility.address }, /does not hold the DGMD role/],
      [
        "dgmd:reconfirm",
        { meter: meter, from: dgmd.address },
        /it replaced no meter: submit a fresh certificate with dgmd:certify/,
      ],
      [
        "dgmd:reconfirm",
        { meter: old, from: dgmd.address },
        /is not an active prosumer meter \(kind prosumer, status replaced\)/,
      ],
    ];
    for (const [id, args, message] of refusals) {
      const err = await failure(id, { certificates: certs.target, ...args });
      expect(err.message, id).to.match(message);
      expect(err.message).to.not.include("\n");
    }
    expect(await blockNumber()).to.equal(before, "a refusal sends nothing");

    const now = Number(await registry.currentPeriod());
    const out = await run("dgmd:reconfirm", { meter: fresh, ...common() });
    expect(out).to.match(
      new RegExp(
        `certificate of ${old} re-confirmed for its replacement ${fresh}: 3000 W, periods ${now}\\.\\.`,
      ),
    );
    expect(await certs.authorizedCapacityAt(fresh, now)).to.equal(3000n);
    const second = await listed(fresh);
    expect(second.replaces).to.equal(old);
    expect(second.certificates).to.have.length(1);
    expect(second.certificates[0]).to.deep.include({
      origin: "reconfirmed",
      reconfirmedFrom: old,
      certId: null,
      state: "in force",
    });
    expect((await failure("dgmd:reconfirm", { meter: fresh, ...common() })).message).to.match(
      /holds a certificate already \(dgmd:certificates --meter/,
    );
    expect((await ethers.provider.getBlockNumber()) - before).to.equal(
      1,
      "one transaction: the re-confirmation",
    );
  });

  it("forecasts with the site and the weather (the site-aware defaults), falling back with a note without them", async () => {
    // Five weeks of Buildings 1-4 before a future target week; CityLearn's weather retimed to the grid's clock.
    const target = Number(await tariffs.currentWeek()) + 10;
    const history = realHistory(target, 5);
    const historyFile = writeJson("h-site.json", history);
    const siteFile = writeJson("site.json", SITE);
    const { known, file } = realWeather(target, 35, 5);
    const weatherFile = writeJson("weather.json", file);
    const totals = (key: "loadWh" | "generationWh") => history.map((h) => Number(h[key]));
    const inputs = {
      historyStartUtc: Number(epoch + BigInt(target - 5) * WEEK_SECONDS),
      site: CITYLEARN_SITE,
    };
    const expected = forecastGridWeek({
      loadHistory: totals("loadWh"),
      generationHistory: totals("generationWh"),
      inputs: { ...inputs, weather: known },
    });
    const span = `weeks ${target - 5}-${target - 1}`;
    const plan = (given: Record<string, unknown>) =>
      run("dgmd:forecast", forecastArgs({ week: String(target), history: historyFile, ...given }));

    const full = await plan({ site: siteFile, weather: weatherFile });
    expect(full).to.include(
      `week ${target} forecast (load-temperature/pv-clearsky over ${span}): load ${expected.loadWh} Wh, ` +
        `generation ${expected.generationWh} Wh`,
    );
    expect(full).to.not.include("note:");

    // The site without the weather: generation stays site-aware, load falls back, and says so.
    const siteOnly = await plan({ site: siteFile });
    const pv = forecastGridWeek({
      loadHistory: totals("loadWh"),
      generationHistory: totals("generationWh"),
      inputs,
    });
    expect(siteOnly).to.include(`(daily-profile/pv-clearsky over ${span})`);
    expect(siteOnly).to.include(`generation ${pv.generationWh} Wh`);
    expect(siteOnly).to.include(
      "note: load: load-temperature needs the weather known at the origin; used daily-profile",
    );

    // Too short a weather record is the same as none, noted.
    const short = writeJson("weather-short.json", realWeather(target, 10, 5).file);
    const shortOut = await plan({ site: siteFile, weather: short });
    expect(shortOut).to.include(`(daily-profile/pv-clearsky over ${span})`);
    expect(shortOut).to.match(/note: .*weather-short.json holds 10 days of measured weather .* needs 28/);

    // A deployment names its site file once, in GRIDSHARE_SITE; --site wins over it.
    expect(
      parseForecastArgs(forecastArgs({ history: historyFile }), { GRIDSHARE_SITE: siteFile }).site,
    ).to.deep.equal(SITE);
    const other = writeJson("site-other.json", { ...SITE, latitudeDeg: 50 });
    const explicit = parseForecastArgs(forecastArgs({ history: historyFile, site: other }), {
      GRIDSHARE_SITE: siteFile,
    });
    expect(explicit.site?.latitudeDeg).to.equal(50);

    // Neither: the history-only choice for both, and how to give the site.
    const none = await plan({});
    expect(none).to.include(`(daily-profile/daily-profile over ${span})`);
    expect(none).to.include(
      "note: generation: pv-clearsky needs the site and start time; used daily-profile",
    );
    expect(none).to.include("note: give --site <file> (or GRIDSHARE_SITE) and --weather <file>");
  });
});
