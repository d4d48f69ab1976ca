import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BULLMQ_DEFAULTS, bullmqBackend } from '../src/bullmq.js';
import { chain, createTaskApp, MEMORY_DEFAULTS, memoryBackend, startWorker, TaskError } from '../src/index.js';
import { postgresBackend } from '../src/postgres.js';
import { sqliteBackend } from '../src/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message of the ERR_INVALID_OPTION `fn` throws (synchronously or by rejecting). */
async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).code).toBe('ERR_INVALID_OPTION');
    return (error as TaskError).message;
  }
  throw new Error('expected ERR_INVALID_OPTION');
}

// Every options object is read with resolveOptions from @adv/types: a misspelt key is refused with
// the valid names and a did-you-mean, and an explicit `undefined` keeps the default.
describe('options objects', () => {
  const app = createTaskApp();
  const task = app.defineTask('noop', () => 'done');
  afterAll(() => app.close());

  it('refuses an unknown key of every options object, with a did-you-mean', async () => {
    const cases: [() => unknown, string][] = [
      [
        () => createTaskApp({ backnd: memoryBackend() } as never),
        'Unknown option `backnd` of `createTaskApp()`; did you mean `backend`?',
      ],
      [() => memoryBackend({ keepComplete: 5 } as never), 'did you mean `keepCompleted`?'],
      [
        () => bullmqBackend({ connection: 'redis://127.0.0.1:1', queue: 'q' } as never),
        'Unknown option `queue` of `bullmqBackend()`; did you mean `queueName`?',
      ],
      [
        () => bullmqBackend({ connection: 'redis://127.0.0.1:1', limiter: { max: 1, duraton: 5 } } as never),
        'Unknown option `limiter.duraton` of `bullmqBackend()`; did you mean `limiter.duration`?',
      ],
      [
        () => sqliteBackend({ filename: join(dir, 'a.db'), queue: 'q' } as never),
        'of `sqliteBackend()`; did you mean `queueName`?',
      ],
      [
        () => postgresBackend({ connectionString: 'postgres://127.0.0.1:1/x', shema: 'a' } as never),
        'of `postgresBackend()`; did you mean `schema`?',
      ],
      [
        () => app.defineTask('x', () => 1, { attempt: 3 } as never),
        'Unknown option `attempt` of `defineTask()`; did you mean `attempts`?',
      ],
      [
        () => app.defineTask('x', () => 1, { backoff: { jiter: 0 } } as never),
        'Unknown option `backoff.jiter` of `defineTask()`; did you mean `backoff.jitter`?',
      ],
      [
        () => app.defineTask('x', () => 1, { rateLimit: { max: 1, durration: 5 } } as never),
        'did you mean `rateLimit.duration`?',
      ],
      [
        () => task.enqueue(undefined, { dealy: 5 } as never),
        'Unknown option `dealy` of `enqueue()`; did you mean `delay`?',
      ],
      [() => chain(task.with(undefined, { priorty: 1 } as never)).enqueue(), 'did you mean `priority`?'],
      [
        () => app.schedule('s', { cron: '0 3 * * *', timezone: 'Europe/Paris' } as never, task),
        'Unknown option `timezone` of `schedule()`. Valid options: `cron`, `tz`.',
      ],
      [
        () => app.schedule('s', { every: 1000, cron: '* * * * *' } as never, task),
        'Unknown option `cron` of `schedule()`',
      ],
      [() => app.process({ concurency: 2 } as never), 'did you mean `concurrency`?'],
      [() => app.syncSchedules({ prun: false } as never), 'did you mean `prune`?'],
      [() => app.list('failed', { stat: 0 } as never), 'Unknown option `stat` of `list()`; did you mean `start`?'],
      [() => app.failed({ ende: 3 } as never), 'did you mean `end`?'],
      [() => app.close({ timout: 1 } as never), 'Unknown option `timout` of `close()`; did you mean `timeout`?'],
      [
        () => app.handle('x').result({ timout: 1 } as never),
        'Unknown option `timout` of `result()`; did you mean `timeout`?',
      ],
      [() => task.run(undefined, { sigal: AbortSignal.timeout(1000) } as never), 'did you mean `signal`?'],
      [
        () => startWorker({ app: createTaskApp(), concurency: 1 } as never),
        'of `startWorker()`; did you mean `concurrency`?',
      ],
    ];
    for (const [fn, message] of cases) expect(await refusal(fn)).toContain(message);
    expect(await refusal(() => createTaskApp('memory' as never))).toBe(
      'Expected the options of `createTaskApp()` to be an object, got `memory` (string)',
    );
  });

  it('keeps the default where an option is explicitly undefined', async () => {
    const defaults = createTaskApp({ backend: undefined, logger: undefined });
    expect(defaults.backendInfo.name).toBe('@adv/tasks:memory');
    await defaults.close({ timeout: undefined });

    expect(() => memoryBackend({ keepCompleted: undefined, keepFailed: undefined })).not.toThrow();
    expect(MEMORY_DEFAULTS).toEqual({ keepCompleted: 1000, keepFailed: 5000 });
    const redis = bullmqBackend({
      connection: 'redis://127.0.0.1:1',
      queueName: undefined,
      prefix: undefined,
      unavailableTimeout: undefined,
    });
    await redis.close();
    expect(BULLMQ_DEFAULTS).toEqual({ queueName: 'adv-tasks', prefix: 'bull', unavailableTimeout: 10_000 });
    const sqlite = sqliteBackend({
      filename: join(dir, 'b.db'),
      queueName: undefined,
      watch: undefined,
      synchronous: undefined,
    });
    await sqlite.close();
    const postgres = postgresBackend({
      connectionString: 'postgres://127.0.0.1:1/x',
      schema: undefined,
      maxConnections: undefined,
    });
    await postgres.close();

    const retried = app.defineTask('undefined-options', () => 'ok', {
      attempts: undefined,
      backoff: { delay: undefined },
    });
    expect(Object.keys(retried.options)).toEqual(['backoff']);
    await app.process({ concurrency: undefined, pruneSchedules: undefined });
    const handle = await retried.enqueue(undefined, { delay: undefined, priority: undefined });
    expect(await handle.result({ timeout: undefined })).toBe('ok');
    expect(await task.run(undefined, { signal: undefined })).toBe('done');
    await app.syncSchedules({ prune: undefined });
    expect(await app.list('completed', { start: undefined, end: undefined })).toHaveLength(1);
    expect(await app.failed({ start: undefined })).toEqual([]);
  });
});
