/**
 * The gateway database's layout: readings keyed by (period, meter) since schema 3, a schema-2 file
 * migrated in place with every reading kept, and the compromised-meter check that skips its query while
 * no alarm exists still finding alarms raised before a restart.
 */
import { expect } from "chai";
import Database from "better-sqlite3";
import { getAddress } from "ethers";
import { GatewayStore, StoreError } from "../../lib/gateway/store.js";
import { signedToColumns } from "../../lib/gateway/store/codec.js";
import { reading, sign, testMeter } from "./fakes.js";
import { tempDir } from "./helpers.js";

/** Schema 2's readings table and index, as a gateway of that version created them. */
const SCHEMA_2_READINGS = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE readings (
  meter TEXT NOT NULL, period INTEGER NOT NULL, cluster_id INTEGER NOT NULL,
  import_wh TEXT NOT NULL, export_wh TEXT NOT NULL, load_wh TEXT NOT NULL, generation_wh TEXT NOT NULL,
  peak_load_w INTEGER NOT NULL, peak_generation_w INTEGER NOT NULL, signature TEXT NOT NULL,
  received_at INTEGER NOT NULL, late INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (meter, period)
) WITHOUT ROWID;
CREATE INDEX readings_cluster_period ON readings (cluster_id, period);
INSERT INTO meta VALUES ('schema_version', '2');
`;

/** The primary key columns of the readings table, in key order. */
function readingsKey(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const cols = db.prepare("PRAGMA table_info(readings)").all() as { name: string; pk: number }[];
    return cols
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
  } finally {
    db.close();
  }
}

describe("gateway store schema", function () {
  this.timeout(60_000);
  const dir = tempDir("schema");
  after(() => dir.cleanup());

  it("keys readings by (period, meter), so one period's uploads land on adjacent pages", () => {
    const file = dir.file("new.db");
    new GatewayStore(file).close();
    expect(readingsKey(file)).to.deep.equal(["period", "meter"]);
  });

  it("migrates a schema-2 file: every reading kept, rekeyed, batchable by cluster as before", async () => {
    const file = dir.file("v2.db");
    const meters = [0, 1, 2].map(testMeter);
    const signed = await Promise.all(
      meters.flatMap((m, i) => [0, 1].map((p) => sign(m, reading(m, p, 2000n + BigInt(i))))),
    );
    const old = new Database(file);
    old.pragma("journal_mode = WAL");
    old.exec(SCHEMA_2_READINGS);
    const insert = old.prepare("INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const s of signed) insert.run(...signedToColumns(s, 1, 1_000, false));
    old.close();

    const store = new GatewayStore(file);
    try {
      expect(store.countReadings()).to.equal(signed.length);
      for (const s of signed) expect(store.getReading(s.reading.meter, s.reading.period)).to.deep.equal(s);
      expect(store.readingsOf(1, 1).map((s) => s.reading.meter)).to.deep.equal(
        signed
          .filter((s) => s.reading.period === 1)
          .map((s) => s.reading.meter)
          .sort(),
      );
    } finally {
      store.close();
    }
    expect(readingsKey(file)).to.deep.equal(["period", "meter"]);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).to.deep.equal({
        value: "3",
      });
      expect(
        db.prepare("SELECT name FROM sqlite_master WHERE name = 'readings_cluster_period'").get(),
      ).to.equal(undefined);
    } finally {
      db.close();
    }
  });

  it("refuses a file of an unknown schema, and leaves it as it was", () => {
    const file = dir.file("v9.db");
    const db = new Database(file);
    db.exec(
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '9');",
    );
    db.close();
    expect(() => new GatewayStore(file)).to.throw(StoreError, /schema 9 is not 3/);
    const again = new Database(file, { readonly: true });
    try {
      expect(again.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).to.deep.equal({
        value: "9",
      });
    } finally {
      again.close();
    }
  });

  it("finds a compromised meter-period raised before a restart (no query is skipped once an alarm exists)", async () => {
    const file = dir.file("alarm.db");
    const m = testMeter(4);
    const first = await sign(m, reading(m, 3));
    const second = await sign(m, reading(m, 3, 2500n));
    const store = new GatewayStore(file);
    expect(store.isCompromised(getAddress(m.address), 3)).to.equal(false);
    store.storeVerified(first, 1, "{}", 1);
    expect(store.storeVerified(second, 1, "{}", 2)).to.deep.equal({ kind: "compromised", firstAlarm: true });
    store.close();
    const again = new GatewayStore(file);
    try {
      expect(again.isCompromised(getAddress(m.address), 3)).to.equal(true);
      expect(again.storeVerified(first, 1, "{}", 3)).to.deep.equal({
        kind: "compromised",
        firstAlarm: false,
      });
      expect(again.isCompromised(getAddress(m.address), 4)).to.equal(false);
    } finally {
      again.close();
    }
  });
});
