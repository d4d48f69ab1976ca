import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { atomic, sqlTransactionRunner, type TransactionRunner } from '@adv/signals';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { type BlockScope, openBlockOf, runInBlock } from './block-scope.js';
import { DatabaseError, type SqlDatabase, type SqlParam } from './sql.js';

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
  readonly #runner: TransactionRunner;
  /** A runner whose BEGIN takes the write lock at once: a deferred BEGIN that later writes can fail with SQLITE_BUSY. */
  readonly #immediateRunner: TransactionRunner;
  readonly #file: FileState;
  readonly #statements = new Map<string, Statement>();

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
    return this.#statement(sql).all(...params) as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row | undefined> {
    while (this.#mustWait()) await this.#file.blockEnd;
    return this.#statement(sql).get(...params) as Row | undefined;
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    while (this.#mustWait()) await this.#file.blockEnd;
    return this.#statement(sql).run(...params).changes;
  }

  async exec(script: string): Promise<void> {
    while (this.#mustWait()) await this.#file.blockEnd;
    this.native.exec(script);
  }

  async atomic<T>(fn: () => T | Promise<T>, options: { lock?: 'migrations' } = {}): Promise<T> {
    const outer = openBlockOf(this);
    if (outer) return atomic(fn, { runner: outer.runner });
    // Outermost: wait for the open block (blocks on one connection take turns), then open ours.
    // Checked and taken with no await in between, so two blocks never both see the file free.
    while (this.#file.blockEnd) await this.#file.blockEnd;
    const runner = options.lock === 'migrations' ? this.#immediateRunner : this.#runner;
    let ended!: () => void;
    const end = new Promise<void>((resolve) => {
      ended = resolve;
    });
    this.#file.blockEnd = end;
    return runInBlock(this, runner, undefined, (scope) => {
      // At COMMIT or ROLLBACK, not after the onCommit callbacks: a callback that waits on a
      // server that is down (a broadcast, an enqueue) must not hold every query of the process.
      const release = () => this.#endBlock(scope, end, ended);
      return atomic(fn, { runner, release }).finally(release);
    });
  }

  blockConnection(): Database | undefined {
    return openBlockOf(this) ? this.native : undefined;
  }

  async ping(): Promise<void> {
    this.native.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    while (this.#file.blockEnd) await this.#file.blockEnd;
    this.native.close();
  }

  /** Prepared once per SQL text (the board has a dozen): preparing costs more than most of its queries. */
  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.native.prepare(sql);
      if (this.#statements.size < 500) this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Ends a block (idempotent): later queries of its callbacks run on their own, the next block may begin. */
  #endBlock(scope: BlockScope, end: Promise<void>, ended: () => void): void {
    scope.open = false;
    if (this.#file.blockEnd === end) this.#file.blockEnd = undefined;
    ended();
  }

  /**
   * Whether a block this work is not part of holds the file. Callers re-check after every
   * wait and then run with no await in between: another block may have begun meanwhile.
   */
  #mustWait(): boolean {
    return this.#file.blockEnd !== undefined && openBlockOf(this) === undefined;
  }
}
