import type Database from 'better-sqlite3';
import { expectTypeOf, test } from 'vitest';
import type { TaskBackend, TaskHandle } from '../src/index.js';
import { type SqliteBackend, type SqliteConnectionLike, sqliteBackend } from '../src/sqlite.js';

test('a better-sqlite3 Database is a SqliteConnectionLike, and the backend is a TaskBackend', () => {
  expectTypeOf<Database.Database>().toExtend<SqliteConnectionLike>();
  expectTypeOf(sqliteBackend).returns.toExtend<TaskBackend>();
});

test('enqueueIn checks the payload against the task and returns a typed handle', () => {
  type Notify = import('../src/index.js').Task<{ commentId: number }, string>;
  expectTypeOf<SqliteBackend['enqueueIn']>().toBeFunction();
  const call = (backend: SqliteBackend, db: Database.Database, notify: Notify) => {
    // @ts-expect-error the payload must match the task's
    backend.enqueueIn(db, notify, { commentId: 'one' });
    return backend.enqueueIn(db, notify, { commentId: 1 }, { delay: 1000 });
  };
  expectTypeOf(call).returns.toEqualTypeOf<TaskHandle<string>>();
});
