import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type RunningService, startRedis } from '../../../scripts/test-services.js';
import { bullmqBackend } from '../src/bullmq.js';
import { createTaskApp, type TaskApp, type TaskError } from '../src/index.js';
import { createOutbox, type PostgresOutbox, type SqliteOutbox } from '../src/outbox.js';

const redisUrl = inject('redisUrl');
const postgresUrl = inject('postgresUrl');
const fixture = fileURLToPath(new URL('./fixtures/outbox-relay.mjs', import.meta.url));

const dirs: string[] = [];
const apps: TaskApp[] = [];
const outboxes: Array<SqliteOutbox | PostgresOutbox> = [];
const children: ChildProcess[] = [];
const servers: RunningService[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(outboxes.map((outbox) => outbox.close()));
  await Promise.all(apps.map((app) => app.close({ timeout: 1000 })));
  for (const server of servers) await server.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let queues = 0;
/** A BullMQ app on a fresh queue whose `deliver` task records each run. */
function bullApp(url: string, extra: { unavailableTimeout?: number } = {}) {
  const queueName = `outbox-${process.pid}-${Date.now()}-${queues++}`;
  const backend = bullmqBackend({ connection: url, queueName, ...extra });
  const app = createTaskApp({ backend });
  apps.push(app);
  const runs: string[] = [];
  const deliver = app.defineTask('deliver', ({ id }: { id: string }) => {
    runs.push(id);
    return id;
  });
  return { app, backend, deliver, runs, queueName };
}

function sqliteFile(): { db: Database.Database; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'adv-outbox-'));
  dirs.push(dir);
  const file = join(dir, 'app.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE comments (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  return { db, file };
}

