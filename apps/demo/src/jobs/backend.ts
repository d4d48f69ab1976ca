import { onCommit } from '@adv/signals';
import { type EnqueueOptions, memoryBackend, type Task, type TaskBackend } from '@adv/tasks';
import { bullmqBackend } from '@adv/tasks/bullmq';
import { createOutbox, type OutboxPgQueryable, type OutboxSqliteDatabase } from '@adv/tasks/outbox';
import { type PgQueryable, postgresBackend } from '@adv/tasks/postgres';
import { type SqliteConnectionLike, sqliteBackend } from '@adv/tasks/sqlite';
import type { Logger } from '@adv/types';
import pg from 'pg';
import type { Board } from '../board.js';
import type { DatabaseLocation } from '../db/database.js';
import type { SqliteDatabase } from '../db/sqlite.js';

/** Which backend the demo's tasks run on. */
export type TaskStore = 'sqlite' | 'postgres' | 'bullmq' | 'memory';

/**
 * Writes a job on the connection of the open `atomic` block of the board's database, so it
 * commits or rolls back with the block's data.
 */
export type EnqueueIn = <Payload, Result>(
  connection: unknown,
  task: Task<Payload, Result>,
  payload: Payload,
  options?: EnqueueOptions,
) => unknown;

/** The backend chosen, how a block enqueues in it, and the start and stop of what it needs beside it (an outbox relay). */
export interface ChosenBackend {
  store: TaskStore;
  backend: TaskBackend;
  enqueueIn: EnqueueIn | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
}

type Retention = { keepCompleted: number; keepFailed: number };

const QUEUE = 'adv-demo';
const nothing = async () => {};

/**
 * The task backend, by configuration: BullMQ on Redis (REDIS_URL) for many processes at high
 * rates; else the board's own database, so an enqueue is part of the board's transaction:
 * PostgreSQL (DATABASE_URL) across machines, or the SQLite file (the default; durable, several
 * processes on one machine). A throwaway `:memory:` board (benchmarks, `check --deploy`) gets the
 * in-process memory backend. Each keeps the newest `keep` finished jobs of each outcome.
 */
export function backendFor(
  redisUrl: string | undefined,
  database: DatabaseLocation,
  board: Board,
  logger: Logger,
  keep: number,
): ChosenBackend {
  const retention = { keepCompleted: keep, keepFailed: keep };
  if (redisUrl) return bullmqWithOutbox(redisUrl, database, board, logger, retention);
  if (database.url !== undefined) return inPostgres(database.url, retention);
  if (database.file === ':memory:') {
    return { store: 'memory', backend: memoryBackend(retention), enqueueIn: undefined, start: nothing, close: nothing };
  }
  return inSqlite(database.file, retention);
}

/**
 * BullMQ on Redis, with the outbox: a row in the board's transaction, moved to Redis after COMMIT
 * by a relay in every process (retrying while Redis is down; the jobId keeps a resent row from
 * running twice). A `:memory:` board has no outbox (nothing to enqueue in a block).
 */
function bullmqWithOutbox(
  redisUrl: string,
  database: DatabaseLocation,
  board: Board,
  logger: Logger,
  retention: Retention,
): ChosenBackend {
  const backend = bullmqBackend({ connection: redisUrl, queueName: QUEUE, ...retention });
  const onError = (error: unknown) =>
    logger.warn({ err: error }, 'task outbox: relay failed (Redis down or the database locked), retrying');
  if (database.url !== undefined) return postgresOutbox(backend, database.url, onError);
  if (database.file !== ':memory:' && board.db.dialect === 'sqlite') {
    const native = (board.db as SqliteDatabase).native as unknown as OutboxSqliteDatabase;
    const outbox = createOutbox({ backend, database: native, onError });
    return {
      store: 'bullmq',
      backend,
      enqueueIn: (connection, task, payload, options) => {
        outbox.enqueueIn(connection as OutboxSqliteDatabase, task, payload, options);
        onCommit(() => outbox.wake()); // the block spans awaits: wake the relay at its COMMIT
      },
      start: () => outbox.start(),
      close: () => outbox.close(),
    };
  }
  return { store: 'bullmq', backend, enqueueIn: undefined, start: nothing, close: nothing };
}

/** The outbox in the board's PostgreSQL database, with a small pool of its own for the relay. */
function postgresOutbox(
  backend: ReturnType<typeof bullmqBackend>,
  url: string,
  onError: (error: unknown) => void,
): ChosenBackend {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {}); // an idle connection lost: the next checkout reconnects
  pool.on('connect', (client) => client.on('error', () => {})); // a late FATAL between statements (db/postgres.ts)
  const outbox = createOutbox({ backend, database: pool, onError });
  return {
    store: 'bullmq',
    backend,
    enqueueIn: async (connection, task, payload, options) => {
      await outbox.enqueueIn(connection as OutboxPgQueryable, task, payload, options);
      onCommit(() => outbox.wake()); // the block spans awaits: wake the relay at its COMMIT
    },
    start: () => outbox.start(),
    close: async () => {
      await outbox.close();
      await pool.end();
    },
  };
}

/** The jobs in the board's PostgreSQL database (schema `adv_tasks`). */
function inPostgres(url: string, retention: Retention): ChosenBackend {
  const backend = postgresBackend({ connectionString: url, queueName: QUEUE, ...retention });
  return {
    store: 'postgres',
    backend,
    enqueueIn: (connection, task, payload, options) =>
      backend.enqueueIn(connection as PgQueryable, task, payload, options),
    // Creates the tables (before a block first enqueues in them) by reading the counts.
    start: async () => {
      await backend.stats();
    },
    close: nothing,
  };
}

/** The jobs in the board's SQLite file. */
function inSqlite(file: string, retention: Retention): ChosenBackend {
  const backend = sqliteBackend({ filename: file, queueName: QUEUE, ...retention });
  return {
    store: 'sqlite',
    backend,
    enqueueIn: (connection, task, payload, options) =>
      backend.enqueueIn(connection as SqliteConnectionLike, task, payload, options),
    start: async () => {
      await backend.stats();
    },
    close: nothing,
  };
}
