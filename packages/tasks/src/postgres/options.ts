import type { OptionKeys } from '@adv/types';
import { MAX_TIMER_DELAY } from '../timers.js';
import type { Defined } from '../types.js';
import { checkInteger, checkName, invalid, readOptions } from '../validate.js';
import type { PgPoolLike } from './connection.js';

/** Options of {@link postgresBackend}. Give `connectionString` or `pool`, not both. */
export interface PostgresBackendOptions {
  /**
   * A `postgres://` URL: the backend opens its own `pg` pool (and one more connection for LISTEN).
   * @example `'postgres://app@db.internal:5432/app'`
   */
  connectionString?: string | undefined;
  /**
   * Your own `pg.Pool` (or anything with its `query`/`connect` shape) instead of a URL. The backend
   * holds one of its connections for LISTEN while it processes jobs, and never ends the pool:
   * `close()` leaves it to you.
   */
  pool?: PgPoolLike | undefined;
  /**
   * PostgreSQL schema of the backend's tables (created with them on first use). Lower-case
   * letters, digits and `_`.
   * @defaultValue `'adv_tasks'`
   */
  schema?: string | undefined;
  /** Queue name: several queues (or apps) can share one schema. @defaultValue `'default'` */
  queueName?: string | undefined;
  /** Completed (and cancelled) jobs kept for `status()`/`result()`, oldest dropped first. @defaultValue 1000 */
  keepCompleted?: number | undefined;
  /** Failed jobs kept for the dead-letter view, oldest dropped first. @defaultValue 5000 */
  keepFailed?: number | undefined;
  /**
   * How long a claimed job stays owned by its worker without a heartbeat (ms). A worker renews its
   * jobs' leases every `leaseDuration / 3`; a killed worker's jobs run again elsewhere once their
   * lease expired (any worker on the queue checks every `leaseDuration / 2`).
   * @defaultValue 30000
   */
  leaseDuration?: number | undefined;
  /** Lease expiries after which a job fails instead of running again (as BullMQ's `maxStalledCount`). @defaultValue 1 */
  maxStalledCount?: number | undefined;
  /**
   * A worker's fallback look for due jobs when no notification woke it (ms): jobs enqueued by
   * another process wake workers at once through LISTEN/NOTIFY; delayed jobs and retries are
   * timed; this catches what a lost connection missed.
   * @defaultValue 1000
   */
  pollInterval?: number | undefined;
  /**
   * How long a call waits for an unreachable server (refused or lost connections are retried
   * meanwhile), and then for its answer, before it rejects with `ERR_BACKEND`, in ms. Every
   * statement is safe to send again (an enqueue carries its id), so a retry never adds a job twice.
   * @defaultValue 10000
   */
  unavailableTimeout?: number | undefined;
  /**
   * Size of the pool the backend opens from `connectionString` (not used with `pool`).
   * @defaultValue 10
   */
  maxConnections?: number | undefined;
}

/** Defaults of {@link PostgresBackendOptions}. */
export const POSTGRES_DEFAULTS = Object.freeze({
  schema: 'adv_tasks',
  queueName: 'default',
  keepCompleted: 1000,
  keepFailed: 5000,
  leaseDuration: 30_000,
  maxStalledCount: 1,
  pollInterval: 1000,
  unavailableTimeout: 10_000,
  maxConnections: 10,
} as const);

const POSTGRES_KEYS: OptionKeys<PostgresBackendOptions> = {
  connectionString: true,
  pool: true,
  schema: true,
  queueName: true,
  keepCompleted: true,
  keepFailed: true,
  leaseDuration: true,
  maxStalledCount: true,
  pollInterval: true,
  unavailableTimeout: true,
  maxConnections: true,
};

/** Options with their defaults applied. */
export type ResolvedPostgresOptions = Defined<Omit<PostgresBackendOptions, 'connectionString' | 'pool'>> &
  Pick<PostgresBackendOptions, 'connectionString' | 'pool'>;

/** Validates options (failing fast, before anything connects) and applies defaults. */
export function resolvePostgresOptions(options: PostgresBackendOptions): ResolvedPostgresOptions {
  if (typeof options !== 'object' || options === null) {
    invalid('options', 'an object { connectionString } or { pool }', options);
  }
  const { connectionString, pool } = options;
  if (connectionString !== undefined && pool !== undefined) {
    invalid('pool', 'absent when `connectionString` is given (pass one of them)', '[pool]');
  }
  if (pool !== undefined) {
    if (typeof pool !== 'object' || pool === null || typeof (pool as PgPoolLike).connect !== 'function') {
      invalid('pool', 'a pg.Pool (an object with query() and connect())', pool);
    }
  } else if (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString)) {
    invalid('connectionString', 'a postgres:// URL (or pass `pool`)', connectionString);
  }
  const resolved: ResolvedPostgresOptions = readOptions('postgresBackend', options, POSTGRES_KEYS, POSTGRES_DEFAULTS);
  if (typeof resolved.schema !== 'string' || !/^[a-z_][a-z0-9_]{0,47}$/.test(resolved.schema)) {
    invalid('schema', 'a lower-case identifier of at most 48 characters ([a-z_][a-z0-9_]*)', resolved.schema);
  }
  checkName('queueName', resolved.queueName);
  checkInteger('keepCompleted', resolved.keepCompleted, 0);
  checkInteger('keepFailed', resolved.keepFailed, 0);
  checkInteger('leaseDuration', resolved.leaseDuration, 100, MAX_TIMER_DELAY);
  checkInteger('maxStalledCount', resolved.maxStalledCount, 0);
  checkInteger('pollInterval', resolved.pollInterval, 10, MAX_TIMER_DELAY);
  checkInteger('unavailableTimeout', resolved.unavailableTimeout, 0, MAX_TIMER_DELAY);
  checkInteger('maxConnections', resolved.maxConnections, 1, 1000);
  return resolved;
}
