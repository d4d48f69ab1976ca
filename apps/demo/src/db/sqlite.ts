import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { atomic, sqlTransactionRunner, type TransactionRunner } from '@adv/signals';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { DatabaseError, type SqlDatabase, type SqlParam } from './sql.js';

/** The transaction a block runs in; `open` turns false at its end, so late work stops joining it. */
interface Scope {
  open: boolean;
  runner: TransactionRunner;
}

/** The open block on one database file; shared by every connection to it in this process. */
interface FileState {
  /** Settles when the open outermost block ends; `undefined` when none is open. */
  blockEnd: Promise<void> | undefined;
}

/**
 * Connections of this process by file. better-sqlite3 is synchronous: a second connection
 * that BEGINs while the first has a block open across an `await` would spin in SQLite's busy
 * handler on the one JavaScript thread, and the first could never finish. So connections to
 * one file in one process take turns here; other processes wait in SQLite's own lock.
 */
const files = new Map<string, FileState>();

function stateOf(file: string): FileState {
  if (file === ':memory:') return { blockEnd: undefined };
  const key = resolve(file);
  const known = files.get(key);
  if (known) return known;
  const state: FileState = { blockEnd: undefined };
  files.set(key, state);
  return state;
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
  readonly #file: FileState;

  constructor(file: string, options: { readonly?: boolean } = {}) {
    this.description = file;
    this.#file = stateOf(file);
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
    while (this.#mustWait()) await this.#file.blockEnd;
    return this.native.prepare(sql).all(...params) as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row | undefined> {
    while (this.#mustWait()) await this.#file.blockEnd;
    return this.native.prepare(sql).get(...params) as Row | undefined;
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    while (this.#mustWait()) await this.#file.blockEnd;
    return this.native.prepare(sql).run(...params).changes;
  }

  async exec(script: string): Promise<void> {
    while (this.#mustWait()) await this.#file.blockEnd;
    this.native.exec(script);
  }

  async atomic<T>(fn: () => T | Promise<T>, options: { lock?: 'migrations' } = {}): Promise<T> {
    const outer = this.#scope.getStore();
    if (outer?.open) return atomic(fn, { runner: outer.runner });
    // Outermost: wait for the open block (blocks on one connection take turns), then open ours.
    // Checked and taken with no await in between, so two blocks never both see the file free.
    while (this.#file.blockEnd) await this.#file.blockEnd;
    const scope: Scope = { open: true, runner: options.lock === 'migrations' ? this.#immediateRunner : this.#runner };
    const block = this.#scope.run(scope, () => atomic(fn, { runner: scope.runner }));
    const end: Promise<void> = block.then(
      () => this.#endBlock(scope, end),
      () => this.#endBlock(scope, end),
    );
    this.#file.blockEnd = end;
    return block;
  }

  async ping(): Promise<void> {
    this.native.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    while (this.#file.blockEnd) await this.#file.blockEnd;
    this.native.close();
  }

  #endBlock(scope: Scope, end: Promise<void>): void {
    scope.open = false;
    if (this.#file.blockEnd === end) this.#file.blockEnd = undefined;
  }

  /**
   * Whether a block this work is not part of holds the file. Callers re-check after every
   * wait and then run with no await in between: another block may have begun meanwhile.
   */
  #mustWait(): boolean {
    return this.#file.blockEnd !== undefined && !this.#scope.getStore()?.open;
  }
}
