import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, type RunningService, startRedis } from '../../../scripts/test-services.js';
import { bullmqBackend } from '../src/bullmq.js';
import { createTaskApp, type TaskApp, type TaskError } from '../src/index.js';
import { rejectionCode, until } from './helpers.js';

// Null only when redis-server is missing (outside CI); these tests start their own servers to kill them.
const hasRedis = inject('redisUrl') !== null;

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** A Redis that keeps its data across a crash (append-only file, fsync on every write). */
async function startDurableRedis(port: number, dir: string): Promise<RunningService> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
    { stdio: 'ignore', cwd: dir },
  );
  await until(() => accepts(port), 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL'); // a crash: no chance to flush anything more
      await exited;
    },
  };
}

describe.runIf(hasRedis)('BullMQ backend when Redis goes away and comes back', { timeout: 60_000 }, () => {
  let redis: RunningService | undefined;
  const apps: TaskApp[] = [];
  const dirs: string[] = [];
  const errors: unknown[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close({ timeout: 1000 })));
    await redis?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the worker alive, holds an enqueue made during the outage, and runs it once Redis is back', async () => {
    redis = await startRedis();
    const app = createTaskApp({ backend: bullmqBackend({ connection: redis.url, queueName: 'outage' }) });
    apps.push(app);
    app.on('error', (error) => errors.push(error));
    const echo = app.defineTask('echo', (value: string) => value);
    await app.process({ concurrency: 2 });
    expect(await (await echo.enqueue('before')).result({ timeout: 10_000 })).toBe('before');

    const port = redis.port;
    await redis.stop();
    const pending = echo.enqueue('during');
    await new Promise((resolve) => setTimeout(resolve, 500));
    redis = await startRedis(port);
    const handle = await pending;
    expect(await handle.result({ timeout: 30_000 })).toBe('during');
    expect(await (await echo.enqueue('after')).result({ timeout: 30_000 })).toBe('after');
    await expect(app.readinessCheck().check(AbortSignal.timeout(5000))).resolves.toBeUndefined();
    await redis.stop();
    redis = undefined;
  });

  it('during a long outage rejects calls with ERR_BACKEND, sends nothing, and loses no stored job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-aof-'));
    dirs.push(dir);
    const port = await freePort();
    redis = await startDurableRedis(port, dir);
    const app = createTaskApp({
      backend: bullmqBackend({ connection: redis.url, queueName: 'long-outage', unavailableTimeout: 300 }),
    });
    apps.push(app);
    app.on('error', () => {});
    const echo = app.defineTask('echo', (value: string) => value);
    await app.process({ concurrency: 2 });
    // Stored in Redis before the crash, due after it.
    const stored = await Promise.all(['a', 'b', 'c'].map((value) => echo.enqueue(value, { delay: 1000 })));

    await redis.stop();
    // Right after the crash ioredis may not have read the close yet and still say `ready`: this
    // call may be written to the dead socket, but it must not be queued and resent on reconnection.
    expect(await rejectionCode(echo.enqueue('during', { jobId: 'right-after-crash' }))).toBe('ERR_BACKEND');
    expect(await rejectionCode(app.stats())).toBe('ERR_BACKEND');
    // A burst of calls during the outage shares one wait: no listener pile-up on the connection.
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const burst = await Promise.all(Array.from({ length: 50 }, (_, n) => rejectionCode(echo.enqueue(`burst-${n}`))));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(new Set(burst)).toEqual(new Set(['ERR_BACKEND']));
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
    expect(await rejectionCode(stored[0]!.status())).toBe('ERR_BACKEND');
    expect(await rejectionCode(stored[0]!.result({ timeout: 200 }))).toMatch(/^ERR_(BACKEND|RESULT_TIMEOUT)$/);
    const rejected = await echo.enqueue('late', { jobId: 'sent-during-outage' }).catch((error: unknown) => error);
    expect((rejected as TaskError).code).toBe('ERR_BACKEND');

    redis = await startDurableRedis(port, dir);
    expect(await Promise.all(stored.map((handle) => handle.result({ timeout: 30_000 })))).toEqual(['a', 'b', 'c']);
    // The enqueue that was rejected never reached Redis, so it will not run behind the caller's back.
    expect(await app.handle('sent-during-outage').status()).toBe('unknown');
    expect(await app.handle('right-after-crash').status()).toBe('unknown');
    expect(await (await echo.enqueue('after')).result({ timeout: 30_000 })).toBe('after');
  });

  it('rejects every call on a Redis that never answers with ERR_BACKEND, and still closes', async () => {
    const port = await freePort(); // nothing listens there
    const app = createTaskApp({
      backend: bullmqBackend({
        connection: `redis://127.0.0.1:${port}`,
        queueName: 'nowhere',
        unavailableTimeout: 200,
      }),
    });
    const echo = app.defineTask('echo', (value: string) => value);
    app.schedule('often', { every: 1000 }, echo, 'tick');
    const handle = app.handle('some-id');
    for (const call of [
      () => echo.enqueue('x'),
      () => app.stats(),
      () => app.list('waiting'),
      () => app.failed(),
      () => handle.status(),
      () => handle.cancel(),
      () => app.retryFailed('some-id'),
      () => app.schedules(),
      () => app.syncSchedules(),
      () => app.process(),
      () => app.readinessCheck().check(AbortSignal.timeout(5000)),
    ]) {
      expect(await rejectionCode(call())).toBe('ERR_BACKEND');
    }
    // result() waits through an outage up to its own timeout, then says which limit it hit first.
    expect(await rejectionCode(handle.result({ timeout: 300 }))).toMatch(/^ERR_(BACKEND|RESULT_TIMEOUT)$/);
    await app.close({ timeout: 500 });
  });
});
