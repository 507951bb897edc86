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
import { loadBuilding } from "../../lab/data/citylearn.js";
import { mondayBefore } from "../../lab/fixtures/grid.js";
import { PERIOD_SECONDS, PERIODS_PER_WEEK } from "../../lib/constants.js";

const WEEK_SECONDS = BigInt(PERIOD_SECONDS * PERIODS_PER_WEEK);
const KEY = "ab".repeat(32);

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

  function writeJson(name: string, value: unknown): string {
    const file = path.join(dir, name);
    writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  }

  before(async () => {
    const { ethers, networkHelpers } = await hre.network.getOrCreate();
    [utility, dgmd] = await ethers.getSigners();
    epoch = mondayBefore(BigInt(await networkHelpers.time.latest()));
    registry = (await ethers.deployContract("ClusterRegistry", [
      utility.address,
      dgmd.address,
      epoch,
      4,
    ])) as unknown as ClusterRegistry;
    const ledger = await ethers.deployContract("BatchLedger", [await registry.getAddress()]);
    ledgerAddress = await ledger.getAddress();
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
    await registry.addMeter(1, meter, 2);
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
      [
        () =>
          failure("dgmd:forecast", {
            week: "",
            load: "5",
            generation: "",
            history: "",
            ledger: "",
            publish: false,
            ...onTariffs(),
          }),
        /both --load and --generation/,
      ],
      [
        () =>
          failure("dgmd:forecast", {
            week: "",
            load: "-5",
            generation: "1",
            history: "",
            ledger: "",
            publish: false,
            ...onTariffs(),
          }),
        /--load: "-5" is not a whole number/,
      ],
      [
        () =>
          failure("dgmd:forecast", {
            week: "0",
            load: "5",
            generation: "1",
            history: "",
            ledger: "",
            publish: true,
            ...onTariffs(),
          }),
        /week 0 has started .*frozen/,
      ],
      [
        () =>
          failure("dgmd:forecast", {
            week: "",
            load: "",
            generation: "",
            history: writeJson("h.json", [{ period: 1 }]),
            ledger: "",
            publish: false,
            ...onTariffs(),
          }),
        /entry 0: "loadWh" must be a whole number/,
      ],
      [
        // No accepted batch last week: the ledger history is unknown, not zero.
        () =>
          failure("dgmd:forecast", {
            week: "",
            load: "",
            generation: "",
            history: "",
            ledger: ledgerAddress,
            publish: true,
            ...onTariffs(),
          }),
        /no complete week \(42 periods\) of history/,
      ],
    ];
    for (const [attempt, message] of cases) expect((await attempt()).message).to.match(message);
    expect(await blockNumber()).to.equal(before, "no transaction may be sent on a bad argument");
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
    const dry = await run("dgmd:forecast", {
      week: "",
      load: "",
      generation: "",
      history: historyFile,
      ledger: "",
      publish: false,
      ...onTariffs(),
    });
    expect(dry).to.match(
      new RegExp(
        `week ${now + 1n} forecast \\(seasonal-naive over weeks ${lastWeek}-${lastWeek} \\(too short for the default model\\)\\)`,
      ),
    );
    expect(dry).to.match(/not published/);
    expect(await blockNumber()).to.equal(before);

    const sent = await run("dgmd:forecast", {
      week: "",
      load: "",
      generation: "",
      history: historyFile,
      ledger: "",
      publish: true,
      ...onTariffs(),
    });
    expect(sent).to.match(new RegExp(`published week ${now + 1n}`));
    const [t, published] = await tariffs.publishedTariff(now + 1n);
    expect(published).to.equal(true);
    expect(t.forecastLoadWh).to.equal(BigInt(history.reduce((s, h) => s + BigInt(h.loadWh), 0n)));

    await run("dgmd:forecast", {
      week: String(now + 2n),
      load: "3000000",
      generation: "1000000",
      history: "",
      ledger: "",
      publish: true,
      ...onTariffs(),
    });
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
});
