import { randomUUID } from 'node:crypto';
import { type OptionKeys, resolveOptions } from '@adv/types';
import { TaskError } from '../errors.js';
import type { Task } from '../task.js';
import type { EnqueueOptions, TaskBackend } from '../types.js';
import { checkInteger, invalid } from '../validate.js';
import { PostgresOutboxStore } from './postgres.js';
import { SqliteOutboxStore } from './sqlite.js';
import type { OutboxPgPool, OutboxPgQueryable, OutboxRow, OutboxSqliteDatabase, OutboxStore } from './types.js';

/** The target of the relay: what `backend.add()` needs (a `TaskBackend` such as `bullmqBackend()` fits). */
export type OutboxTarget = Pick<TaskBackend, 'add'>;

/** Options of {@link createOutbox}. */
export interface OutboxOptions<Database extends OutboxSqliteDatabase | OutboxPgPool> {
  /** Where the relay moves the jobs: the backend of the app the tasks are defined on (`bullmqBackend()`). */
  backend: OutboxTarget;
  /**
   * The app's own database: a better-sqlite3 `Database` (the relay opens a connection of its own
   * on the same file), or a `pg` `Pool` (the relay checks a connection out per batch).
   */
  database: Database;
  /** Schema of the table on PostgreSQL. @defaultValue `'adv_tasks'` */
  schema?: string | undefined;
  /** Rows claimed and moved per batch. @defaultValue 100 */
  batchSize?: number | undefined;
  /** How often the relay looks for rows written by other processes (ms); a local `enqueueIn()` wakes it at once. @defaultValue 500 */
  pollInterval?: number | undefined;
  /** First wait after the backend refused a job (ms), doubled per failure. @defaultValue 100 */
  retryDelay?: number | undefined;
  /** Longest wait between tries while the backend is down (ms). @defaultValue 5000 */
  maxRetryDelay?: number | undefined;
  /** SQLite: how long claimed rows belong to a relay that stopped without giving them back (ms). @defaultValue 30000 */
  leaseDuration?: number | undefined;
  /** SQLite: how long a statement waits for another connection's write lock (ms), asynchronously. @defaultValue 5000 */
  busyTimeout?: number | undefined;
  /** PostgreSQL: the bound of each statement and connection checkout (ms). @defaultValue 10000 */
  queryTimeout?: number | undefined;
  /** Told of every failed try (the backend down, the database locked); logged nowhere else. */
  onError?: ((error: unknown) => void) | undefined;
}

const KEYS: OptionKeys<OutboxOptions<OutboxPgPool>> = {
  backend: true,
  database: true,
  schema: true,
  batchSize: true,
  pollInterval: true,
  retryDelay: true,
  maxRetryDelay: true,
  leaseDuration: true,
  busyTimeout: true,
  queryTimeout: true,
  onError: true,
};

const DEFAULTS = {
  schema: 'adv_tasks',
  batchSize: 100,
  pollInterval: 500,
  retryDelay: 100,
  maxRetryDelay: 5000,
  leaseDuration: 30_000,
  busyTimeout: 5000,
  queryTimeout: 10_000,
  onError: (_error: unknown) => {},
};

/** What `enqueueIn()` wrote: the job's id on the target backend once relayed (`app.handle(jobId)`). */
export interface OutboxEntry {
  readonly jobId: string;
}

/**
 * A transactional outbox in the app's own database for a backend outside it (BullMQ on Redis):
 * `enqueueIn()` writes a row in the caller's transaction; a relay moves committed rows to the
 * backend, oldest first, and deletes each only after the backend accepted it. The row's `jobId`
 * is the job's id, so a row sent twice (a relay killed between send and delete) runs once.
 */
