/**
 * What the contract suite needs from a test runner, and the small helpers its tests share. Only
 * `node:assert/strict` and timers: the suite runs under vitest, jest and `node:test` alike.
 */
import assert from 'node:assert/strict';
import { createTaskApp, type TaskApp } from '../app.js';
import type { TaskError } from '../errors.js';
import type { TaskBackend } from '../types.js';

/**
 * The two functions of your test runner the suite calls. vitest's, jest's and `node:test`'s
 * `describe` and `it` all fit: `import { describe, it } from 'node:test'`, then pass
 * `{ describe, it }`.
 */
export interface TestRunner {
  /** Groups the suite's tests under one name. */
  describe(name: string, fn: () => void): unknown;
  /**
   * Registers one test. The third argument is the per-test timeout in ms (vitest and jest read
   * it; `node:test` has no default timeout and ignores it).
   */
  it(name: string, fn: () => Promise<void>, timeout?: number): unknown;
}

/** Builds a fresh backend: each test gets its own (a fresh queue, schema or file for shared ones). */
export type BackendFactory = () => TaskBackend;

/** What each test of the suite gets. */
export interface SuiteContext {
  /** An app on a fresh backend (or on `backend`), closed when the test ends. */
  newApp(backend?: TaskBackend): TaskApp;
  /** A fresh backend from the factory. */
  factory: BackendFactory;
}

/** Registers a test; the apps it opened with `newApp` are closed when it ends, passed or failed. */
export type ContractTest = (name: string, body: (context: SuiteContext) => Promise<void>) => void;

export function contractTest(runner: TestRunner, factory: BackendFactory, timeout: number): ContractTest {
  return (name, body) => {
    runner.it(
      name,
      async () => {
        const apps: TaskApp[] = [];
        const newApp = (backend: TaskBackend = factory()) => {
          const app = createTaskApp({ backend });
          apps.push(app);
          return app;
        };
        try {
          await body({ newApp, factory });
        } finally {
          await Promise.all(apps.map((app) => app.close({ timeout: 2000 })));
        }
      },
      timeout,
    );
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until true (or fails after `timeout` ms): no fixed sleeps in assertions. */
export async function until(condition: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/**
 * The error `promise` rejects with (fails the test when it resolves), checked to be a
 * `TaskError` by its `name`, so a backend built against another copy of the package fits too.
 */
export async function rejection(promise: Promise<unknown>): Promise<TaskError> {
  try {
    await promise;
  } catch (error) {
    assert.equal((error as Error | undefined)?.name, 'TaskError', `expected a TaskError, got ${String(error)}`);
    return error as TaskError;
  }
  assert.fail('expected a rejection');
}

/** Fast, jitter-free retries for tests. */
export const FAST = { delay: 10, jitter: 0 };
