/**
 * `@adv/tasks/testing`: the contract every task backend passes, published so the author of a
 * backend runs the very tests the memory, SQLite, PostgreSQL and BullMQ backends run here. Like
 * `@keyv/test-suite`, it takes your runner's functions and a factory; it imports no test
 * framework (assertions are `node:assert/strict`), so vitest, jest and `node:test` all run it.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * import { memoryBackend } from '@adv/tasks';
 * import { backendContract } from '@adv/tasks/testing';
 *
 * backendContract({ describe, it }, () => memoryBackend(), { name: 'memory' });
 * ```
 */
import { TaskError } from '../errors.js';
import { pauseTests, removeTests, scheduleViewTests } from './admin.js';
import { jobTests } from './jobs.js';
import { type BackendContractOptions, resolveContractOptions } from './options.js';
import { type BackendFactory, contractTest, type TestRunner } from './runner.js';
import { workflowTests } from './workflows.js';

export type { BackendContractOptions } from './options.js';
export type { BackendFactory, TestRunner } from './runner.js';

/**
 * Registers the task backend contract (32 tests; the slowest wait a second or two for
 * delays, rate limits and schedules) under `describe('task backend contract: <name>')`.
 * `factory` builds a fresh backend for each app a test opens: for a backend shared across
 * processes, give each a fresh queue (or schema, or file). Throws `ERR_INVALID_OPTION` on bad
 * arguments or options, before any test is registered.
 */
export function backendContract(runner: TestRunner, factory: BackendFactory, options?: BackendContractOptions): void {
  if (typeof runner?.describe !== 'function' || typeof runner.it !== 'function') {
    throw new TaskError('ERR_INVALID_OPTION', 'Expected `runner` to be { describe, it } of your test runner');
  }
  if (typeof factory !== 'function') {
    throw new TaskError('ERR_INVALID_OPTION', `Expected \`factory\` to be a function, got ${typeof factory}`);
  }
  const resolved = resolveContractOptions(options);
  runner.describe(`task backend contract: ${resolved.name}`, () => {
    const test = contractTest(runner, factory, resolved.timeout);
    jobTests(test, resolved);
    workflowTests(test);
    removeTests(test);
    pauseTests(test);
    scheduleViewTests(test);
  });
}
