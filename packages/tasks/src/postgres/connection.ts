import { createHash } from 'node:crypto';
import { TaskError } from '../errors.js';
import type { DeadlineSweeper } from '../timers.js';

/** What the backend reads of a query's answer (a `pg` `QueryResult` fits). */
export interface PgResultLike {
  // biome-ignore lint/suspicious/noExplicitAny: rows are whatever the query selects, as in `pg`
  rows: any[];
}

/**
 * Anything that runs a parameterised query: a `pg` `Client`, `PoolClient` or `Pool`. The caller's
 * own client inside an open transaction is one (see `PostgresBackend.enqueueIn`).
 */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgResultLike>;
}

/** A connection checked out of a pool (a `pg` `PoolClient` fits). */
export interface PgPoolClientLike extends PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgResultLike>;
  query(config: PgNamedQuery): Promise<PgResultLike>;
  /** Returns it to the pool; with an error, the pool drops it. */
  release(error?: Error | boolean): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  off(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'end', listener: () => void): unknown;
}

/** A query with a name: prepared once per connection, then only executed (a `pg` `QueryConfig`). */
export interface PgNamedQuery {
  name: string;
  text: string;
  values?: unknown[];
}

/** A connection pool (a `pg` `Pool` fits). */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>;
  end(): Promise<void>;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: connection exceptions and the server shutting down or starting up
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
]);

/** Whether an error means the server could not be reached (or went away), not a bad statement. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|not queryable|Connection ended|the database system is (starting up|shutting down)/i.test(
    error.message,
  );
}

const names = new Map<string, string>();

/** A prepared statement's name, derived from its text (so two schemas on one pool never clash). */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `adv_tasks_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs statements with the backend's bounds: an unreachable server is retried until `wait` ms
 * have passed, then the call rejects with `ERR_BACKEND`; an answer is waited for as long. Every
 * statement the backend sends is safe to send again.
 */
export class PgRunner {
  readonly #pool: PgPoolLike;
  readonly #deadlines: DeadlineSweeper;
  readonly #defaultWait: number;
  readonly #isClosed: () => boolean;

  constructor(pool: PgPoolLike, deadlines: DeadlineSweeper, defaultWait: number, isClosed: () => boolean) {
    this.#pool = pool;
    this.#deadlines = deadlines;
    this.#defaultWait = defaultWait;
    this.#isClosed = isClosed;
  }

  /**
   * Rows of `text`, run on a pooled connection (or on `on`, the caller's client, without retries).
   * With `prepare`, the statement is parsed and planned once per connection (for the hot path).
   */
  async query(
    what: string,
    text: string,
    values: unknown[],
    options: { wait?: number; on?: PgQueryable; prepare?: boolean } = {},
    // biome-ignore lint/suspicious/noExplicitAny: rows are whatever the query selects
  ): Promise<any[]> {
    if (options.on) {
      const on = options.on;
      return this.run(what, () => on.query(text, values).then((result) => result.rows), options);
    }
    const config = options.prepare ? { name: statementName(text), text, values } : undefined;
    return this.run(
      what,
      (client) => (config ? client.query(config) : client.query(text, values)).then((result) => result.rows),
      options,
    );
  }

  /** Runs `work` on a connection inside BEGIN/COMMIT (rolled back if it throws). */
  async transaction<T>(what: string, work: (client: PgQueryable) => Promise<T>, wait?: number): Promise<T> {
    return this.run(
      what,
      async (client) => {
        await client.query('BEGIN');
        try {
          const value = await work(client);
          await client.query('COMMIT');
          return value;
        } catch (error) {
          if (!isConnectionError(error)) await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      },
      wait === undefined ? {} : { wait },
    );
  }

  /**
   * The retry-and-bound loop behind `query` and `transaction`: checks a connection out of the pool
   * and runs `attempt` on it, all within `wait` ms. Nothing outlives the deadline: a connection
   * that arrives late is handed back unused (a statement queued in the pool would otherwise run
   * when the server returns, long after its caller was told it failed), and one whose answer is
   * late is dropped.
   */
  async run<T>(
    what: string,
    attempt: (client: PgPoolClientLike) => Promise<T>,
    options: { wait?: number; on?: PgQueryable } = {},
  ): Promise<T> {
    const wait = options.wait ?? this.#defaultWait;
    const deadline = Date.now() + wait;
    let lastError: unknown;
    const late = () => timedOut(what, wait, lastError);
    for (;;) {
      if (this.#isClosed() && !options.on)
        throw new TaskError('ERR_BACKEND', `Could not ${what}: the PostgreSQL backend is closed`);
      try {
        if (options.on) {
          return await this.#deadlines.race(
            attempt(options.on as PgPoolClientLike),
            Math.max(1, deadline - Date.now()),
            late,
          );
        }
        const connecting = this.#pool.connect();
        let client: PgPoolClientLike;
        try {
          client = await this.#deadlines.race(connecting, Math.max(1, deadline - Date.now()), late);
        } catch (error) {
          connecting.then(
            (unused) => unused.release(),
            () => {},
          );
          throw error;
        }
        let broken: Error | undefined;
        // A checked-out connection has no listener of the pool's: the server going away between
        // two statements would emit an 'error' nobody handles (and crash the process).
        const onError = (error: Error) => {
          broken = error;
        };
        client.on('error', onError);
        try {
          return await this.#deadlines.race(attempt(client), Math.max(1, deadline - Date.now()), late);
        } catch (error) {
          if (error instanceof TaskError || isConnectionError(error)) broken = error as Error;
          throw error;
        } finally {
          client.off('error', onError);
          // A broken connection goes to the pool to be ended, without a listener of the pool's:
          // the server's late FATAL (57P01 at shutdown) on its socket must not crash the process.
          if (broken) client.on('error', () => {});
          client.release(broken);
        }
      } catch (error) {
        if (error instanceof TaskError) throw error;
        // the caller's own transaction is theirs to retry; a bad statement is not retried either
        if (options.on || !isConnectionError(error)) throw wrap(what, error);
        lastError = error;
        const pause = Math.min(250, deadline - Date.now());
        if (pause <= 0) throw unreachable(what, wait, error);
        await sleep(pause);
      }
    }
  }
}

function timedOut(what: string, wait: number, cause: unknown): TaskError {
  return new TaskError(
    'ERR_BACKEND',
    `Could not ${what} on PostgreSQL: no answer within ${wait} ms${cause instanceof Error ? ` (${cause.message})` : ''}`,
    cause === undefined ? undefined : { cause },
  );
}

function unreachable(what: string, wait: number, cause: unknown): TaskError {
  return new TaskError(
    'ERR_BACKEND',
    `Could not ${what} on PostgreSQL: the server was unreachable for ${wait} ms (${(cause as Error).message})`,
    { cause },
  );
}

function wrap(what: string, error: unknown): TaskError {
  return new TaskError('ERR_BACKEND', `Could not ${what} on PostgreSQL: ${(error as Error)?.message ?? error}`, {
    cause: error,
  });
}