export class Outbox<Connection> {
  readonly #store: OutboxStore;
  readonly #insert: (
    connection: Connection,
    jobId: string,
    job: ReturnType<Task<unknown, unknown>['prepare']>,
  ) => unknown;
  readonly #o: ReturnType<typeof resolve>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
  #failures = 0;

  /** @internal Use {@link createOutbox}. */
  constructor(
    options: ReturnType<typeof resolve>,
    store: OutboxStore,
    insert: (connection: Connection, jobId: string, job: ReturnType<Task<unknown, unknown>['prepare']>) => unknown,
  ) {
    this.#o = options;
    this.#store = store;
    this.#insert = insert;
  }

  /** @internal Writes the row; the subclasses' `enqueueIn` returns it (synchronously on SQLite). */
  protected write<Payload>(
    connection: Connection,
    task: Task<Payload, unknown>,
    payload: Payload,
    options: EnqueueOptions,
  ): { entry: OutboxEntry; written: unknown } {
    if (typeof task?.prepare !== 'function' || task.name === undefined) {
      invalid('task', 'a task defined with app.defineTask() on an app whose backend is the outbox backend', task);
    }
    if (task.backend !== this.#o.backend) {
      throw new TaskError(
        'ERR_INVALID_OPTION',
        `Task \`${task.name}\` is defined on an app whose backend is not this outbox's \`backend\`: define it on createTaskApp({ backend }) with the same backend`,
      );
    }
    const job = task.prepare(payload, options, []);
    const jobId = job.id ?? randomUUID();
    const written = this.#insert(connection, jobId, { ...job, id: jobId });
    // Committed by the time the relay looks, unless the transaction spans awaits: then the poll finds it.
    setImmediate(() => this.wake());
    return { entry: { jobId }, written };
  }

  /** Starts the relay (idempotent): it moves committed rows until {@link close}. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.#store.init();
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Makes the relay look for rows now (a local `enqueueIn()` does it by itself). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Rows not yet moved to the backend (written or relayed, not yet deleted). */
  pending(): Promise<number> {
    return this.#store.count();
  }

  /** Stops the relay: waits for its batch in flight (bounded by the backend's and database's own bounds), then closes its connection. */
  async close(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    this.#loop = undefined;
    await this.#store.close();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#woken = false;
      let wait = this.#o.pollInterval;
      try {
        const sent = await this.#store.relay(this.#o.batchSize, (row) => this.#send(row));
        this.#failures = 0;
        if (sent === this.#o.batchSize) continue; // more may be waiting
      } catch (error) {
        this.#failures++;
        const base = Math.min(this.#o.maxRetryDelay, this.#o.retryDelay * 2 ** Math.min(this.#failures - 1, 20));
        wait = base / 2 + Math.random() * (base / 2);
        this.#report(error);
      }
      if (!this.#running) break;
      if (this.#woken && this.#failures === 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        // While the backend is down a local enqueue does not shorten the backoff.
        this.#wake = this.#failures === 0 || !this.#running ? done : () => (this.#running ? undefined : done());
      });
      this.#wake = undefined;
    }
  }

  async #send(row: OutboxRow): Promise<void> {
    const delay = Math.max(0, row.runAt - Date.now());
    await this.#o.backend.add({ ...row.job, delay });
  }

  #report(error: unknown): void {
    try {
      this.#o.onError(error);
    } catch {
      // a throwing listener must not stop the relay
    }
  }
}

/** An outbox in the app's SQLite file: `enqueueIn()` is synchronous (fits `db.transaction(() => …)`). */
export class SqliteOutbox extends Outbox<OutboxSqliteDatabase> {
  /**
   * Writes the job as a row on **your** connection, inside the transaction you have open on it;
   * the relay adds it to the backend after COMMIT (never after ROLLBACK). Throws on bad input or
   * a database error (rolling your transaction back).
   */
  enqueueIn<Payload>(
    connection: OutboxSqliteDatabase,
    task: Task<Payload, unknown>,
    payload: Payload,
    options: EnqueueOptions = {},
  ): OutboxEntry {
    return this.write(connection, task, payload, options).entry;
  }
}

