import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findPgBin, type RunningService, startPostgres } from '../../../scripts/test-services.js';
import { createTaskApp, type TaskApp, TaskError } from '../src/index.js';
import { postgresBackend } from '../src/postgres.js';
import { rejection, until } from './helpers.js';

// Null only when PostgreSQL is missing (outside CI); this test starts a server of its own to stop it.
const hasPostgres = inject('postgresUrl') !== null;

const accepts = async (url: string) => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
};

/**
 * Stops the server as an operator would (fast shutdown: sessions are cut), keeping its data, and
 * returns a function that starts it again on the same data directory and port.
 */
async function stopKeepingData(server: RunningService): Promise<() => Promise<ChildProcess>> {
  const pid = server.process.pid as number;
  const data = readlinkSync(`/proc/${pid}/cwd`); // the postmaster runs in its data directory
  const dir = dirname(data); // startPostgres's temp dir, with the socket directory beside it
  const exited = once(server.process, 'exit');
  server.process.kill('SIGINT');
  await exited;
  return async () => {
    const owner = statSync(data);
    const child = spawn(
      join(findPgBin() as string, 'postgres'),
      ['-D', data, '-p', String(server.port), '-c', 'listen_addresses=127.0.0.1', '-k', join(dir, 'sock')],
      {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir, LC_ALL: 'C', TZ: 'UTC' },
        stdio: 'ignore',
        ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
      },
    );
    await until(() => accepts(server.url), 30_000);
    return child;
  };
}

describe.runIf(hasPostgres)('PostgreSQL backend when the server stops and comes back', { timeout: 90_000 }, () => {
  let server: RunningService | undefined;
  let restarted: ChildProcess | undefined;
  const apps: TaskApp[] = [];
  afterAll(async () => {
    if (restarted && restarted.exitCode === null) {
      const exited = once(restarted, 'exit');
      restarted.kill('SIGKILL');
      await exited;
    }
    await server?.stop(); // removes the data directory
  });

  it('rejects calls with ERR_BACKEND during the outage, keeps the worker alive, resumes after a restart, loses no stored job', async () => {
    server = await startPostgres();
    const errors: unknown[] = [];
    const app = createTaskApp({
      backend: postgresBackend({
        connectionString: server.url,
        schema: 'outage',
        unavailableTimeout: 1500,
        pollInterval: 200,
      }),
    });
    apps.push(app);
    app.on('error', (error) => errors.push(error));
    const echo = app.defineTask('echo', (value: string) => value);
    await app.process({ concurrency: 2 });
    expect(await (await echo.enqueue('before')).result({ timeout: 10_000 })).toBe('before');
    // stored before the outage, due during it
    const stored = await echo.enqueue('stored', { delay: 1500 });

    const start = await stopKeepingData(server);
    // Each call gives up after `unavailableTimeout` (1.5 s) with a typed error, none hangs
    for (const call of [
      () => echo.enqueue('during'),
      () => app.stats(),
      () => stored.status(),
      () => app.readinessCheck().check(new AbortController().signal),
    ]) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(TaskError);
      expect(error.code).toBe('ERR_BACKEND');
      expect(error.message).toMatch(/PostgreSQL/);
    }
    // the worker reported the lost connection and is still alive
    await until(() => errors.length > 0);

    restarted = await start();
    expect(await stored.result({ timeout: 30_000 })).toBe('stored');
    expect(await (await echo.enqueue('after')).result({ timeout: 30_000 })).toBe('after');
    await expect(app.readinessCheck().check(AbortSignal.timeout(5000))).resolves.toBeUndefined();
    // the enqueue rejected during the outage never reached the server
    expect((await app.list('completed')).map((job) => job.data.payload).sort()).toEqual(['after', 'before', 'stored']);
  });

  it('settles close() while the server is down, and rejects calls after it', async () => {
    const app = apps[0] as TaskApp;
    const exited = once(restarted as ChildProcess, 'exit');
    restarted?.kill('SIGINT');
    await exited;
    await app.close({ timeout: 1000 }); // the test's own timeout is the bound: it must not hang
    expect((await rejection(app.stats())).code).toBe('ERR_BACKEND');
  });
});
