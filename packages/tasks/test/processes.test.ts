import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bullmqBackend } from '../src/bullmq.js';
import { createTaskApp, type TaskApp } from '../src/index.js';
import { until } from './helpers.js';
import { type Child, cli, requireBuiltCli, startWorkerProcess, stop } from './worker-process.js';

const redisUrl = inject('redisUrl');
const fixture = fileURLToPath(new URL('./fixtures/worker-tasks.mjs', import.meta.url));
const defaultAppFixture = fileURLToPath(new URL('./fixtures/default-app.mjs', import.meta.url));
if (redisUrl) requireBuiltCli();

/** Starts `adv-tasks worker` on the fixture for `queue` and waits until it is consuming. */
const startChild = (queue: string, env: Record<string, string> = {}) =>
  startWorkerProcess(fixture, { REDIS_URL: redisUrl as string, QUEUE: queue, ...env }, 20_000);

describe.runIf(redisUrl)('worker processes on BullMQ', { timeout: 60_000 }, () => {
  const children: Child[] = [];
  const apps: TaskApp[] = [];
  let redis: Redis | undefined;
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => stop(child)));
    await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 1000 })));
    redis?.disconnect();
  });

  const producer = (queue: string) => {
    const app = createTaskApp({
      backend: bullmqBackend({ connection: redisUrl as string, queueName: queue, prefix: 'adv-tasks-test' }),
    });
    apps.push(app);
    const slow = app.defineTask<{ ms: number }, number>('slow', () => 0);
    return { app, slow };
  };

  it('recovers the job of a worker killed mid-task: another worker completes it, nothing lost', async () => {
    const queue = `kill-${randomUUID()}`;
    redis = new Redis(redisUrl as string);
    const { slow } = producer(queue);
    // The first worker holds the job until it is killed (the second runs it in 1.5 s): a kill
    // that comes late on a busy machine still finds it mid-task.
    const first = await startChild(queue, { HOLD_MS: '600000' });
    children.push(first);
    const handle = await slow.enqueue({ ms: 1500 });
    const firstPid = first.process.pid;
    await until(
      async () => (await redis!.lrange(`${queue}:log`, 0, -1)).includes(`start:${firstPid}:${handle.id}`),
      20_000,
    );
    await stop(first); // SIGKILL mid-task: no chance to finish or release the lock
    const second = await startChild(queue);
    children.push(second);
    const pid = await handle.result({ timeout: 40_000 });
    expect(pid).toBe(second.process.pid);
    const log = await redis.lrange(`${queue}:log`, 0, -1);
    expect(log).not.toContain(`done:${firstPid}:${handle.id}`);
    expect(log).toContain(`done:${second.process.pid}:${handle.id}`);
  });

  it('runs each tick of one schedule once, with three workers declaring it', async () => {
    const queue = `beat-${randomUUID()}`;
    redis = new Redis(redisUrl as string);
    const started = Date.now();
    const workers = await Promise.all([1, 2, 3].map(() => startChild(queue, { SCHEDULE_EVERY: '300' })));
    children.push(...workers);
    await until(async () => (await redis!.llen(`${queue}:ticks`)) >= 6, 30_000);
    const ticks = await redis.lrange(`${queue}:ticks`, 0, -1);
    const jobIds = ticks.map((entry) => entry.split(':').slice(1).join(':'));
    expect(new Set(jobIds).size).toBe(jobIds.length);
    // Three copies of the schedule would tick about three times as often as one.
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 300) + 2);
    const { app } = producer(queue);
    expect((await app.schedules()).map((schedule) => schedule.id)).toEqual(['tick-every']);
  });

  it('shuts down gracefully on SIGTERM: the active job finishes first', async () => {
    const queue = `term-${randomUUID()}`;
    redis = new Redis(redisUrl as string);
    const { slow } = producer(queue);
    const child = await startChild(queue);
    const handle = await slow.enqueue({ ms: 800 });
    await until(async () => (await redis!.llen(`${queue}:log`)) >= 1, 20_000);
    expect(await stop(child, 'SIGTERM')).toBe(0);
    expect(await handle.status()).toBe('completed');
    expect(child.output()).toContain('worker stopped');
  });

  it('runs a module without an exported app on the default in-process app, until SIGINT (Ctrl-C)', async () => {
    const child = spawn(process.execPath, [cli, 'worker', '--module', defaultAppFixture, '--concurrency', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = once(child, 'exit');
    const ready = () => output.includes('hello ada from the default app') && output.includes('worker started');
    await until(() => ready() || child.exitCode !== null, 20_000);
    expect(output).toContain('@adv/tasks:memory');
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain('SIGINT');
    expect(output).toContain('worker stopped');
  });

  it('exits with usage on bad arguments', async () => {
    const child = spawn(process.execPath, [cli, 'worker', '--concurrency', 'zero'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('`--module` is required');
    expect(stderr).toContain('Usage: adv-tasks worker');
  });
});
