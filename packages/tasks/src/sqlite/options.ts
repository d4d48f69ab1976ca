import type { OptionKeys } from '@adv/types';
import { MAX_TIMER_DELAY } from '../timers.js';
import type { Defined } from '../types.js';
import { checkInteger, checkName, invalid, readOptions } from '../validate.js';

/** Options of {@link sqliteBackend}. */
export interface SqliteBackendOptions {
  /**
   * The SQLite database file (created with its tables if missing; its directory must exist). Use
   * your app's own database file to enqueue in your transactions with `enqueueIn()`.
   * @example `'./data/app.db'`
   */
  filename: string;
  /** Queue name: several queues (or apps) can share one file. @defaultValue `'default'` */
  queueName?: string | undefined;
  /** Completed (and cancelled) jobs kept for `status()`/`result()`, oldest dropped first. @defaultValue 1000 */
  keepCompleted?: number | undefined;
  /** Failed jobs kept for the dead-letter view, oldest dropped first. @defaultValue 5000 */
  keepFailed?: number | undefined;
  /**
   * How long a claimed job stays owned by its worker without a heartbeat (ms). A worker renews
   * its jobs' leases every `leaseDuration / 3`; a killed worker's jobs run again elsewhere once
   * their lease expired.
   * @defaultValue 30000
   */
  leaseDuration?: number | undefined;
  /** Lease expiries after which a job fails instead of running again (as BullMQ's `maxStalledCount`). @defaultValue 1 */
  maxStalledCount?: number | undefined;
  /**
   * How long one call waits for another connection's write lock (ms), then rejects with
   * `ERR_BACKEND`. The wait never blocks the event loop: a locked database is retried asynchronously.
   * @defaultValue 5000
   */
  busyTimeout?: number | undefined;
  /**
   * How often a worker or a `result()` waiter looks for changes made by other processes when no
   * file-watch event woke it (ms). A check is one `PRAGMA data_version`: no query runs unless
   * another connection committed.
   * @defaultValue 200
   */
  pollInterval?: number | undefined;
  /**
   * Watch the database's directory for writes by other processes (inotify/FSEvents), so that a
   * worker starts a job enqueued elsewhere within milliseconds rather than at the next poll.
   * @defaultValue true
   */
  watch?: boolean | undefined;
  /**
   * SQLite's `synchronous` setting. `'normal'` (WAL's recommended setting) survives any process
   * crash; `'full'` also survives a power loss or an OS crash, at the cost of an fsync per commit.
   * @defaultValue `'normal'`
   */
  synchronous?: 'normal' | 'full' | undefined;
}

/** Defaults of {@link SqliteBackendOptions}. */
export const SQLITE_DEFAULTS = Object.freeze({
  queueName: 'default',
  keepCompleted: 1000,
  keepFailed: 5000,
  leaseDuration: 30_000,
  maxStalledCount: 1,
  busyTimeout: 5000,
  pollInterval: 200,
  watch: true,
  synchronous: 'normal',
} as const);

const SQLITE_KEYS: OptionKeys<SqliteBackendOptions> = {
  filename: true,
  queueName: true,
  keepCompleted: true,
  keepFailed: true,
  leaseDuration: true,
  maxStalledCount: true,
  busyTimeout: true,
  pollInterval: true,
  watch: true,
  synchronous: true,
};

/** Options with their defaults applied. */
export type ResolvedSqliteOptions = Defined<SqliteBackendOptions>;

/** Validates options (failing fast, before the file is opened) and applies defaults. */
export function resolveSqliteOptions(options: SqliteBackendOptions): ResolvedSqliteOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object { filename }', options);
  const { filename } = options;
  if (typeof filename !== 'string' || filename.length === 0 || filename.startsWith(':memory:') || filename === '') {
    invalid('filename', 'the path of a database file (not `:memory:`: other processes must see it)', filename);
  }
  const resolved: ResolvedSqliteOptions = readOptions('sqliteBackend', options, SQLITE_KEYS, SQLITE_DEFAULTS);
  checkName('queueName', resolved.queueName);
  checkInteger('keepCompleted', resolved.keepCompleted, 0);
  checkInteger('keepFailed', resolved.keepFailed, 0);
  checkInteger('leaseDuration', resolved.leaseDuration, 100, MAX_TIMER_DELAY);
  checkInteger('maxStalledCount', resolved.maxStalledCount, 0);
  checkInteger('busyTimeout', resolved.busyTimeout, 0, MAX_TIMER_DELAY);
  checkInteger('pollInterval', resolved.pollInterval, 1, MAX_TIMER_DELAY);
  if (typeof resolved.watch !== 'boolean') invalid('watch', 'a boolean', resolved.watch);
  if (resolved.synchronous !== 'normal' && resolved.synchronous !== 'full') {
    invalid('synchronous', "'normal' or 'full'", resolved.synchronous);
  }
  return resolved;
}
