import { afterAll, describe, expect, inject, it } from 'vitest';
import { type RunningService, startRedis } from '../../../scripts/test-services.js';
import { bullmqBackend } from '../src/bullmq.js';
import { createTaskApp, type TaskApp } from '../src/index.js';

// Null only when redis-server is missing (outside CI); this test starts its own server to kill it.
const hasRedis = inject('redisUrl') !== null;

describe.runIf(hasRedis)('BullMQ backend when Redis goes away and comes back', { timeout: 60_000 }, () => {
  let redis: RunningService | undefined;
  let app: TaskApp | undefined;
  const errors: unknown[] = [];
  afterAll(async () => {
    await app?.close({ timeout: 1000 });
    await redis?.stop();
  });

  it('keeps the worker alive, holds an enqueue made during the outage, and runs it once Redis is back', async () => {
    redis = await startRedis();
    app = createTaskApp({ backend: bullmqBackend({ connection: redis.url, queueName: 'outage' }) });
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
  });
});
