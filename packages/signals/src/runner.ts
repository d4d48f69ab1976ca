import { describeValue, SignalError } from './errors.js';

/**
 * What {@link atomic} needs from a database: statement-level transaction control on ONE
 * connection. Database-agnostic; {@link sqlTransactionRunner} builds one from any function
 * that executes SQL (better-sqlite3, node-postgres on a checked-out client, mysql2, ...).
 */
export interface TransactionRunner {
  /** Starts a transaction (`BEGIN`). */
  begin(): unknown;
  /** Commits it (`COMMIT`). */
  commit(): unknown;
  /** Rolls it back (`ROLLBACK`). */
  rollback(): unknown;
  /** Opens a savepoint for a nested block (`SAVEPOINT name`). */
  savepoint(name: string): unknown;
  /** Keeps a nested block's work (`RELEASE SAVEPOINT name`). */
  releaseSavepoint(name: string): unknown;
  /** Undoes a nested block's work (`ROLLBACK TO SAVEPOINT name`). */
  rollbackToSavepoint(name: string): unknown;
}

const RUNNER_METHODS = ['begin', 'commit', 'rollback', 'savepoint', 'releaseSavepoint', 'rollbackToSavepoint'] as const;

/** Throws `ERR_INVALID_OPTION` unless `runner` has every {@link TransactionRunner} method. */
export function assertRunner(runner: unknown): asserts runner is TransactionRunner {
  const missing = RUNNER_METHODS.filter(
    (method) =>
      runner === null ||
      typeof runner !== 'object' ||
      typeof (runner as Record<string, unknown>)[method] !== 'function',
  );
  if (missing.length > 0) {
    throw new SignalError(
      'ERR_INVALID_OPTION',
      `Expected \`runner\` to be a TransactionRunner (missing ${missing.join(', ')}), got ${describeValue(runner)}`,
    );
  }
}

const SAVEPOINT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Builds a {@link TransactionRunner} from a function that executes one SQL statement on one
 * connection. Standard SQL: works with SQLite, PostgreSQL and MySQL.
 *
 * @param execute - Runs a statement, e.g. `(sql) => db.exec(sql)` (better-sqlite3) or
 *   `(sql) => client.query(sql)` (node-postgres, on one checked-out client).
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * const db = new Database('app.db');
 * const runner = sqlTransactionRunner((sql) => db.exec(sql));
 * ```
 */
export function sqlTransactionRunner(execute: (sql: string) => unknown): TransactionRunner {
  if (typeof execute !== 'function') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`execute\` to be a function, got ${describeValue(execute)}`);
  }
  const named = (statement: string) => (name: string) => {
    if (typeof name !== 'string' || !SAVEPOINT_NAME.test(name)) {
      throw new SignalError(
        'ERR_INVALID_OPTION',
        `Expected a savepoint name (an SQL identifier), got ${describeValue(name)}`,
      );
    }
    return execute(`${statement} ${name}`);
  };
  return {
    begin: () => execute('BEGIN'),
    commit: () => execute('COMMIT'),
    rollback: () => execute('ROLLBACK'),
    savepoint: named('SAVEPOINT'),
    releaseSavepoint: named('RELEASE SAVEPOINT'),
    rollbackToSavepoint: named('ROLLBACK TO SAVEPOINT'),
  };
}
