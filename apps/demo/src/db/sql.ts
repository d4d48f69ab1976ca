/** The SQL databases the board runs on: SQLite (embedded, the default) and PostgreSQL (by URL). */
export type Dialect = 'sqlite' | 'postgres';

/** A value bound to a `?` placeholder. */
export type SqlParam = string | number | null;

/**
 * The board's view of its database: the same queries on either dialect, always async (a
 * server database answers over the network), with `?` placeholders. Queries follow the
 * transaction of the `atomic` block they run in, without a connection argument.
 */
export interface SqlDatabase {
  readonly dialect: Dialect;
  /** Where it is, for logs and errors, without credentials (`board.sqlite3`, `postgres://db:5432/board`). */
  readonly description: string;
  /** Every row of a query. */
  all<Row>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** The first row of a query, or `undefined`. */
  get<Row>(sql: string, params?: readonly SqlParam[]): Promise<Row | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` in a transaction on one connection (`@adv/signals`' `atomic`: its `onCommit`
   * callbacks run after COMMIT, never after a rollback). Nested calls are savepoints.
   * `lock: 'migrations'` first takes the schema lock, so processes starting together migrate once.
   */
  atomic<T>(fn: () => T | Promise<T>, options?: { lock?: 'migrations' }): Promise<T>;
  /**
   * The connection of the `atomic` block the running code is part of (the better-sqlite3
   * `Database` on SQLite, the `pg` client on PostgreSQL), or `undefined` outside a block: what a
   * task backend's `enqueueIn()` writes on, so a job commits or rolls back with the block.
   */
  blockConnection(): unknown;
  /** Fails unless the database answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the database cannot be opened or reached: says which one and what to check. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}
