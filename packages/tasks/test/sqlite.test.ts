import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendContract } from '@adv/tasks/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTaskApp } from '../src/index.js';
import { type SqliteBackendOptions, sqliteBackend } from '../src/sqlite.js';
import { rejection } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-sqlite-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A fresh file per backend, as the BullMQ suite takes a fresh queue per backend.
backendContract({ describe, it }, () => sqliteBackend({ filename: join(dir, `contract-${++files}.db`) }), {
  name: 'sqlite',
  backendName: '@adv/tasks:sqlite',
});

describe('sqlite backend on a file made by an older version', () => {
  it('adds the tables it lacks (pause, schedule ticks) and keeps the jobs', async () => {
    const filename = join(dir, `older-${++files}.db`);
    const before = createTaskApp({ backend: sqliteBackend({ filename }) });
    const kept = await before.defineTask('kept', () => 'ok').enqueue(undefined, { delay: 60_000 });
    await before.close();
    const db = new Database(filename);
    db.exec('DROP TABLE adv_tasks_paused; DROP TABLE adv_tasks_schedule_fired');
    db.close();
    const app = createTaskApp({ backend: sqliteBackend({ filename }) });
    try {
      expect(await app.handle(kept.id).status()).toBe('delayed');
      await app.pause();
      expect(await app.isPaused()).toBe(true);
      expect(await app.schedules()).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('sqlite backend options', () => {
  it('fails fast on bad options, before opening anything', () => {
    const bad: [unknown, string][] = [
      [undefined, 'Expected `options` to be an object { filename }'],
      [{}, 'Expected `filename` to be the path of a database file'],
      [{ filename: ':memory:' }, 'other processes must see it'],
      [{ filename: 'x.db', leaseDuration: 10 }, 'Expected `leaseDuration` to be an integer from 100'],
      [{ filename: 'x.db', busyTimeout: -1 }, 'Expected `busyTimeout`'],
      [{ filename: 'x.db', pollInterval: 0 }, 'Expected `pollInterval`'],
      [{ filename: 'x.db', synchronous: 'off' }, "Expected `synchronous` to be 'normal' or 'full'"],
      [{ filename: 'x.db', queueName: '' }, 'Expected `queueName`'],
    ];
    for (const [options, message] of bad) {
      expect(() => sqliteBackend(options as SqliteBackendOptions)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(message) }),
      );
    }
  });

  it('describes itself as shared across processes; one worker per backend; queues on one file are separate', async () => {
    const filename = join(dir, `queues-${++files}.db`);
    const a = createTaskApp({ backend: sqliteBackend({ filename, queueName: 'a' }) });
    const b = createTaskApp({ backend: sqliteBackend({ filename, queueName: 'b' }) });
    try {
      expect(a.backendInfo).toEqual({ name: '@adv/tasks:sqlite', sharedAcrossProcesses: true });
      const echo = a.defineTask('echo', (n: number) => n);
      b.defineTask('echo', () => 'wrong queue');
      await b.process();
      const handle = await echo.enqueue(7);
      expect(await b.stats()).toMatchObject({ waiting: 0 });
      await a.process();
      expect(await handle.result({ timeout: 10_000 })).toBe(7);
      expect((await rejection(a.process())).code).toBe('ERR_INVALID_OPTION');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('sqlite backend retention', () => {
  it('drops the oldest finished jobs beyond keepCompleted, keeping the newest', { timeout: 60_000 }, async () => {
    const app = createTaskApp({
      backend: sqliteBackend({ filename: join(dir, `retention-${++files}.db`), keepCompleted: 3 }),
    });
    try {
      const ok = app.defineTask('ok', (n: number) => n);
      await app.process({ concurrency: 4 });
      const handles = await Promise.all(Array.from({ length: 1200 }, (_, n) => ok.enqueue(n)));
      for (const handle of handles) await handle.result({ timeout: 20_000 });
      // Retention runs every 500 finished jobs, with the writes of the worker.
      expect((await app.stats()).completed).toBeLessThan(1200 - 500);
      expect(await handles[0]!.status()).toBe('unknown');
      expect(await handles.at(-1)!.status()).toBe('completed');
    } finally {
      await app.close();
    }
  });
});

describe('sqlite backend close', () => {
  it('writes the enqueues accepted before close(), then rejects new calls with ERR_BACKEND', async () => {
    const filename = join(dir, `close-${++files}.db`);
    const app = createTaskApp({ backend: sqliteBackend({ filename }) });
    const task = app.defineTask('later', (n: number) => n);
    const accepted = task.enqueue(1, { jobId: 'accepted-before-close' });
    await app.close();
    expect((await accepted).id).toBe('accepted-before-close');
    expect((await rejection(task.enqueue(2))).code).toBe('ERR_BACKEND');
    const reopened = createTaskApp({ backend: sqliteBackend({ filename }) });
    reopened.defineTask('later', (n: number) => n);
    try {
      await reopened.process();
      expect(await reopened.handle('accepted-before-close').result({ timeout: 10_000 })).toBe(1);
    } finally {
      await reopened.close();
    }
  });
});