/** An outbox in the app's PostgreSQL database. */
export class PostgresOutbox extends Outbox<OutboxPgQueryable> {
  /**
   * Writes the job as a row with **your** client, inside the transaction you have open on it;
   * the relay adds it to the backend after COMMIT (never after ROLLBACK).
   */
  async enqueueIn<Payload>(
    connection: OutboxPgQueryable,
    task: Task<Payload, unknown>,
    payload: Payload,
    options: EnqueueOptions = {},
  ): Promise<OutboxEntry> {
    if (typeof connection?.query !== 'function') {
      invalid('connection', 'a pg client inside an open transaction (an object with query(text, values))', connection);
    }
    const { entry, written } = this.write(connection, task, payload, options);
    await written;
    return entry;
  }
}

function resolve(options: OutboxOptions<OutboxSqliteDatabase | OutboxPgPool>) {
  const o = resolveOptions(options, {
    name: 'createOutbox',
    keys: KEYS,
    defaults: DEFAULTS,
    error: (message) => new TaskError('ERR_INVALID_OPTION', message),
  });
  if (typeof o.backend?.add !== 'function') invalid('backend', 'a task backend (such as bullmqBackend())', o.backend);
  if (typeof o.schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(o.schema)) {
    invalid('schema', 'a lower-case identifier (letters, digits, _)', o.schema);
  }
  checkInteger('batchSize', o.batchSize, 1, 10_000);
  checkInteger('pollInterval', o.pollInterval, 1);
  checkInteger('retryDelay', o.retryDelay, 1);
  checkInteger('maxRetryDelay', o.maxRetryDelay, 1);
  checkInteger('leaseDuration', o.leaseDuration, 100);
  checkInteger('busyTimeout', o.busyTimeout, 0);
  checkInteger('queryTimeout', o.queryTimeout, 1);
  if (typeof o.onError !== 'function') invalid('onError', 'a function', o.onError);
  return o;
}

/**
 * Creates a transactional outbox in the app's own database (SQLite or PostgreSQL) for `backend`
 * (BullMQ): enqueue in your transaction with `outbox.enqueueIn(connection, task, payload)`, and
 * run the relay with `outbox.start()` (stop it with `close()`).
 *
 * @example
 * ```ts
 * const backend = bullmqBackend({ connection: process.env.REDIS_URL });
 * const app = createTaskApp({ backend });
 * const outbox = createOutbox({ backend, database: db }); // db: better-sqlite3 Database or pg Pool
 * await outbox.start();
 * db.transaction(() => {
 *   db.prepare('INSERT INTO comments (body) VALUES (?)').run(body);
 *   outbox.enqueueIn(db, notify, { body });
 * })();
 * ```
 */
export function createOutbox(options: OutboxOptions<OutboxSqliteDatabase>): SqliteOutbox;
export function createOutbox(options: OutboxOptions<OutboxPgPool>): PostgresOutbox;
export function createOutbox(
  options: OutboxOptions<OutboxSqliteDatabase | OutboxPgPool>,
): SqliteOutbox | PostgresOutbox {
  const o = resolve(options);
  const database = o.database as Partial<OutboxSqliteDatabase & OutboxPgPool> | undefined;
  if (typeof database?.prepare === 'function' && typeof database.exec === 'function') {
    if (typeof database.name !== 'string' || database.name === ':memory:' || database.name === '') {
      invalid('database', 'a better-sqlite3 Database on a file (not :memory:)', database.name);
    }
    const store = new SqliteOutboxStore(database as OutboxSqliteDatabase, o);
    return new SqliteOutbox(o, store, (connection, jobId, job) => store.insert(connection, jobId, job));
  }
  if (typeof database?.query === 'function' && typeof database.connect === 'function') {
    const store = new PostgresOutboxStore(database as OutboxPgPool, o);
    return new PostgresOutbox(o, store, (connection, jobId, job) => store.insert(connection, jobId, job));
  }
  return invalid(
    'database',
    'a better-sqlite3 Database (prepare, exec, name) or a pg Pool (query, connect)',
    options?.database,
  );
}
