/**
 * `backendContract` itself: bad arguments are refused before any test is registered, it
 * registers one suite of tests, and its tests fail against a backend that breaks the contract
 * (a suite that cannot fail proves nothing).
 */
import { backendContract, type TestRunner } from '@adv/tasks/testing';
import { describe, expect, it } from 'vitest';
import { MemoryBackend, memoryBackend, type NewJob } from '../src/index.js';

/** A runner that records what the suite registers instead of running it. */
function recorder() {
  const suites: string[] = [];
  const tests = new Map<string, { fn: () => Promise<void>; timeout: number | undefined }>();
  const runner: TestRunner = {
    describe(name, fn) {
      suites.push(name);
      fn();
    },
    it(name, fn, timeout) {
      tests.set(name, { fn, timeout });
    },
  };
  return { runner, suites, tests };
}

describe('backendContract', () => {
  it('registers one suite named after the backend, passing the timeout to it()', () => {
    const { runner, suites, tests } = recorder();
    backendContract(runner, () => memoryBackend(), { name: 'memory', timeout: 5000 });
    expect(suites).toEqual(['task backend contract: memory']);
    expect(tests.size).toBe(32);
    expect([...tests.values()].every((test) => test.timeout === 5000)).toBe(true);
    const defaults = recorder();
    backendContract(defaults.runner, () => memoryBackend());
    expect(defaults.suites).toEqual(['task backend contract: backend']);
    expect([...defaults.tests.values()][0]?.timeout).toBe(30_000);
  });

  it('rejects bad arguments and options with typed errors before registering anything', () => {
    const { runner, tests } = recorder();
    const factory = () => memoryBackend();
    const invalid = (message: RegExp | string) =>
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
      });
    expect(() => backendContract(runner, factory, { nam: 'x' } as never)).toThrow(
      invalid(/Unknown option `nam` of `backendContract\(\)`; did you mean `name`\?/),
    );
    expect(() => backendContract(runner, factory, { timeout: 0 })).toThrow(
      invalid('Expected `timeout` to be an integer from 1 and up, got `0` (number)'),
    );
    expect(() => backendContract(runner, factory, { backendName: '' })).toThrow(invalid('Expected `backendName`'));
    expect(() => backendContract({ it } as never, factory)).toThrow(
      invalid(/Expected `runner` to be \{ describe, it \}/),
    );
    expect(() => backendContract(runner, 'memory' as never)).toThrow(invalid(/Expected `factory` to be a function/));
    expect(tests.size).toBe(0);
  });

  it('fails against a backend that breaks the contract', async () => {
    /** Runs jobs by priority number alone, so an unprioritised job no longer comes first. */
    class LastUnprioritised extends MemoryBackend {
      override add(job: NewJob) {
        return super.add(job.priority === undefined ? { ...job, priority: 4 } : job);
      }
    }
    const { runner, tests } = recorder();
    backendContract(runner, () => new LastUnprioritised(), { backendName: '@adv/tasks:memory' });
    const priority = tests.get('runs unprioritised jobs first, then by priority (1 first)');
    await expect(priority?.fn()).rejects.toThrow(/Expected values to be strictly deep-equal/);
    const named = recorder();
    backendContract(named.runner, () => memoryBackend(), { backendName: '@acme/tasks:other' });
    await expect(
      named.tests.get('enqueues, runs and returns the result; a task satisfies EnqueueLike')?.fn(),
    ).rejects.toThrow(/@adv\/tasks:memory/);
  });
});
