import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { atomic, sqlTransactionRunner, type TransactionRunner } from '@adv/signals';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { DatabaseError, type SqlDatabase, type SqlParam } from './sql.js';

/** The transaction a block runs in; `open` turns false at its end, so late work stops joining it. */
interface Scope {
  open: boolean;
  runner: TransactionRunner;
}

/**
 * The embedded database: one better-sqlite3 connection (synchronous, in process). One
 * connection has one transaction, so while a block is open, queries from outside it wait for
 * its end instead of running inside it (and being rolled back with it). WAL mode lets other
 * processes read while one writes, and makes online backups consistent.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite';
  readonly description: string;
  /** The better-sqlite3 handle (backups use `VACUUM INTO`). */
  readonly native: Database;
  readonly #scope = new AsyncLocalStorage<Scope>();
  readonly #runner: TransactionRunner;
  /** A runner whose BEGIN takes the write lock at once: a deferred BEGIN that later writes can fail with SQLITE_BUSY. */
  readonly #immediateRunner: TransactionRunner;
  /** Settles when the open outermost block ends; `undefined` when none is open. */
  #blockEnd: Promise<void> | undefined;

  constructor(file: string, options: { readonly?: boolean } = {}) {
    this.description = file;
    try {
      if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
      this.native = new BetterSqlite3(file, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      if (!options.readonly) this.native.pragma('journal_mode = WAL');
      this.native.pragma('foreign_keys = ON');
      this.native.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new DatabaseError(`Could not open the SQLite database \`${file}\`: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const execute = (sql: string) => this.native.exec(sql);
    this.#runner = sqlTransactionRunner(execute);
    this.#immediateRunner = { ...sqlTransactionRunner(execute), begin: () => execute('BEGIN IMMEDIATE') };
  }

  async all<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    if (this.#mustWait()) await this.#outsideOtherBlocks();
    return this.native.prepare(sql).all(...params) as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row | undefined> {
    if (this.#mustWait()) await this.#outsideOtherBlocks();
    return this.native.prepare(sql).get(...params) as Row | undefined;
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    if (this.#mustWait()) await this.#outsideOtherBlocks();
    return this.native.prepare(sql).run(...params).changes;
  }

  async exec(script: string): Promise<void> {
    if (this.#mustWait()) await this.#outsideOtherBlocks();
    this.native.exec(script);
  }

  async atomic<T>(fn: () => T | Promise<T>, options: { lock?: 'migrations' } = {}): Promise<T> {
    const outer = this.#scope.getStore();
    if (outer?.open) return atomic(fn, { runner: outer.runner });
    // Outermost: wait for the open block (blocks on one connection take turns), then open ours.
    await this.#outsideOtherBlocks();
    const scope: Scope = { open: true, runner: options.lock === 'migrations' ? this.#immediateRunner : this.#runner };
    const block = this.#scope.run(scope, () => atomic(fn, { runner: scope.runner }));
    const end: Promise<void> = block.then(
      () => this.#endBlock(scope, end),
      () => this.#endBlock(scope, end),
    );
    this.#blockEnd = end;
    return block;
  }

  async ping(): Promise<void> {
    this.native.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.#outsideOtherBlocks();
    this.native.close();
  }

  #endBlock(scope: Scope, end: Promise<void>): void {
    scope.open = false;
    if (this.#blockEnd === end) this.#blockEnd = undefined;
  }

  /** Whether a block this work is not part of holds the connection. */
  #mustWait(): boolean {
    return this.#blockEnd !== undefined && !this.#scope.getStore()?.open;
  }

  /** Waits until no block holds the connection. */
  async #outsideOtherBlocks(): Promise<void> {
    while (this.#blockEnd) await this.#blockEnd;
  }
}
