import { atomic, sqlTransactionRunner } from '@adv/signals';
import pg from 'pg';
import { type BlockScope, openBlockOf, runInBlock } from './block-scope.js';
import { DatabaseError, type SqlDatabase, type SqlParam } from './sql.js';

/** Key of the advisory lock migrations hold (any constant the app owns; "adv" in ASCII). */
const MIGRATION_LOCK = 0x616476;

/** `?` placeholders as PostgreSQL's `$1, $2 …` (the board's SQL has no `?` inside literals). */
const positional = new Map<string, string>();
function toPositional(sql: string): string {
  let converted = positional.get(sql);
  if (converted === undefined) {
    let n = 0;
    converted = sql.replace(/\?/g, () => `$${++n}`);
    if (positional.size < 1000) positional.set(sql, converted);
  }
  return converted;
}

const ignoreConnectionError = () => {};

/**
 * SQLSTATEs that say the server, not the statement, is the problem: connection exceptions
 * (class 08), operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot
 * connect now: starting up or in recovery) and too many connections (53300).
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

/**
 * Returns a client to the pool after a failed block only if it is usable: a ROLLBACK with no
 * transaction open is harmless, and one that fails (the connection broke, or the server
 * ended it) destroys the client instead of handing a broken connection to the next request.
 */
async function releaseAfterFailure(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : true);
  }
}

/** `postgres://user:secret@host/db` without the password, for logs and errors. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return 'an unparsable URL';
  }
}

export interface PostgresOptions {
  /** `postgres://user:password@host:5432/database` (libpq's URL form; `?sslmode=require` etc. work). */
  url: string;
  /** Connections in the pool (each process has its own pool). @defaultValue 10 */
  poolSize?: number;
  /** How long to wait for a connection before failing, in ms. @defaultValue 5000 */
  connectTimeoutMs?: number;
  /**
   * How long one query may take before it fails, in ms: the bound on a server that accepts
   * connections but stopped answering (a frozen or partitioned host). @defaultValue 10000
   */
  queryTimeoutMs?: number;
}

/**
 * The server database, for the scaled-out setup: a node-postgres pool per process. Queries
 * outside a block take any pooled connection; a block checks one connection out for its whole
 * transaction, and every query in it (however deep in the call stack) runs on that connection.
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres';
  readonly description: string;
  readonly #pool: pg.Pool;
  #closing: Promise<void> | undefined;

  constructor(options: PostgresOptions) {
    this.description = describePostgresUrl(options.url);
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 10_000,
    });
    // An idle connection the server closed (restart, failover) is dropped; the next query reconnects.
    this.#pool.on('error', () => {});
    // pg emits a FATAL reaching a connection with no query running (57P01 at a fast shutdown) as an
    // 'error' event, and the pool listens only while it is idle: without this, a connection handed
    // out between two statements would crash the process. The next query still fails.
    this.#pool.on('connect', (client) => client.on('error', () => {}));
  }

  async all<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    return (await this.#query(sql, params)).rows as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row | undefined> {
    return (await this.#query(sql, params)).rows[0] as Row | undefined;
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }

  async exec(script: string): Promise<void> {
    // Without parameters node-postgres sends the simple query protocol, which takes several statements.
    await this.#reported(() => this.#queryable().query(script));
  }

  async atomic<T>(fn: () => T | Promise<T>, options: { lock?: 'migrations' } = {}): Promise<T> {
    const outer = openBlockOf<pg.PoolClient>(this);
    if (outer) return atomic(fn, { runner: outer.runner });
    const client = await this.#reported(() => this.#pool.connect());
    // A checked-out client whose connection breaks emits 'error', which node-postgres leaves to
    // its holder: unhandled, it would crash the process. The block's next query fails instead.
    client.on('error', ignoreConnectionError);
    let committed = false;
    const sql = sqlTransactionRunner((text) => this.#reported(() => client.query(text)));
    const runner = {
      ...sql,
      async commit() {
        await sql.commit();
        committed = true;
      },
    };
    let block: BlockScope<pg.PoolClient> | undefined;
    let released: Promise<void> | undefined;
    // At COMMIT or ROLLBACK, not after the onCommit callbacks: a callback that waits on a server
    // that is down (a broadcast, an enqueue) must not keep a pooled connection from other requests.
    const release = () => {
      released ??= (async () => {
        if (block) block.open = false;
        if (committed) client.release();
        else await releaseAfterFailure(client);
        client.off('error', ignoreConnectionError);
      })();
      return released;
    };
    try {
      return await runInBlock(this, runner, client, (scope) => {
        block = scope;
        return atomic(
          async () => {
            if (options.lock === 'migrations') {
              // Another process may be migrating: wait longer than one query's bound for its lock.
              await client.query({
                text: 'SELECT pg_advisory_xact_lock($1)',
                values: [MIGRATION_LOCK],
                query_timeout: 60_000,
              } as pg.QueryConfig);
            }
            return fn();
          },
          { runner, release },
        );
      });
    } finally {
      // The block's own errors pass as they are; the database's were explained where they arose.
      await release();
    }
  }

  blockConnection(): pg.PoolClient | undefined {
    return openBlockOf<pg.PoolClient>(this)?.connection;
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1', []);
  }

  /** Ends the pool; a second call waits for the first (pg's `end()` throws when called twice). */
  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }

  #queryable(): pg.Pool | pg.PoolClient {
    return openBlockOf<pg.PoolClient>(this)?.connection ?? this.#pool;
  }

  #query(sql: string, params: readonly SqlParam[]): Promise<pg.QueryResult> {
    return this.#reported(() => this.#queryable().query(toPositional(sql), params as SqlParam[]));
  }

  async #reported<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.#explained(error);
    }
  }

  /** SQL errors pass through as node-postgres raised them; not reaching the server says where and what to check. */
  #explained(error: unknown): unknown {
    if (error instanceof pg.DatabaseError && UNAVAILABLE_SQLSTATE.test(error.code ?? '')) {
      // Not the query's fault: the server is starting, shutting down, recovering or full.
      return new DatabaseError(
        `PostgreSQL at ${this.description} (DATABASE_URL) is unavailable: ${error.message} (${error.code}). It answers again once the server has started or recovered.`,
        { cause: error },
      );
    }
    if (error instanceof pg.DatabaseError || error instanceof DatabaseError || !(error instanceof Error)) return error;
    const code = (error as { code?: string }).code;
    if (code === undefined && !/timeout|connect|terminat/i.test(error.message)) return error;
    return new DatabaseError(
      `Could not reach PostgreSQL at ${this.description} (DATABASE_URL): ${error.message}${code ? ` (${code})` : ''}. Check that the server runs and accepts this user and database.`,
      { cause: error },
    );
  }
}
