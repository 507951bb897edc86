/**
 * Durability of group commits without holding the event loop: a reading group is committed with
 * `synchronous = NORMAL` (SQLite writes its WAL frames but does not fsync them), then made durable by one
 * `fdatasync` of the WAL file on libuv's thread pool, and only then answered. Every commit made before a
 * sync starts is covered by it (the WAL header of a restarted log included: it is the same file), and
 * SQLite still syncs the WAL before each checkpoint, so an acknowledged reading survives power loss as with
 * `synchronous = FULL`, while parsing and verification go on during the flush.
 *
 * Syncs are coalesced: while one runs, the callers that arrive wait for the next, which covers them all.
 * The first sync of a log file also syncs its directory, so a log SQLite has just created keeps its name.
 */
import { closeSync, fdatasync, fstatSync, fsyncSync, openSync, statSync } from "node:fs";
import path from "node:path";

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export class WalSync {
  private fd: number | null = null;
  private ino = 0;
  /** The directory entry of the current log file is on disk (synced once per file). */
  private entrySynced = false;
  private running = false;
  private closing = false;
  private next: Waiter[] = [];

  /** @param walFile the database's write-ahead log (`<database file>-wal`) */
  constructor(private readonly walFile: string) {}

  /** Resolves once every commit made before this call is on disk. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closing) {
        reject(new Error("the gateway store is closed"));
        return;
      }
      this.next.push({ resolve, reject });
      if (!this.running) this.start();
    });
  }

  /** Close the log's handle (after the sync in progress, if any). */
  close(): void {
    this.closing = true;
    if (!this.running) this.release();
  }

  private start(): void {
    const batch = this.next;
    this.next = [];
    let fd: number;
    try {
      fd = this.handle();
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    this.running = true;
    fdatasync(fd, (synced) => {
      let err: unknown = synced;
      // A log file SQLite created since the last sync: its name must be on disk too (once per file).
      if (!err && !this.entrySynced) {
        try {
          const dir = openSync(path.dirname(this.walFile), "r");
          try {
            fsyncSync(dir);
          } finally {
            closeSync(dir);
          }
          this.entrySynced = true;
        } catch (e) {
          err = e;
        }
      }
      this.running = false;
      for (const w of batch) {
        if (err) w.reject(err);
        else w.resolve();
      }
      if (this.closing) this.release();
      else if (this.next.length > 0) this.start();
    });
  }

  /** A handle on the current log file (SQLite keeps one file while the database is open; reopened if replaced). */
  private handle(): number {
    const ino = statSync(this.walFile).ino;
    if (this.fd !== null && ino === this.ino) return this.fd;
    this.release();
    this.fd = openSync(this.walFile, "r");
    this.ino = fstatSync(this.fd).ino;
    this.entrySynced = false;
    return this.fd;
  }

  private release(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
