import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskError } from '../errors.js';
import type { NewJob } from '../types.js';
import { rowValues, TABLE, toRow } from './sql.js';
import type { OutboxRow, OutboxSqliteDatabase, OutboxSqliteStatement, OutboxStore } from './types.js';

const CREATE = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  task TEXT NOT NULL,
  job TEXT NOT NULL,
  run_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  claimed_by TEXT,
  claimed_until INTEGER
)`;
const INSERT = `INSERT INTO ${TABLE} (job_id, task, job, run_at, created_at) VALUES (?, ?, ?, ?, ?)`;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** The outbox in the app's SQLite file. */
export class SqliteOutboxStore implements OutboxStore {
  readonly description: string;
  readonly #filename: string;
  readonly #owner = randomUUID();
  readonly #inserts = new WeakMap<OutboxSqliteDatabase, OutboxSqliteStatement>();
  #relay: (OutboxSqliteDatabase & { close(): unknown }) | undefined;

  constructor(
    readonly database: OutboxSqliteDatabase,
    readonly options: { leaseDuration: number; busyTimeout: number },
  ) {
    this.#filename = resolve(database.name);
    this.description = `the SQLite outbox in \`${this.#filename}\``;
    // On the caller's connection, synchronously: `insert()` may come before the relay starts.
    database.exec(CREATE);
  }

  /** Writes a row on `connection` (the caller's, in its transaction). Synchronous. */
  insert(connection: OutboxSqliteDatabase, jobId: string, job: NewJob): void {
    if (resolve(connection.name) !== this.#filename) {
      throw new TaskError(
        'ERR_INVALID_OPTION',
        `Expected the connection of \`outbox.enqueueIn()\` to be open on \`${this.#filename}\` (the outbox's database), got one on \`${connection.name}\``,
      );
    }
    let insert = this.#inserts.get(connection);
    if (!insert) {
      insert = connection.prepare(INSERT);
      this.#inserts.set(connection, insert);
    }
    insert.run(...rowValues(jobId, job, Date.now()));
  }

  async init(): Promise<void> {
    if (this.#relay) return;
    let Database: new (file: string, options: { timeout: number }) => OutboxSqliteDatabase & { close(): unknown };
    try {
      Database = (await import('better-sqlite3')).default as unknown as typeof Database;
    } catch (error) {
      throw new TaskError('ERR_BACKEND', 'The SQLite outbox needs better-sqlite3 (12.x): npm install better-sqlite3', {
        cause: error,
      });
    }
    // No busy wait inside SQLite (it would block the event loop): a locked file is retried here.
    const relay = new Database(this.#filename, { timeout: 0 });
    this.#relay = relay;
  }

  async relay(limit: number, send: (row: OutboxRow) => Promise<void>): Promise<number> {
    const db = this.#db();
    const now = Date.now();
    const rows = await this.#retry('claim rows', () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const found = db
          .prepare(
            `SELECT id, job_id, job, run_at FROM ${TABLE} WHERE claimed_until IS NULL OR claimed_until < ? ORDER BY id LIMIT ?`,
          )
          .all(now, limit) as { id: number; job_id: string; job: string; run_at: number }[];
        const claim = db.prepare(`UPDATE ${TABLE} SET claimed_by = ?, claimed_until = ? WHERE id = ?`);
        for (const row of found) claim.run(this.#owner, now + this.options.leaseDuration, row.id);
        db.exec('COMMIT');
        return found;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    });
    const results = await Promise.allSettled(rows.map((row) => send(toRow(row.id, row.job_id, row.job, row.run_at))));
    const accepted = rows.filter((_, index) => results[index]!.status === 'fulfilled').map((row) => row.id);
    const sent = accepted.length;
    try {
      if (sent > 0) {
        await this.#retry('delete relayed rows', () => {
          const remove = db.prepare(`DELETE FROM ${TABLE} WHERE id = ? AND claimed_by = ?`);
          db.exec('BEGIN IMMEDIATE');
          try {
            for (const id of accepted) remove.run(id, this.#owner);
            db.exec('COMMIT');
          } catch (error) {
            if (db.inTransaction) db.exec('ROLLBACK');
            throw error;
          }
        });
      }
    } finally {
      if (sent < rows.length) {
        // Give the rest back at once (a lost lease would only delay them).
        await this.#retry('release claimed rows', () =>
          db
            .prepare(`UPDATE ${TABLE} SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?`)
            .run(this.#owner),
        ).catch(() => {});
      }
    }
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return sent;
  }

  async count(): Promise<number> {
    await this.init();
    const rows = await this.#retry('count rows', () => this.#db().prepare(`SELECT count(*) AS n FROM ${TABLE}`).all());
    return Number((rows[0] as { n: number }).n);
  }

  async close(): Promise<void> {
    this.#relay?.close();
    this.#relay = undefined;
  }

  #db(): OutboxSqliteDatabase {
    if (!this.#relay) throw new TaskError('ERR_BACKEND', `The relay of ${this.description} is not started`);
    return this.#relay;
  }

  /** Runs `fn`, retrying a locked file asynchronously up to `busyTimeout`; other errors become `ERR_BACKEND`. */
  async #retry<T>(what: string, fn: () => T): Promise<T> {
    const deadline = Date.now() + this.options.busyTimeout;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        return fn();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) {
          throw new TaskError('ERR_BACKEND', `Could not ${what} of ${this.description}: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      await sleep(wait);
    }
  }
}
