import type { DescribesBackend } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { bullmqBackend } from '../src/bullmq.js';
import {
  backoffDelay,
  chain,
  createTaskApp,
  DEFAULT_BACKOFF,
  group,
  memoryBackend,
  startWorker,
  TaskError,
} from '../src/index.js';
import { rejectionCode } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TaskError);
    return (error as TaskError).code;
  }
  return undefined;
}

describe('validation', () => {
  const app = createTaskApp();
  const task = app.defineTask('noop', () => undefined);

  it('rejects bad task definitions with one message shape', () => {
    expect(() => app.defineTask('', () => 1)).toThrow(
      'Expected `name` to be a non-empty string of at most 200 characters, got `` (string)',
    );
    expect(() => app.defineTask('x', 'nope' as never)).toThrow('Expected `handler` to be a function');
    expect(() => app.defineTask('x', () => 1, { attempts: 0 })).toThrow(
      'Expected `attempts` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => app.defineTask('x', () => 1, { timeLimit: -5 })).toThrow('`timeLimit`');
    expect(() => app.defineTask('x', () => 1, { backoff: { jitter: 2 } })).toThrow(
      'Expected `backoff.jitter` to be a number from 0 to 1, got `2` (number)',
    );
    expect(() => app.defineTask('x', () => 1, { backoff: { factor: 0.5 } })).toThrow('`backoff.factor`');
    expect(() => app.defineTask('x', () => 1, { rateLimit: { max: 0, duration: 1000 } })).toThrow('`rateLimit.max`');
    expect(() => app.defineTask('x', () => 1, { retryOn: true as never })).toThrow('`retryOn`');
    expect(codeOf(() => app.defineTask('noop', () => 1))).toBe('ERR_DUPLICATE_TASK');
    expect(codeOf(() => app.defineTask('x', () => 1, { attempts: 1.5 }))).toBe('ERR_INVALID_OPTION');
    expect(() => app.defineTask('x', () => 1, { timeLimit: 2 ** 31 })).toThrow(
      'Expected `timeLimit` to be an integer from 1 to 2147483647',
    );
  });

  it('rejects bad enqueue options before queuing', async () => {
    await expect(task.enqueue(undefined, { delay: -1 })).rejects.toThrow(
      'Expected `delay` to be a non-negative number of milliseconds, got `-1` (number)',
    );
    await expect(task.enqueue(undefined, { delay: 5, at: Date.now() })).rejects.toThrow('`delay`');
    await expect(task.enqueue(undefined, { at: new Date('nope') })).rejects.toThrow('Expected `at` to be a valid Date');
    await expect(task.enqueue(undefined, { priority: 0 })).rejects.toThrow(
      'Expected `priority` to be an integer from 1 to 2097152',
    );
    await expect(task.enqueue(undefined, { jobId: 'a:b' })).rejects.toThrow('`jobId`');
    await expect(task.enqueue(undefined, { jobId: '42' })).rejects.toThrow('`jobId`');
    await expect(task.enqueue(undefined, { expiresAt: 'soon' as never })).rejects.toThrow('`expiresAt`');
    expect(await rejectionCode(task.enqueue(undefined, { attempts: 0 }))).toBe('ERR_INVALID_OPTION');
    expect(await app.stats()).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('rejects bad schedules', () => {
    expect(() => app.schedule('s', { cron: 'not a cron' }, task)).toThrow(
      'Expected `cron` to be a valid cron expression',
    );
    expect(() => app.schedule('s', { cron: '* * * * *', tz: 'Mars/Olympus' }, task)).toThrow(
      'Expected `tz` to be an IANA time zone such as `Europe/Paris`, got `Mars/Olympus` (string)',
    );
    expect(() => app.schedule('s', { every: 0 }, task)).toThrow(
      'Expected `every` to be an integer number of milliseconds',
    );
    const other = createTaskApp().defineTask('elsewhere', () => 1);
    expect(() => app.schedule('s', { every: 1000 }, other)).toThrow('Expected `task` to be a task defined on this app');
    expect(codeOf(() => app.schedule('s', { every: 1000 }, task, 10n as never))).toBe('ERR_NOT_SERIALIZABLE');
  });

  it('rejects bad chains, groups, backends and workers', async () => {
    expect(() => chain()).toThrow('Expected `steps` to be at least one signature');
    expect(() => chain(task.with(undefined), task.with(1 as never))).toThrow(
      'Expected `steps[1].payload` to be absent',
    );
    expect(() => group('x' as never)).toThrow('Expected `members` to be an array');
    expect(() => group([{} as never])).toThrow('Expected `members[0]` to be a signature');
    expect(() => memoryBackend({ keepCompleted: -1 })).toThrow('`keepCompleted`');
    expect(() => bullmqBackend({ connection: 42 as never })).toThrow(
      'Expected `connection` to be a redis:// URL or ioredis options',
    );
    expect(() => bullmqBackend({ connection: 'redis://127.0.0.1:1', lockDuration: 0 })).toThrow('`lockDuration`');
    await expect(startWorker({ app: createTaskApp(), concurrency: 0 })).rejects.toThrow('`concurrency`');
  });

  it('names the path of what cannot be serialised', async () => {
    const cyclic: Record<string, unknown> = { list: [] };
    (cyclic.list as unknown[]).push({ back: cyclic });
    const cases: [unknown, string][] = [
      [
        { items: [1, { when: new Date(0) }] },
        'Expected `payload.items[1].when` to be JSON-serialisable, found an instance of Date',
      ],
      [{ a: { n: Number.NaN } }, 'Expected `payload.a.n` to be JSON-serialisable, found the number NaN'],
      [[1, undefined], 'Expected `payload[1]` to be JSON-serialisable, found undefined'],
      [{ big: 1n }, 'Expected `payload.big` to be JSON-serialisable, found a bigint'],
      [cyclic, 'Expected `payload.list[0].back` to be JSON-serialisable, found a circular reference'],
    ];
    for (const [payload, message] of cases) await expect(task.enqueue(payload as never)).rejects.toThrow(message);
    // The same object twice is not a cycle.
    const shared = { n: 1 };
    await expect(task.run({ a: shared, b: shared } as never)).resolves.toBeUndefined();
  });

  it('computes exponential backoff with bounded jitter', () => {
    const backoff = { ...DEFAULT_BACKOFF, delay: 100, maxDelay: 1000 };
    expect(backoffDelay(backoff, 1, () => 0)).toBe(50);
    expect(backoffDelay(backoff, 1, () => 1)).toBe(100);
    expect(backoffDelay(backoff, 3, () => 1)).toBe(400);
    expect(backoffDelay(backoff, 10, () => 1)).toBe(1000);
    expect(backoffDelay({ ...backoff, jitter: 0 }, 2, () => 0.7)).toBe(200);
  });

  it('refuses work once closed', async () => {
    const closed = createTaskApp();
    const later = closed.defineTask('later', () => 1);
    await closed.close();
    expect(await rejectionCode(later.enqueue(undefined))).toBe('ERR_BACKEND');
  });

  it('reports an unknown job id', async () => {
    expect(await app.handle('missing').status()).toBe('unknown');
    expect(await rejectionCode(app.handle('missing').result({ timeout: 100 }))).toBe('ERR_NOT_FOUND');
    expect(await rejectionCode(app.retryFailed('missing'))).toBe('ERR_NOT_FOUND');
  });

  it('rejects a bad result() or close() timeout', async () => {
    const other = createTaskApp();
    const idle = other.defineTask('idle', () => 1);
    const handle = await idle.enqueue(undefined);
    for (const timeout of [-1, Number.NaN, '5' as never]) {
      expect(await rejectionCode(handle.result({ timeout }))).toBe('ERR_INVALID_OPTION');
    }
    expect(await rejectionCode(other.close({ timeout: -1 }))).toBe('ERR_INVALID_OPTION');
    await other.close();
  });

  it('times out result() of a job that does not finish in time', async () => {
    const slowApp = createTaskApp();
    const idle = slowApp.defineTask('idle', () => 1);
    const handle = await idle.enqueue(undefined); // never processed: no worker started
    expect(await rejectionCode(handle.result({ timeout: 50 }))).toBe('ERR_RESULT_TIMEOUT');
    await slowApp.close();
  });
});

describe('default app', () => {
  it('defines tasks on an in-process app that describes itself as not shared', async () => {
    const { defineTask, getDefaultApp } = await import('../src/index.js');
    const hello = defineTask('default-hello', (name: string) => `hello ${name}`);
    const app = getDefaultApp();
    expect(app.task('default-hello')).toBe(hello);
    const described: DescribesBackend = app;
    expect(described.backendInfo).toEqual({ name: '@adv/tasks:memory', sharedAcrossProcesses: false });
    await app.process({ concurrency: 1 });
    expect(await (await hello.enqueue('ada')).result({ timeout: 5000 })).toBe('hello ada');
    await app.close();
  });
});
