import { TaskError } from '../errors.js';
import type { NewJob } from '../types.js';
import { rowValues, TABLE, toRow } from './sql.js';
import type { OutboxPgClient, OutboxPgPool, OutboxPgQueryable, OutboxRow, OutboxStore } from './types.js';

/** Rejects after `ms` (the pool and queries of the caller's `pg` may have no bound of their own). */
async function bounded<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TaskError('ERR_BACKEND', `${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The outbox in the app's PostgreSQL database. */
export class PostgresOutboxStore implements OutboxStore {
  readonly description: string;
  readonly #table: string;
  #ready: Promise<void> | undefined;

  constructor(
    readonly pool: OutboxPgPool,
    readonly options: { schema: string; queryTimeout: number },
  ) {
    this.#table = `"${options.schema}".${TABLE}`;
    this.description = `the PostgreSQL outbox \`${options.schema}.${TABLE}\``;
  }

  /** Writes a row with `connection` (the caller's client, in its transaction). */
  async insert(connection: OutboxPgQueryable, jobId: string, job: NewJob): Promise<void> {
    await this.init();
    await connection.query(
      `INSERT INTO ${this.#table} (job_id, task, job, run_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
      rowValues(jobId, job, Date.now()),
    );
  }

  init(): Promise<void> {
    this.#ready ??= this.#query(
      'create the outbox table',
      this.pool,
      `CREATE SCHEMA IF NOT EXISTS "${this.options.schema}";
       CREATE TABLE IF NOT EXISTS ${this.#table} (
         id BIGSERIAL PRIMARY KEY,
         job_id TEXT NOT NULL,
         task TEXT NOT NULL,
         job JSONB NOT NULL,
         run_at BIGINT NOT NULL,
         created_at BIGINT NOT NULL
       )`,
    ).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  async relay(limit: number, send: (row: OutboxRow) => Promise<void>): Promise<number> {
    await this.init();
    const client = await bounded(
      `Checking out a connection for ${this.description}`,
      this.options.queryTimeout,
      this.pool.connect(),
    ).catch((error: unknown) => {
      throw error instanceof TaskError
        ? error
        : new TaskError('ERR_BACKEND', `Could not connect for ${this.description}: ${(error as Error).message}`, {
            cause: error,
          });
    });
    let failed: Error | undefined;
    let sendError: unknown;
    try {
      await this.#query('begin a relay transaction', client, 'BEGIN');
      // Locked until COMMIT: another relay skips them; a relay killed mid-batch releases them.
      const { rows } = await this.#query(
        'claim rows',
        client,
        `SELECT id, job_id, job, run_at FROM ${this.#table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const results = await Promise.allSettled(rows.map((row) => send(toRow(row.id, row.job_id, row.job, row.run_at))));
      const accepted = rows.filter((_, index) => results[index]!.status === 'fulfilled').map((row) => String(row.id));
      const sent = accepted.length;
      if (sent > 0) {
        await this.#query('delete relayed rows', client, `DELETE FROM ${this.#table} WHERE id = ANY($1::bigint[])`, [
          accepted,
        ]);
      }
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) sendError = (failure as PromiseRejectedResult).reason;
      await this.#query('commit a relay transaction', client, 'COMMIT');
      if (sendError !== undefined) throw sendError;
      return sent;
    } catch (error) {
      if (error !== sendError) failed = error as Error;
      throw error;
    } finally {
      // A failed statement leaves the transaction aborted (or the connection broken): drop it.
      client.release(failed ?? false);
    }
  }

  async count(): Promise<number> {
    await this.init();
    const { rows } = await this.#query('count rows', this.pool, `SELECT count(*)::int AS n FROM ${this.#table}`);
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {}

  async #query(what: string, on: OutboxPgQueryable | OutboxPgClient, text: string, values?: unknown[]) {
    try {
      return await bounded(
        `Could not ${what} of ${this.description}: the query`,
        this.options.queryTimeout,
        on.query(text, values),
      );
    } catch (error) {
      if (error instanceof TaskError) throw error;
      throw new TaskError('ERR_BACKEND', `Could not ${what} of ${this.description}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
