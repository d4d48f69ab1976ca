import type { NewJob } from '../types.js';

/** A prepared SQLite statement (better-sqlite3's `Statement` fits). */
export interface OutboxSqliteStatement {
  run(...params: unknown[]): { changes: number | bigint };
  all(...params: unknown[]): unknown[];
}

/**
 * The app's own SQLite connection (a better-sqlite3 `Database` fits as it is). The outbox writes
 * its rows on it inside the caller's transaction; the relay opens a connection of its own on the
 * same file (`name`), since one connection has one transaction at a time.
 */
export interface OutboxSqliteDatabase {
  /** The database file (better-sqlite3's `db.name`); not `:memory:`. */
  readonly name: string;
  /** Whether a transaction is open (better-sqlite3's `db.inTransaction`). */
  readonly inTransaction: boolean;
  prepare(sql: string): OutboxSqliteStatement;
  exec(sql: string): unknown;
}

/** The rows of a PostgreSQL query (a `pg` `QueryResult` fits). */
export interface OutboxPgResult {
  rows: Record<string, unknown>[];
  rowCount?: number | null;
}

/** Anything that runs a query: a `pg` `Client`, `PoolClient` or `Pool`. */
export interface OutboxPgQueryable {
  query(text: string, values?: unknown[]): Promise<OutboxPgResult>;
}

/** A connection checked out of a pool (a `pg` `PoolClient` fits). */
export interface OutboxPgClient extends OutboxPgQueryable {
  release(error?: Error | boolean): void;
}

/**
 * The app's own PostgreSQL pool (a `pg` `Pool` fits): the relay checks a connection out of it
 * for each batch and the table is created through it.
 */
export interface OutboxPgPool extends OutboxPgQueryable {
  connect(): Promise<OutboxPgClient>;
}

/** A row of the outbox as the relay reads it. */
export interface OutboxRow {
  id: number;
  jobId: string;
  /** The job `enqueue()` would have added (its `delay` as it was at enqueue time). */
  job: NewJob;
  /** When the job should run, ms since the epoch (enqueue time + delay). */
  runAt: number;
}

/** Where the outbox rows live: one per dialect. */
export interface OutboxStore {
  readonly description: string;
  /** Creates the table (idempotent). */
  init(): Promise<void>;
  /**
   * Claims up to `limit` rows (oldest first) no other relay holds, calls `send` for each in order
   * (without waiting for one answer before the next call: the backend pipelines them), deletes
   * the ones `send` accepted and gives the others back; rethrows the first rejection. Resolves
   * with the number sent.
   */
  relay(limit: number, send: (row: OutboxRow) => Promise<void>): Promise<number>;
  /** Rows waiting (for `pending()`). */
  count(): Promise<number>;
  close(): Promise<void>;
}
