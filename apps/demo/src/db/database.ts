import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { MIGRATIONS, migrate, pendingMigrations } from './migrations.js';

/**
 * Opens (creating if needed) the embedded SQLite database and applies pending migrations.
 * WAL mode lets readers run while a writer commits, and makes online backups consistent.
 * `':memory:'` gives a throwaway database (tests, benchmarks).
 */
export function openDatabase(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * Ids of the migrations the database file at `file` has not applied, read without changing
 * anything (`npm run check`): a missing file has every migration pending.
 */
export function inspectMigrations(file: string): number[] {
  if (file !== ':memory:' && !existsSync(file)) return MIGRATIONS.map((m) => m.id);
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return pendingMigrations(db);
  } finally {
    db.close();
  }
}
