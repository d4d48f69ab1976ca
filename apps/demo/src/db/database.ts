import { existsSync } from 'node:fs';
import { MIGRATIONS, migrate, pendingMigrations } from './migrations.js';
import { PostgresDatabase } from './postgres.js';
import type { SqlDatabase } from './sql.js';
import { SqliteDatabase } from './sqlite.js';

/** Where the board's data lives: a `postgres://` URL (DATABASE_URL), else a SQLite file. */
export interface DatabaseLocation {
  /** PostgreSQL URL; when set, `file` is not used. */
  url?: string | undefined;
  /** SQLite file; `':memory:'` gives a throwaway database (tests, benchmarks). */
  file: string;
  /** PostgreSQL connections in the pool. @defaultValue 10 */
  poolSize?: number;
}

function databaseAt(location: DatabaseLocation, options: { readonly?: boolean } = {}): SqlDatabase {
  if (location.url !== undefined) {
    return new PostgresDatabase({ url: location.url, ...(location.poolSize ? { poolSize: location.poolSize } : {}) });
  }
  return new SqliteDatabase(location.file, options);
}

/** Opens (creating if needed) the board's database and applies pending migrations. */
export async function openDatabase(location: DatabaseLocation): Promise<SqlDatabase> {
  const db = databaseAt(location);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}

/**
 * Ids of the migrations the database has not applied, read without changing anything
 * (`npm run check`): a missing SQLite file has every migration pending.
 */
export async function inspectMigrations(location: DatabaseLocation): Promise<number[]> {
  if (location.url === undefined && location.file !== ':memory:' && !existsSync(location.file)) {
    return MIGRATIONS.map((m) => m.id);
  }
  const db = databaseAt(location, { readonly: true });
  try {
    return await pendingMigrations(db);
  } finally {
    await db.close();
  }
}
