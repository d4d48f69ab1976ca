import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTaskApp, type TaskApp } from '../src/index.js';
import { postgresBackend } from '../src/postgres.js';
import { until } from './helpers.js';
import { type Child, requireBuiltCli, startWorkerProcess, stop } from './worker-process.js';

const postgresUrl = inject('postgresUrl');
const fixture = fileURLToPath(new URL('./fixtures/postgres-worker-tasks.mjs', import.meta.url));
if (postgresUrl) requireBuiltCli();

/** Starts `adv-tasks worker` on the fixture for `schema` and waits until it is consuming. */
const startChild = (schema: string, env: Record<string, string> = {}) =>
  startWorkerProcess(fixture, { DATABASE_URL: postgresUrl as string, SCHEMA: schema, ...env }, 30_000);

describe.runIf(postgresUrl)('worker processes on PostgreSQL', { timeout: 90_000 }, () => {
  const children: Child[] = [];
  const apps: TaskApp[] = [];
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: postgresUrl as string, max: 2 });
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => stop(child)));
    await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 1000 })));
  });
  afterAll(async () => {
    await pool?.end();
  });

  /** A fresh schema with the fixture's log table, and a producer app on it. */
  const setUp = async () => {
    const schema = `p_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    await pool.query(`CREATE TABLE ${schema}_log (at bigserial, entry text NOT NULL)`);
    const app = createTaskApp({ backend: postgresBackend({ connectionString: postgresUrl as string, schema }) });
    apps.push(app);
    const slow = app.defineTask<{ ms: number }, number>('slow', () => 0);
    const log = async () =>
      (await pool.query(`SELECT entry FROM ${schema}_log ORDER BY at`)).rows.map((row: { entry: string }) => row.entry);
    return { schema, app, slow, log };
  };

  it('recovers the job of a worker killed mid-task: another worker completes it after the lease, nothing lost', async () => {
    const { schema, slow, log } = await setUp();
    // The first worker holds the job until it is killed (the second runs it in 1.5 s): a kill
    // that comes late on a busy machine still finds it mid-task.
    const first = await startChild(schema, { HOLD_MS: '600000' });
    children.push(first);
    const handle = await slow.enqueue({ ms: 1500 });
    const firstPid = first.process.pid;
    await until(async () => (await log()).includes(`start:${firstPid}:${handle.id}`), 30_000);
    await stop(first); // SIGKILL mid-task: no chance to finish or give the job back
    expect(await handle.status()).toBe('active');
    const second = await startChild(schema);
    children.push(second);
    const pid = await handle.result({ timeout: 60_000 });
    expect(pid).toBe(second.process.pid);
    const entries = await log();
    expect(entries).not.toContain(`done:${firstPid}:${handle.id}`);
    expect(entries).toContain(`done:${second.process.pid}:${handle.id}`);
    expect((await handle.info())?.attemptsMade).toBe(1);
  });

  it('runs each tick of one schedule once, with three workers declaring it', async () => {
    const { schema, app, log } = await setUp();
    const started = Date.now();
    const workers = await Promise.all([1, 2, 3].map(() => startChild(schema, { SCHEDULE_EVERY: '300' })));
    children.push(...workers);
    await until(async () => (await log()).filter((entry) => entry.startsWith('tick:')).length >= 6, 30_000);
    const ticks = (await log()).filter((entry) => entry.startsWith('tick:'));
    const jobIds = ticks.map((entry) => entry.split(':').slice(2).join(':'));
    expect(new Set(jobIds).size).toBe(jobIds.length);
    // Three copies of the schedule would tick about three times as often as one.
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 300) + 2);
    expect((await app.schedules()).map((schedule) => schedule.id)).toEqual(['tick-every']);
  });

  it('shuts down gracefully on SIGTERM: the active job finishes first', async () => {
    const { schema, slow, log } = await setUp();
    const child = await startChild(schema);
    children.push(child);
    const handle = await slow.enqueue({ ms: 800 });
    await until(async () => (await log()).length >= 1, 30_000);
    expect(await stop(child, 'SIGTERM')).toBe(0);
    expect(await handle.status()).toBe('completed');
    expect(child.output()).toContain('worker stopped');
  });
});
