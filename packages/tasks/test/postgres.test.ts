import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createTaskApp, type TaskApp } from '../src/index.js';
import { postgresBackend } from '../src/postgres.js';
import { taskBackendSuite } from './contract.js';
import { until } from './helpers.js';

const postgresUrl = inject('postgresUrl');
/** A fresh schema per backend: tests (and other suites on this server) never see each other's jobs. */
const freshSchema = () => `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
const backendOn = (schema: string, extra: Record<string, unknown> = {}) =>
  postgresBackend({ connectionString: postgresUrl as string, schema, maxConnections: 4, ...extra });

describe.runIf(postgresUrl)('postgres backend', () => {
  taskBackendSuite('postgres', () => backendOn(freshSchema()));

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
});
