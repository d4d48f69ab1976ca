import { resolve } from 'node:path';
import { TaskError } from '../errors.js';
import type { NewJob } from '../types.js';
import { invalid } from '../validate.js';
import { createSchema } from './connection.js';
import { INSERT_JOB } from './schema.js';

/** A prepared statement of a {@link SqliteConnectionLike} (better-sqlite3's `Statement` fits). */
export interface SqliteStatementLike {
  /** Runs the statement with positional parameters. */
  run(...params: unknown[]): { changes: number | bigint };
}

/**
 * The caller's own SQLite connection, on which {@link SqliteBackend.enqueueIn} writes a job inside
 * the caller's open transaction. A better-sqlite3 `Database` fits as it is; so does any wrapper
 * offering these three members.
 */
export interface SqliteConnectionLike {
  /** The database file the connection is open on (better-sqlite3's `db.name`). */
  readonly name: string;
  /** Whether a transaction is open on it (better-sqlite3's `db.inTransaction`). */
  readonly inTransaction: boolean;
  /** Prepares one SQL statement (better-sqlite3's `db.prepare`). */
  prepare(sql: string): SqliteStatementLike;
}

/** Insert statements prepared once per caller connection (preparing costs more than running). */
const prepared = new WeakMap<SqliteConnectionLike, SqliteStatementLike>();

/** Throws `ERR_INVALID_OPTION` unless `connection` is a connection on `filename`. */
export function checkConnection(connection: unknown, filename: string): SqliteConnectionLike {
  if (
    typeof connection !== 'object' ||
    connection === null ||
    typeof (connection as SqliteConnectionLike).prepare !== 'function' ||
    typeof (connection as SqliteConnectionLike).name !== 'string'
  ) {
    invalid('connection', 'a better-sqlite3 Database (or an object with name, inTransaction and prepare)', connection);
  }
  const { name } = connection as SqliteConnectionLike;
  if (resolve(name) !== filename) {
    throw new TaskError(
      'ERR_INVALID_OPTION',
      `Expected \`connection\` to be open on the backend's file \`${filename}\`, got a connection on \`${name}\`: a job written there would never run`,
    );
  }
  return connection as SqliteConnectionLike;
}

/**
 * Writes a job on the caller's connection, in whatever transaction is open there, synchronously:
 * it commits or rolls back with the caller's own writes. Creates the tables through that
 * connection first if they do not exist yet (`CREATE … IF NOT EXISTS`, inside the transaction).
 */
export function insertOn(
  connection: SqliteConnectionLike,
  queue: string,
  job: NewJob,
  id: string,
  now: number,
): boolean {
  let insert = prepared.get(connection);
  if (!insert) {
    try {
      insert = connection.prepare(INSERT_JOB);
    } catch (error) {
      if (!/no such table/.test((error as Error)?.message ?? '')) throw error;
      createSchema((sql) => connection.prepare(sql).run());
      insert = connection.prepare(INSERT_JOB);
    }
    prepared.set(connection, insert);
  }
  const delayed = job.delay > 0;
  const { changes } = insert.run(
    queue,
    id,
    delayed ? 'delayed' : 'waiting',
    JSON.stringify(job.data),
    job.priority ?? 0,
    delayed ? now + job.delay : now,
    job.attempts,
    now,
  );
  return Number(changes) > 0;
}
