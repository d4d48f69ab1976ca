import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTaskApp, type TaskApp } from '../src/index.js';
import { type SqliteConnectionLike, sqliteBackend } from '../src/sqlite.js';
import { rejection } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-sqlite-tx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe('sqlite backend: enqueueIn() in the caller’s transaction', { timeout: 30_000 }, () => {
  const apps: TaskApp[] = [];
  const connections: Database.Database[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 2000 })));
    for (const db of connections.splice(0)) db.close();
  });

  /** The app's own database (a table of comments) and a task app on the same file. */
  const setup = () => {
    const filename = join(dir, `app-${++files}.db`);
    const db = new Database(filename);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE comments (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const reader = new Database(filename, { readonly: true });
    connections.push(db, reader);
    const backend = sqliteBackend({ filename });
    const app = createTaskApp({ backend });
    apps.push(app);
    const ran: number[] = [];
    // The handler reads the comment on another connection: it sees it only once it is committed.
    const notify = app.defineTask('notify', ({ commentId }: { commentId: number }) => {
      ran.push(commentId);
      const row = reader.prepare('SELECT body FROM comments WHERE id = ?').get(commentId) as
        | { body: string }
        | undefined;
      return row?.body ?? null;
    });
    const insert = db.prepare('INSERT INTO comments (body) VALUES (?)');
    return { filename, db, backend, app, notify, insert, ran };
  };

  it('writes the job in the caller’s committed transaction: it runs, and sees the data committed with it', async () => {
    const { db, backend, app, notify, insert } = setup();
    await app.process();
    const handle = db.transaction(() => {
      const { lastInsertRowid } = insert.run('first!');
      return backend.enqueueIn(db, notify, { commentId: Number(lastInsertRowid) });
    })();
    expect(await handle.result({ timeout: 10_000 })).toBe('first!');
  });

  it('never runs a job whose transaction rolled back: it never existed', async () => {
    const { db, backend, app, notify, insert, ran } = setup();
    let rolledBack: string | undefined;
    expect(() =>
      db.transaction(() => {
        const { lastInsertRowid } = insert.run('spam');
        rolledBack = backend.enqueueIn(db, notify, { commentId: Number(lastInsertRowid) }, { jobId: 'spam-job' }).id;
        throw new Error('validation failed');
      })(),
    ).toThrow('validation failed');
    expect(rolledBack).toBe('spam-job');
    await app.process({ concurrency: 1 });
    // A later job runs (FIFO), so the worker had its chance at the rolled-back one, had it existed.
    const later = db.transaction(() =>
      backend.enqueueIn(db, notify, { commentId: Number(insert.run('ok').lastInsertRowid) }),
    )();
    expect(await later.result({ timeout: 10_000 })).toBe('ok');
    expect(ran).toEqual([Number((db.prepare('SELECT id FROM comments').get() as { id: number }).id)]);
    expect(await app.handle('spam-job').status()).toBe('unknown');
    expect(await app.stats()).toMatchObject({ waiting: 0, delayed: 0, completed: 1 });
  });

  it('holds the job until COMMIT of a block that spans awaits, without blocking the event loop meanwhile', async () => {
    const { db, backend, app, notify, insert, ran } = setup();
    await app.process();
    const other = app.defineTask('other', () => 'other ran');
    db.exec('BEGIN IMMEDIATE'); // as an async `atomic` block does: the write lock is held across awaits
    const handle = backend.enqueueIn(db, notify, { commentId: Number(insert.run('held').lastInsertRowid) });
    // Another enqueue meanwhile waits for the lock asynchronously (SQLite's own busy wait would freeze this thread).
    const waiting = other.enqueue(undefined);
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        ticks += 1;
        if (ticks === 5) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    expect(ran).toEqual([]);
    db.exec('COMMIT');
    expect(await handle.result({ timeout: 10_000 })).toBe('held');
    expect(await (await waiting).result({ timeout: 10_000 })).toBe('other ran');
  });

  it('throws synchronously on bad input, so the caller’s transaction rolls back', () => {
    const { db, backend, app, notify, insert } = setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() =>
      db.transaction(() => {
        insert.run('orphan');
        backend.enqueueIn(db, notify, cyclic as never);
      })(),
    ).toThrow(expect.objectContaining({ code: 'ERR_NOT_SERIALIZABLE' }));
    expect(db.prepare('SELECT count(*) AS n FROM comments').get()).toEqual({ n: 0 });

    const elsewhere = new Database(join(dir, `elsewhere-${files}.db`));
    connections.push(elsewhere);
    expect(() => backend.enqueueIn(elsewhere, notify, { commentId: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('would never run') }),
    );
    const foreign = createTaskApp().defineTask('foreign', () => {});
    expect(() => backend.enqueueIn(db, foreign, undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('`task`') }),
    );
    expect(() => backend.enqueueIn({} as SqliteConnectionLike, notify, { commentId: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('`connection`') }),
    );
    void app;
  });

  it('creates the task tables through the caller’s connection when they do not exist yet', async () => {
    const filename = join(dir, `fresh-${++files}.db`);
    const db = new Database(filename);
    connections.push(db);
    const backend = sqliteBackend({ filename });
    const app = createTaskApp({ backend });
    apps.push(app);
    const hello = app.defineTask('hello', (name: string) => `hello ${name}`);
    db.exec('BEGIN IMMEDIATE');
    const handle = backend.enqueueIn(db, hello, 'ada');
    db.exec('COMMIT');
    await app.process();
    expect(await handle.result({ timeout: 10_000 })).toBe('hello ada');
    expect((await rejection(app.handle('nope').result({ timeout: 100 }))).code).toBe('ERR_NOT_FOUND');
  });
});
