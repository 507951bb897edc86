/**
 * The gateway database's one handle (better-sqlite3, WAL, synchronous=FULL), its schema and its meta
 * table. Every repository in this folder prepares its statements once on this handle.
 */
import Database from "better-sqlite3";
import { GridShareError } from "../../errors.js";

export type Db = Database.Database;
/** A statement prepared once, with typed parameters and row. */
export type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/**
 * 2: outbox rows are attestations (kind `attest`), held attestations of the other voters.
 * 3: readings keyed by (period, meter), without the (cluster_id, period) index: a period's readings
 *    arrive together, so an upload of 100 writes a few adjacent pages instead of one page per meter
 *    (a 100-reading commit wrote about 100 pages to the log), and a batch is built from its period's range.
 */
const SCHEMA_VERSION = 3;

/** The readings table as schema 3 lays it out (`name` lets the migration build it beside the old one). */
function readingsTable(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  meter TEXT NOT NULL, period INTEGER NOT NULL, cluster_id INTEGER NOT NULL,
  import_wh TEXT NOT NULL, export_wh TEXT NOT NULL, load_wh TEXT NOT NULL, generation_wh TEXT NOT NULL,
  peak_load_w INTEGER NOT NULL, peak_generation_w INTEGER NOT NULL, signature TEXT NOT NULL,
  received_at INTEGER NOT NULL, late INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (period, meter)
) WITHOUT ROWID;`;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
${readingsTable("readings")}
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT, meter TEXT, period INTEGER, cluster_id INTEGER,
  code TEXT NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_period ON quarantine (period);
CREATE INDEX IF NOT EXISTS quarantine_received ON quarantine (received_at);
CREATE INDEX IF NOT EXISTS quarantine_meter ON quarantine (meter, id);
CREATE TABLE IF NOT EXISTS compromised (
  meter TEXT NOT NULL, period INTEGER NOT NULL, cluster_id INTEGER NOT NULL, detected_at INTEGER NOT NULL,
  PRIMARY KEY (meter, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
  cluster_id INTEGER NOT NULL, period INTEGER NOT NULL, role TEXT NOT NULL,
  root TEXT NOT NULL, leaf_count INTEGER NOT NULL, total_load_wh TEXT NOT NULL,
  total_generation_wh TEXT NOT NULL, digest TEXT NOT NULL, built_at INTEGER NOT NULL,
  PRIMARY KEY (cluster_id, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_leaves (
  cluster_id INTEGER NOT NULL, period INTEGER NOT NULL, leaf_index INTEGER NOT NULL,
  meter TEXT NOT NULL, proof TEXT NOT NULL,
  PRIMARY KEY (cluster_id, period, leaf_index)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS batch_leaves_meter ON batch_leaves (meter, period);
CREATE TABLE IF NOT EXISTS cursors (cluster_id INTEGER PRIMARY KEY, role TEXT NOT NULL, next_period INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, cluster_id INTEGER NOT NULL,
  period INTEGER NOT NULL, target TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
  nonce INTEGER, raw_tx TEXT, tx_hash TEXT, attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (kind, cluster_id, period, target)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS attestations (
  cluster_id INTEGER NOT NULL, period INTEGER NOT NULL, signer TEXT NOT NULL, digest TEXT NOT NULL,
  signature TEXT NOT NULL, received_at INTEGER NOT NULL,
  PRIMARY KEY (cluster_id, period, signer)
) WITHOUT ROWID;
`;

export class StoreError extends GridShareError {
  constructor(problem: string) {
    super("GATEWAY_STORE", problem);
  }
}

/**
 * `fn` as one SQLite transaction (a savepoint when called inside another one). Built once and called per
 * use, so the transaction boundaries of the store are where these wrappers are made.
 */
export function transaction<A extends unknown[], R>(db: Db, fn: (...args: A) => R): (...args: A) => R {
  return db.transaction(fn);
}

/** The meta table: schema version, the node's nonce high-water mark, the deployment it is bound to. */
export class Meta {
  private readonly select: Statement<[string], { value: string }>;
  private readonly upsert: Statement<[string, string]>;
  private readonly bindTx: (identity: Record<string, string>) => void;

  constructor(db: Db) {
    this.select = db.prepare("SELECT value FROM meta WHERE key = ?");
    this.upsert = db.prepare(
      "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    this.bindTx = transaction(db, (identity: Record<string, string>) => {
      for (const [k, v] of Object.entries(identity)) {
        const key = `identity.${k}`;
        const have = this.get(key);
        if (have === undefined) this.set(key, v);
        else if (have !== v) {
          throw new StoreError(`this database belongs to ${k} ${have}, not ${v}: use another --db file`);
        }
      }
    });
  }

  get(key: string): string | undefined {
    return this.select.get(key)?.value;
  }

  set(key: string, value: string): void {
    this.upsert.run(key, value);
  }

  /**
   * Pin the database to one deployment and node: reopening it for another chain, registry or node would
   * mix two grids' data, so it is refused.
   */
  bindIdentity(identity: Record<string, string>): void {
    this.bindTx(identity);
  }
}

/** Open (or create) the database file with its durability pragmas and schema; refuse another schema. */
export function openDatabase(file: string): { readonly db: Db; readonly meta: Meta } {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // FULL: a committed transaction survives power loss, not only a process crash.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.exec(SCHEMA);
  const meta = new Meta(db);
  const v = meta.get("schema_version");
  if (v === undefined) meta.set("schema_version", String(SCHEMA_VERSION));
  else if (Number(v) === 2) migrateReadingsToPeriodKey(db, meta);
  else if (Number(v) !== SCHEMA_VERSION) {
    throw new StoreError(`database schema ${v} is not ${SCHEMA_VERSION}: migrate or start a new file`);
  }
  return { db, meta };
}

/** Schema 2 to 3: the readings table rebuilt with its (period, meter) key, in one transaction. */
function migrateReadingsToPeriodKey(db: Db, meta: Meta): void {
  transaction(db, () => {
    db.exec(readingsTable("readings_v3"));
    db.exec("INSERT INTO readings_v3 SELECT * FROM readings");
    db.exec("DROP TABLE readings");
    db.exec("ALTER TABLE readings_v3 RENAME TO readings");
    meta.set("schema_version", String(SCHEMA_VERSION));
  })();
}
