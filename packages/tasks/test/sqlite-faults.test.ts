import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTaskApp, type TaskApp, TaskError } from '../src/index.js';
import { sqliteBackend } from '../src/sqlite.js';
import { rejection, until } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-sqlite-faults-'));
let files = 0;
const immutable: string[] = [];
afterAll(() => {
  for (const file of immutable) execFileSync('chattr', ['-i', file]);
  rmSync(dir, { recursive: true, force: true });
});

/** `chattr +i`: the one way to make a file unwritable for root too (the tests may run as root). */
function canMakeImmutable(): boolean {
  const probe = join(dir, 'probe');
  writeFileSync(probe, '');
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('sqlite backend when the file is gone, unwritable, corrupted or locked', { timeout: 30_000 }, () => {
  const apps: TaskApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 1000 })));
  });
  const appOn = (filename: string, busyTimeout = 5000) => {
    const app = createTaskApp({ backend: sqliteBackend({ filename, busyTimeout }) });
    apps.push(app);
    const task = app.defineTask('task', (n: number) => n);
    return { app, task };
  };

  it('rejects with ERR_BACKEND while the directory is missing, and works once it exists', async () => {
    const folder = join(dir, `missing-${++files}`);
    const { app, task } = appOn(join(folder, 'tasks.db'));
    const error = await rejection(task.enqueue(1));
    expect(error).toBeInstanceOf(TaskError);
    expect(error.code).toBe('ERR_BACKEND');
    expect(error.message).toContain('directory does not exist');
    await expect(app.readinessCheck().check(new AbortController().signal)).rejects.toThrow(TaskError);
    mkdirSync(folder);
    await app.process();
    expect(await (await task.enqueue(2)).result({ timeout: 10_000 })).toBe(2);
  });

  it('stops writing when the file is deleted while open, instead of losing jobs in the deleted file', async () => {
    const filename = join(dir, `deleted-${++files}.db`);
    const { app, task } = appOn(filename);
    await task.enqueue(1);
    for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
    const error = await rejection(task.enqueue(2));
    expect(error.code).toBe('ERR_BACKEND');
    expect(error.message).toContain('was deleted while open');
    expect((await rejection(app.stats())).code).toBe('ERR_BACKEND');
    // No empty database is created in its place.
    expect(() => readFileSync(filename)).toThrow();
  });

  it('reports a worker’s database errors as `error` events, without crashing, and goes on once it is back', async () => {
    const filename = join(dir, `worker-${++files}.db`);
    const { app, task } = appOn(filename);
    let release: (() => void) | undefined;
    const gate = app.defineTask('gate', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    const errors: unknown[] = [];
    app.on('error', (error) => errors.push(error));
    await app.process();
    expect(await (await task.enqueue(1)).result({ timeout: 10_000 })).toBe(1);
    const backup = join(dir, `worker-${files}.backup.db`);
    const copier = new Database(filename);
    copier.exec(`VACUUM INTO '${backup}'`);
    copier.close();
    await gate.enqueue(undefined);
    await until(() => release !== undefined);
    for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
    release?.(); // its outcome cannot be stored now
    await until(() => errors.length > 0);
    expect(errors[0]).toBeInstanceOf(TaskError);
    expect((errors[0] as TaskError).code).toBe('ERR_BACKEND');
    expect((errors[0] as TaskError).message).toContain('was deleted while open');
    writeFileSync(filename, readFileSync(backup)); // restored from the backup
    expect(await (await task.enqueue(3)).result({ timeout: 10_000 })).toBe(3);
  });

  it('rejects with ERR_BACKEND on a corrupted file, and leaves its bytes as they were', async () => {
    const filename = join(dir, `corrupt-${++files}.db`);
    const garbage = Buffer.from('this is not an SQLite database '.repeat(200));
    writeFileSync(filename, garbage);
    const { app, task } = appOn(filename);
    const error = await rejection(task.enqueue(1));
    expect(error.code).toBe('ERR_BACKEND');
    expect(error.message).toContain('corrupted or is not an SQLite database');
    expect(error.cause).toBeInstanceOf(Error);
    expect((await rejection(app.handle('x').status())).code).toBe('ERR_BACKEND');
    expect(readFileSync(filename).equals(garbage)).toBe(true);
  });

  it.runIf(canMakeImmutable())(
    'rejects with ERR_BACKEND on a file it cannot write (immutable even for root), reading still works',
    async () => {
      const filename = join(dir, `readonly-${++files}.db`);
      const first = appOn(filename);
      await first.task.enqueue(1);
      await first.app.close();
      execFileSync('chattr', ['+i', filename]);
      immutable.push(filename);
      const { app, task } = appOn(filename);
      const error = await rejection(task.enqueue(2));
      expect(error.code).toBe('ERR_BACKEND');
      expect(error.message).toContain('cannot be read or written');
      expect(await app.stats()).toMatchObject({ waiting: 1 });
    },
  );

  it('bounds every call by busyTimeout while another connection holds the write lock, and writes nothing', async () => {
    const filename = join(dir, `locked-${++files}.db`);
    const { app, task } = appOn(filename, 300);
    await app.stats(); // creates the tables
    const holder = new Database(filename);
    holder.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const error = await rejection(task.enqueue(1));
    clearInterval(ticker);
    expect(error.code).toBe('ERR_BACKEND');
    expect(error.message).toContain('stayed locked by another connection for more than 300 ms');
    expect(ticks).toBeGreaterThan(0); // the event loop ran while the call waited
    holder.exec('ROLLBACK');
    holder.close();
    await task.enqueue(2);
    expect(await app.stats()).toMatchObject({ waiting: 1 });
  });
});
