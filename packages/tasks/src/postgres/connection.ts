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
  /** Returns it to the pool; with an error, the pool drops it. */
  release(error?: Error | boolean): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  off?(event: string, listener: (...args: never[]) => void): unknown;
}

/** A query with a name: prepared once per connection, then only executed (a `pg` `QueryConfig`). */
export interface PgNamedQuery {
  name: string;
  text: string;
  values?: unknown[];
}

/** A connection pool (a `pg` `Pool` fits). */
export interface PgPoolLike extends PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgResultLike>;
  query(config: PgNamedQuery): Promise<PgResultLike>;
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
   * Rows of `text`, run on the pool (or on `on`, the caller's client, without retries). With
   * `prepare`, the statement is parsed and planned once per pooled connection (for the hot path).
   */
  async query(
    what: string,
    text: string,
    values: unknown[],
    options: { wait?: number; on?: PgQueryable; prepare?: boolean } = {},
    // biome-ignore lint/suspicious/noExplicitAny: rows are whatever the query selects
  ): Promise<any[]> {
    if (options.prepare && !options.on) {
      const config = { name: statementName(text), text, values };
      return this.run(what, () => this.#pool.query(config).then((result) => result.rows), options);
    }
    return this.run(what, (db) => db.query(text, values).then((result) => result.rows), options);
  }

  /** Runs `work` on a connection inside BEGIN/COMMIT (rolled back if it throws). */
  async transaction<T>(what: string, work: (client: PgQueryable) => Promise<T>, wait?: number): Promise<T> {
    return this.run(
      what,
      async () => {
        const client = await this.#pool.connect();
        try {
          await client.query('BEGIN');
          const value = await work(client);
          await client.query('COMMIT');
          client.release();
          return value;
        } catch (error) {
          // a broken connection is dropped, a healthy one rolled back and reused
          if (isConnectionError(error)) client.release(error as Error);
          else
            await client.query('ROLLBACK').then(
              () => client.release(),
              (rollbackError: Error) => client.release(rollbackError),
            );
          throw error;
        }
      },
      wait === undefined ? {} : { wait },
    );
  }

  /** The retry-and-bound loop behind `query` and `transaction`. */
  async run<T>(
    what: string,
    attempt: (db: PgQueryable) => Promise<T>,
    options: { wait?: number; on?: PgQueryable } = {},
  ): Promise<T> {
    const wait = options.wait ?? this.#defaultWait;
    const deadline = Date.now() + wait;
    const db = options.on ?? this.#pool;
    let lastError: unknown;
    for (;;) {
      if (this.#isClosed() && !options.on)
        throw new TaskError('ERR_BACKEND', `Could not ${what}: the PostgreSQL backend is closed`);
      const left = deadline - Date.now();
      try {
        return await this.#deadlines.race(attempt(db), Math.max(left, 1), () =>
          timedOut(what, wait, lastError ?? undefined),
        );
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
