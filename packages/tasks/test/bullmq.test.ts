import { randomUUID } from 'node:crypto';
import { backendContract } from '@adv/tasks/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bullmqBackend } from '../src/bullmq.js';
import { createTaskApp, type TaskApp } from '../src/index.js';

const redisUrl = inject('redisUrl');
const backendOn = (queueName: string) =>
  bullmqBackend({ connection: redisUrl as string, prefix: 'adv-tasks-test', queueName });

describe.runIf(redisUrl)('bullmq backend', () => {
  // A fresh queue per test: suites of other packages share this Redis in parallel.
  backendContract({ describe, it }, () => backendOn(`contract-${randomUUID()}`), {
    name: 'bullmq',
    backendName: '@adv/tasks:bullmq',
  });

  it('applies the queue-wide limiter to every worker on the queue', { timeout: 30_000 }, async () => {
    const queue = `limiter-${randomUUID()}`;
    const starts: number[] = [];
    const apps: TaskApp[] = [];
    try {
      for (let worker = 0; worker < 2; worker++) {
        const app = createTaskApp({
          backend: bullmqBackend({
            connection: redisUrl as string,
            prefix: 'adv-tasks-test',
            queueName: queue,
            limiter: { max: 2, duration: 1500 },
          }),
        });
        apps.push(app);
        app.defineTask('limited', () => {
          starts.push(Date.now());
        });
        await app.process({ concurrency: 4 });
      }
      const limited = apps[0]!.task('limited')!;
      const handles = await Promise.all([1, 2, 3, 4, 5, 6].map(() => limited.enqueue(undefined)));
      await Promise.all(handles.map((handle) => handle.result({ timeout: 20_000 })));
      starts.sort((a, b) => a - b);
      // Two workers with concurrency 4 each, yet at most 2 starts per 1.5 s window across both.
      // Lower bounds only, with 300 ms of slack: Redis grants the slots, the handler notes the time
      // later, and on a busy machine the first window's handlers can start well after their grant
      // while a later one starts on time (with 500 ms windows and 100 ms of slack, a 100 ms
      // scheduling delay at load 10+ was enough to fail a correct limiter).
      expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(1200);
      expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(2700);
    } finally {
      await Promise.all(apps.map((app) => app.close({ timeout: 2000 })));
    }
  });

  describe('shared across workers', { timeout: 30_000 }, () => {
    const apps: TaskApp[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 2000 })));
    });

    it('runs a job with an ETA once, with two workers on the queue, and describes itself as shared', async () => {
      const queue = `eta-${randomUUID()}`;
      const runs: string[] = [];
      for (const worker of ['a', 'b']) {
        const app = createTaskApp({ backend: backendOn(queue) });
        apps.push(app);
        app.defineTask('eta', () => {
          runs.push(worker);
          return worker;
        });
        await app.process({ concurrency: 4 });
      }
      const producer = createTaskApp({ backend: backendOn(queue) });
      apps.push(producer);
      const eta = producer.defineTask<undefined, string>('eta', () => 'producer never runs it');
      const handle = await eta.enqueue(undefined, { at: Date.now() + 500 });
      expect(['a', 'b']).toContain(await handle.result({ timeout: 20_000 }));
      expect(runs).toHaveLength(1);
      expect(producer.backend.backendInfo).toEqual({ name: '@adv/tasks:bullmq', sharedAcrossProcesses: true });
    });
  });
});
