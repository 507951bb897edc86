/** Per-cluster cursors: the next period to close, so no period is skipped or closed twice. */
import type { Role } from "../types.js";
import type { Db, Statement } from "./db.js";

export class Cursors {
  private readonly select: Statement<[number], { next_period: number }>;
  private readonly insert: Statement<[number, Role, number]>;
  private readonly update: Statement<[number, number]>;

  constructor(db: Db) {
    this.select = db.prepare("SELECT next_period FROM cursors WHERE cluster_id = ?");
    this.insert = db.prepare("INSERT OR IGNORE INTO cursors VALUES (?, ?, ?)");
    this.update = db.prepare("UPDATE cursors SET next_period = ? WHERE cluster_id = ?");
  }

  /** The next period to close for a cluster, or undefined when the cluster was never seen. */
  get(clusterId: number): number | undefined {
    return this.select.get(clusterId)?.next_period;
  }

  /** Start a cluster's cursor at `period`; a cursor already there is kept. */
  init(clusterId: number, role: Role, period: number): void {
    this.insert.run(clusterId, role, period);
  }

  advance(clusterId: number, nextPeriod: number): void {
    this.update.run(nextPeriod, clusterId);
  }
}