/** Resolves when `predicate` holds, checking after each event-loop turn that gives it a chance (bounded). */
async function until(predicate: () => boolean | Promise<boolean>, what: string, timeout = 120_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('createOutbox: bad input', () => {
  it('refuses a bad database, backend, option or task with ERR_INVALID_OPTION', () => {
    const { db } = sqliteFile();
    const backend = { add: async () => ({}) as never };
    expect(() => createOutbox({ backend, database: {} as never })).toThrow(
      /Expected `database` to be a better-sqlite3/,
    );
    expect(() => createOutbox({ backend: {} as never, database: db })).toThrow(
      /Expected `backend` to be a task backend/,
    );
    expect(() => createOutbox({ backend, database: db, batchSiz: 3 } as never)).toThrow(/did you mean `batchSize`/);
    expect(() => createOutbox({ backend, database: db, schema: 'Bad-Name' })).toThrow(/lower-case identifier/);
    const outbox = createOutbox({ backend, database: db });
    const other = createTaskApp({ backend: { ...backend } as never });
    const task = other.defineTask('t', () => 1);
    try {
      outbox.enqueueIn(db, task as never, undefined);
      expect.unreachable();
    } catch (error) {
      expect((error as TaskError).code).toBe('ERR_INVALID_OPTION');
      expect((error as Error).message).toContain("not this outbox's `backend`");
    }
  });
});

// Generous bounds: a child relay imports BullMQ and better-sqlite3 before it sends, which took
// over 30 s in a CI run at load 25. The bounds stop a hang; they do not time start-up.
describe.runIf(redisUrl)('outbox on SQLite to BullMQ', { timeout: 300_000 }, () => {
  it('runs a committed job on BullMQ and never a rolled-back one', async () => {
    const { app, backend, deliver, runs } = bullApp(redisUrl as string);
    await app.process({ concurrency: 2 });
    const { db } = sqliteFile();
    const outbox = createOutbox({ backend, database: db });
    outboxes.push(outbox);
    await outbox.start();

    let rolledBackId = '';
    expect(() =>
      db.transaction(() => {
        db.prepare('INSERT INTO comments (body) VALUES (?)').run('never');
        rolledBackId = outbox.enqueueIn(db, deliver, { id: 'rolled-back' }).jobId;
        throw new Error('boom');
      })(),
    ).toThrow('boom');
    const committed = db.transaction(() => {
      db.prepare('INSERT INTO comments (body) VALUES (?)').run('kept');
      return outbox.enqueueIn(db, deliver, { id: 'committed' }, { jobId: 'committed-1' });
    })();
    expect(committed.jobId).toBe('committed-1');

    await until(async () => (await outbox.pending()) === 0, 'the row to be relayed and deleted');
    expect(await app.handle(committed.jobId).result({ timeout: 30_000 })).toBe('committed');
    expect(runs).toEqual(['committed']);
    expect(await backend.get(rolledBackId)).toBeUndefined();
  });

  it('holds a job committed while Redis is down and runs it once, when Redis is back on the same port', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const { app, backend, deliver, runs } = bullApp(redis.url, { unavailableTimeout: 1000 });
    app.on('error', () => {});
    await app.process({ concurrency: 2 });
    const { db } = sqliteFile();
    const errors: unknown[] = [];
    const outbox = createOutbox({ backend, database: db, maxRetryDelay: 500, onError: (e) => errors.push(e) });
    outboxes.push(outbox);
    await outbox.start();

    await redis.stop();
    const { jobId } = db.transaction(() => {
      db.prepare('INSERT INTO comments (body) VALUES (?)').run('during the outage');
      return outbox.enqueueIn(db, deliver, { id: 'outage' });
    })();
    // The relay tried, the backend refused (ERR_BACKEND), and the row is still there.
    await until(() => errors.length > 0, 'the relay to report the refused job');
    expect((errors[0] as TaskError).code).toBe('ERR_BACKEND');
    expect(await outbox.pending()).toBe(1);
    expect(runs).toEqual([]);

    servers.push(await startRedis(redis.port));
    await until(async () => (await outbox.pending()) === 0, 'the row to be relayed and deleted');
    expect(await app.handle(jobId).result({ timeout: 30_000 })).toBe('outage');
    expect(runs).toEqual(['outage']);
  });

  it('runs a job once when its relay was SIGKILLed after sending it and before deleting its row', async () => {
    const { app, deliver, runs, queueName } = bullApp(redisUrl as string);
    await app.process({ concurrency: 2 });
    const { db, file } = sqliteFile();
    // Only the table and the enqueue here: the relay is the child's.
    const writer = createOutbox({ backend: app.backend, database: db });
    outboxes.push(writer);
    const { jobId } = db.transaction(() => writer.enqueueIn(db, deliver, { id: 'killed-relay' }))();

    const env = { ...process.env, REDIS_URL: redisUrl as string, QUEUE: queueName, OUTBOX_FILE: file, LEASE: '1000' };
    const dying = spawn(process.execPath, [fixture], {
      env: { ...env, DIE_AFTER_SEND: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(dying);
    let output = '';
    dying.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await until(() => output.includes(`sent ${jobId}`), 'the child relay to send the job', 120_000);
    const exited = once(dying, 'exit');
    dying.kill('SIGKILL');
    await exited;
    expect(await writer.pending()).toBe(1); // sent, never deleted

    // Another relay takes the row over once the dead one's lease expired and sends it again.
    const second = spawn(process.execPath, [fixture], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(second);
    await until(async () => (await writer.pending()) === 0, 'the second relay to move the row', 120_000);
    expect(await app.handle(jobId).result({ timeout: 30_000 })).toBe('killed-relay');
    // A second job would have been added, had the second send not been deduplicated by its jobId.
    const counts = await app.stats();
    expect(counts.completed + counts.waiting + counts.active + counts.delayed).toBe(1);
    expect(runs).toEqual(['killed-relay']);
    second.kill('SIGKILL');
  });
});

describe.runIf(redisUrl && postgresUrl)('outbox on PostgreSQL to BullMQ', { timeout: 300_000 }, () => {
  it('runs a committed job, never a rolled-back one, and two relays on one database send each row once', async () => {
    const { app, backend, deliver, runs } = bullApp(redisUrl as string);
    await app.process({ concurrency: 4 });
    const pool = new pg.Pool({ connectionString: postgresUrl as string, max: 6 });
    const schema = `outbox_${process.pid}_${Date.now()}`;
    const sent: string[] = [];
    const counted = {
      add: async (job: Parameters<typeof backend.add>[0]) => {
        sent.push(job.id!);
        return backend.add(job);
      },
    };
    // Two relays on one database: each row is locked (FOR UPDATE SKIP LOCKED) by one of them.
    const first = createOutbox({ backend: counted as never, database: pool, schema });
    const second = createOutbox({ backend: counted as never, database: pool, schema });
    outboxes.push(first, second);
    const enqueuer = createOutbox({ backend, database: pool, schema });
    try {
      const client = await pool.connect();
      const ids: string[] = [];
      try {
        await client.query('BEGIN');
        await enqueuer.enqueueIn(client, deliver, { id: 'rolled-back' }, { jobId: 'pg-rolled-back' });
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        for (let i = 0; i < 50; i++) ids.push((await enqueuer.enqueueIn(client, deliver, { id: `pg-${i}` })).jobId);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await Promise.all([first.start(), second.start()]);
      await until(async () => (await first.pending()) === 0, 'every row to be relayed and deleted');
      await Promise.all(ids.map((id) => app.handle(id).result({ timeout: 30_000 })));
      expect(runs.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `pg-${i}`).sort());
      expect(sent.sort()).toEqual([...ids].sort()); // no row sent twice
      expect(await backend.get('pg-rolled-back')).toBeUndefined();
    } finally {
      await Promise.all([first.close(), second.close()]);
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });
});
