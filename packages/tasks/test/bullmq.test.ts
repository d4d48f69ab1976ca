import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bullmqBackend } from '../src/bullmq.js';
import { createTaskApp, type TaskApp } from '../src/index.js';
import { taskBackendSuite } from './contract.js';

const redisUrl = inject('redisUrl');
const backendOn = (queueName: string) =>
  bullmqBackend({ connection: redisUrl as string, prefix: 'adv-tasks-test', queueName });

describe.runIf(redisUrl)('bullmq backend', () => {
  // A fresh queue per test: suites of other packages share this Redis in parallel.
  taskBackendSuite('bullmq', () => backendOn(`contract-${randomUUID()}`));

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
