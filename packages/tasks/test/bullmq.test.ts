import { randomUUID } from 'node:crypto';
import { describe, inject } from 'vitest';
import { bullmqBackend } from '../src/bullmq.js';
import { taskBackendSuite } from './contract.js';

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('bullmq backend', () => {
  // A fresh queue per test: suites of other packages share this Redis in parallel.
  taskBackendSuite('bullmq', () =>
    bullmqBackend({ connection: redisUrl as string, prefix: 'adv-tasks-test', queueName: `contract-${randomUUID()}` }),
  );
});
