import Database from 'better-sqlite3';
import { TaskError } from '../errors.js';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';

/** The better-sqlite3 connection the backend owns. */
export type Connection = Database.Database;

const BUSY = /^SQLITE_(BUSY|LOCKED)/;

/** Whether `error` is SQLite saying another connection holds the lock (worth retrying). */
export function isBusy(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code === 'string' && BUSY.test((error as { code: string }).code);
}

/** Turns a better-sqlite3 failure into an `ERR_BACKEND` {@link TaskError} that says what to do. */
export function backendError(what: string, filename: string, error: unknown, busyTimeout: number): TaskError {
  if (error instanceof TaskError) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = (error as Error)?.message ?? String(error);
  const where = `the SQLite task database \`${filename}\``;
  let detail: string;
  if (BUSY.test(code)) {
    detail = `${where} stayed locked by another connection for more than ${busyTimeout} ms (a long write transaction elsewhere: shorten it, or raise \`busyTimeout\`)`;
  } else if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    detail = `${where} is corrupted or is not an SQLite database (${message}): restore it from a backup, or point \`filename\` at another file`;
  } else if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_PERM'
  ) {
    detail = `${where} cannot be read or written (${message}): check that the file and its directory exist and are writable, and that the disk is not full`;
  } else {
    detail = `${where} failed: ${message}`;
  }
  return new TaskError('ERR_BACKEND', `Could not ${what}: ${detail}`, { cause: error });
}

/**
 * Opens the file in WAL mode and creates the tables. SQLite's own busy handler is off (`timeout:
 * 0`): it would block the event loop while it waits, so a locked database is retried
 * asynchronously by the caller instead (see `retryBusy`).
 */
export function openConnection(filename: string, synchronous: 'normal' | 'full'): Connection {
  const db = new Database(filename, { timeout: 0 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    // The table added last: a file made by an older version gets the tables it lacks (all IF NOT EXISTS).
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'adv_tasks_schedule_fired'`);
    if (!exists.get()) db.transaction(() => createSchema((sql) => db.prepare(sql).run())).immediate();
    const version = Number(
      db.prepare(`SELECT value FROM adv_tasks_meta WHERE key = 'schema_version'`).pluck().get() ?? SCHEMA_VERSION,
    );
    if (version > SCHEMA_VERSION) {
      throw new TaskError(
        'ERR_BACKEND',
        `The SQLite task tables in \`${filename}\` are of schema version ${version}, newer than this @adv/tasks knows (${SCHEMA_VERSION}): upgrade @adv/tasks`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Runs the schema statements one by one through `run` (idempotent). */
export function createSchema(run: (sql: string) => unknown): void {
  for (const statement of SCHEMA) run(statement);
}

/**
 * Runs `fn`, retrying it asynchronously while SQLite reports the database locked, for up to
 * `busyTimeout` ms (waits of 1, 2, 4 … up to 25 ms, with jitter). Throws what `fn` threw otherwise.
 */
export async function retryBusy<T>(fn: () => T, busyTimeout: number): Promise<T> {
  const deadline = Date.now() + busyTimeout;
  let wait = 1;
  for (;;) {
    try {
      return fn();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
    wait = Math.min(wait * 2, 25);
  }
}
