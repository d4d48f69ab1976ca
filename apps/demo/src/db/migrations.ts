import type { Database } from 'better-sqlite3';

/** One schema step. Applied in order, once, each in its own transaction. */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** The schema, as an append-only list: never edit a migration that has shipped, add one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'authors, articles, comments',
    sql: `
      CREATE TABLE authors (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE
      );
      CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        author_id INTEGER NOT NULL REFERENCES authors(id),
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX articles_created_at ON articles(created_at DESC);
      CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        author_name TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX comments_article ON comments(article_id, created_at);
    `,
  },
];

/**
 * Applies every migration not yet recorded in `schema_migrations`; returns the ids it applied.
 * Runs in one `BEGIN IMMEDIATE` transaction, so processes starting together apply each once.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Set(
      db
        .prepare('SELECT id FROM schema_migrations')
        .all()
        .map((row) => (row as { id: number }).id),
    );
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
      if (applied.has(migration.id)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
        migration.id,
        migration.name,
        new Date().toISOString(),
      );
      done.push(migration.id);
    }
    return done;
  });
  return run.immediate();
}

/** Ids of migrations the code knows but the database has not applied (for readiness / deploy checks). */
export function pendingMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return migrations.map((m) => m.id);
  const applied = new Set(
    db
      .prepare('SELECT id FROM schema_migrations')
      .all()
      .map((row) => (row as { id: number }).id),
  );
  return migrations.filter((m) => !applied.has(m.id)).map((m) => m.id);
}
