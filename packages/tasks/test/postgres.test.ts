import { randomUUID } from 'node:crypto';
import { backendContract } from '@adv/tasks/testing';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createTaskApp, type TaskApp, TaskError } from '../src/index.js';
import { postgresBackend } from '../src/postgres.js';
import { rejection, until } from './helpers.js';

const postgresUrl = inject('postgresUrl');
/** A fresh schema per backend: tests (and other suites on this server) never see each other's jobs. */
const freshSchema = () => `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
const backendOn = (schema: string, extra: Record<string, unknown> = {}) =>
  postgresBackend({ connectionString: postgresUrl as string, schema, maxConnections: 4, ...extra });

describe.runIf(postgresUrl)('postgres backend', () => {
  backendContract({ describe, it }, () => backendOn(freshSchema()), {
    name: 'postgres',
    backendName: '@adv/tasks:postgres',
  });

  describe('shared across workers', { timeout: 30_000 }, () => {
    const apps: TaskApp[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 2000 })));
    });

    it('runs a job with an ETA once, with two workers on the queue, and describes itself as shared', async () => {
      const schema = freshSchema();
      const runs: string[] = [];
      for (const worker of ['a', 'b']) {
        const app = createTaskApp({ backend: backendOn(schema) });
        apps.push(app);
        app.defineTask('eta', () => {
          runs.push(worker);
          return worker;
        });
        await app.process({ concurrency: 4 });
      }
      const producer = createTaskApp({ backend: backendOn(schema) });
      apps.push(producer);
      const eta = producer.defineTask<undefined, string>('eta', () => 'producer never runs it');
      const handle = await eta.enqueue(undefined, { at: Date.now() + 500 });
      expect(['a', 'b']).toContain(await handle.result({ timeout: 20_000 }));
      expect(runs).toHaveLength(1);
      expect(producer.backend.backendInfo).toEqual({ name: '@adv/tasks:postgres', sharedAcrossProcesses: true });
    });
  });

  describe('options and pools', { timeout: 30_000 }, () => {
    it('fails fast on bad options, naming the option and what it takes', () => {
      const bad: [Record<string, unknown>, string][] = [
        [{}, 'Expected `connectionString` to be a postgres:// URL'],
        [{ connectionString: 'redis://localhost' }, 'Expected `connectionString` to be a postgres:// URL'],
        [{ connectionString: postgresUrl, pool: new pg.Pool() }, 'Expected `pool` to be absent'],
        [{ pool: {} }, 'Expected `pool` to be a pg.Pool'],
        [{ connectionString: postgresUrl, schema: 'Bad-Name' }, 'Expected `schema` to be a lower-case identifier'],
        [{ connectionString: postgresUrl, leaseDuration: 5 }, 'Expected `leaseDuration` to be an integer from 100'],
        [{ connectionString: postgresUrl, unavailableTimeout: -1 }, 'Expected `unavailableTimeout` to be an integer'],
      ];
      for (const [options, message] of bad) {
        let thrown: unknown;
        try {
          postgresBackend(options as never);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(TaskError);
        expect((thrown as TaskError).code).toBe('ERR_INVALID_OPTION');
        expect((thrown as TaskError).message).toContain(message);
      }
    });

    it("runs on the caller's own pg.Pool and leaves it open on close()", async () => {
      const pool = new pg.Pool({ connectionString: postgresUrl as string, max: 4 });
      try {
        const app = createTaskApp({ backend: postgresBackend({ pool, schema: freshSchema() }) });
        const echo = app.defineTask('echo', (value: string) => value);
        await app.process({ concurrency: 2 });
        expect(await (await echo.enqueue('on your pool')).result({ timeout: 10_000 })).toBe('on your pool');
        await app.close({ timeout: 2000 });
        expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      } finally {
        await pool.end();
      }
    });

    it('wakes a worker in another backend by NOTIFY, for jobs due now and delayed ones (no polling)', async () => {
      const schema = freshSchema();
      // a poll far beyond the result timeout: only LISTEN/NOTIFY can start these jobs in time
      const worker = createTaskApp({ backend: backendOn(schema, { pollInterval: 600_000 }) });
      const producer = createTaskApp({ backend: backendOn(schema, { pollInterval: 600_000 }) });
      try {
        worker.defineTask('echo', (value: string) => value);
        const echo = producer.defineTask('echo', (value: string) => `producer never runs ${value}`);
        await worker.process({ concurrency: 2 });
        await worker.process().catch(() => {}); // already processing: rejected, nothing changes
        expect(await (await echo.enqueue('now')).result({ timeout: 10_000 })).toBe('now');
        expect(await (await echo.enqueue('later', { delay: 300 })).result({ timeout: 10_000 })).toBe('later');
        const client = await new pg.Pool({ connectionString: postgresUrl as string, max: 1 }).connect();
        try {
          await client.query('BEGIN');
          const handle = await (producer.backend as ReturnType<typeof postgresBackend>).enqueueIn(
            client,
            echo,
            'committed',
          );
          await client.query('COMMIT');
          expect(await handle.result({ timeout: 10_000 })).toBe('committed');
        } finally {
          client.release(true);
        }
      } finally {
        await Promise.all([worker.close({ timeout: 2000 }), producer.close({ timeout: 2000 })]);
      }
    });

    it('writes concurrent enqueues in one group insert, deduplicating a jobId repeated inside it', async () => {
      const app = createTaskApp({ backend: backendOn(freshSchema()) });
      try {
        const runs: number[] = [];
        const note = app.defineTask('note', (n: number) => {
          runs.push(n);
          return n;
        });
        const handles = await Promise.all(
          [1, 2, 3, 4, 5, 6].map((n) => note.enqueue(n, n % 2 === 0 ? { jobId: 'shared' } : {})),
        );
        expect(handles.filter((handle) => handle.id === 'shared')).toHaveLength(3);
        expect(await app.stats()).toMatchObject({ waiting: 4 });
        expect((await app.backend.get('shared'))?.data.payload).toBe(2);
        await app.process({ concurrency: 2 });
        expect(await Promise.all(handles.map((handle) => handle.result({ timeout: 10_000 })))).toEqual([
          1, 2, 3, 2, 5, 2,
        ]);
        expect(runs.sort()).toEqual([1, 2, 3, 5]);
      } finally {
        await app.close({ timeout: 2000 });
      }
    });

    it("cancels a job active in another worker: that worker's signal aborts (NOTIFY)", async () => {
      const schema = freshSchema();
      const worker = createTaskApp({ backend: backendOn(schema) });
      const producer = createTaskApp({ backend: backendOn(schema) });
      try {
        let reason: unknown;
        worker.defineTask(
          'wait',
          (_: undefined, { signal }) =>
            new Promise((resolve) => {
              signal.addEventListener('abort', () => {
                reason = signal.reason;
                resolve('aborted');
              });
            }),
        );
        const wait = producer.defineTask('wait', () => 'producer never runs it');
        await worker.process();
        const handle = await wait.enqueue(undefined);
        await until(async () => (await handle.status()) === 'active');
        expect(await handle.cancel()).toBe(true);
        expect((await rejection(handle.result({ timeout: 10_000 }))).code).toBe('ERR_CANCELLED');
        await until(() => reason !== undefined);
        expect((reason as TaskError).code).toBe('ERR_CANCELLED');
        expect(await producer.stats()).toMatchObject({ active: 0, failed: 0 });
      } finally {
        await Promise.all([worker.close({ timeout: 2000 }), producer.close({ timeout: 2000 })]);
      }
    });
  });

  describe("enqueueIn: the job is written in the caller's own transaction", { timeout: 30_000 }, () => {
    const apps: TaskApp[] = [];
    let pool: pg.Pool | undefined;
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 2000 })));
    });
    afterAll(async () => {
      await pool?.end();
    });

    const setUp = async () => {
      pool ??= new pg.Pool({ connectionString: postgresUrl as string, max: 3 });
      const schema = freshSchema();
      const backend = backendOn(schema);
      const app = createTaskApp({ backend });
      apps.push(app);
      const ran: string[] = [];
      const note = app.defineTask('note', (label: string) => {
        ran.push(label);
        return label;
      });
      await app.process({ concurrency: 1 }); // creates the tables; one at a time: jobs run in enqueue order
      await pool.query(`CREATE TABLE ${schema}.comments (body text NOT NULL)`);
      const comments = async () =>
        (await pool!.query(`SELECT body FROM ${schema}.comments ORDER BY body`)).rows.map((row) => row.body);
      return { schema, backend, app, note, ran, comments, client: await pool.connect() };
    };

    it('COMMIT: the job exists with the data and runs; before COMMIT nobody sees or runs it', async () => {
      const { schema, backend, note, ran, comments, client } = await setUp();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${schema}.comments (body) VALUES ($1)`, ['kept']);
        const handle = await backend.enqueueIn(client, note, 'kept');
        // outside the transaction (the backend's own pool) the job does not exist yet
        expect(await handle.status()).toBe('unknown');
        expect(await backend.stats()).toMatchObject({ waiting: 0, active: 0 });
        expect(ran).toEqual([]);
        await client.query('COMMIT');
        expect(await handle.result({ timeout: 10_000 })).toBe('kept');
        expect(await comments()).toEqual(['kept']);
      } finally {
        client.release();
      }
    });

    it('ROLLBACK: neither the data nor the job exists, and the job never runs', async () => {
      const { schema, backend, note, ran, comments, client } = await setUp();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${schema}.comments (body) VALUES ($1)`, ['dropped']);
        const dropped = await backend.enqueueIn(client, note, 'dropped', { jobId: 'dropped-1' });
        await client.query('ROLLBACK');
        expect(await dropped.status()).toBe('unknown');
        // A job enqueued after it, on a worker running one job at a time in enqueue order: once it
        // ran, the rolled-back one would have run before it if it existed.
        expect(await (await note.enqueue('after')).result({ timeout: 10_000 })).toBe('after');
        expect(ran).toEqual(['after']);
        expect(await comments()).toEqual([]);
        expect(await backend.get('dropped-1')).toBeUndefined();
        // the id is free again: the rolled-back job left nothing behind
        expect((await note.enqueue('again', { jobId: 'dropped-1' })).id).toBe('dropped-1');
      } finally {
        client.release();
      }
    });

    it('rejects a bad transaction handle or a task of another backend, and reports a failed transaction as ERR_BACKEND', async () => {
      const { backend, note, client } = await setUp();
      try {
        const notAClient = await rejection(backend.enqueueIn({} as never, note, 'x'));
        expect(notAClient).toBeInstanceOf(TaskError);
        expect(notAClient.code).toBe('ERR_INVALID_OPTION');
        expect(notAClient.message).toContain('Expected `connection` to be a pg client inside an open transaction');
        const other = createTaskApp();
        const elsewhere = other.defineTask('elsewhere', () => {});
        expect((await rejection(backend.enqueueIn(client, elsewhere, undefined))).code).toBe('ERR_INVALID_OPTION');
        await client.query('BEGIN');
        await client.query('SELECT 1 / 0').catch(() => {}); // the transaction is now aborted
        const failed = await rejection(backend.enqueueIn(client, note, 'x'));
        expect(failed.code).toBe('ERR_BACKEND');
        expect(failed.message).toContain('current transaction is aborted');
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
    });
  });
});
