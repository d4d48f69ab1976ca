/**
 * `cacheContract` itself: options are checked before any test is registered, the suite
 * registers the tests its options ask for, and its tests fail against a store that breaks the
 * contract (a suite that cannot fail proves nothing).
 */
import { cacheContract, type TestRunner } from '@adv/cache/testing';
import { describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

/** A runner that records what the suite registers instead of running it. */
function recorder() {
  const suites: string[] = [];
  const tests = new Map<string, () => Promise<void>>();
  const runner: TestRunner = {
    describe(name, fn) {
      suites.push(name);
      fn();
    },
    it(name, fn) {
      tests.set(name, fn);
    },
  };
  return { runner, suites, tests };
}

const memory = (options: { keyPrefix: string }) => createCache({ ...options, logger: quietLogger });

describe('cacheContract', () => {
  it('registers one suite named after the store; shared stores get the cross-instance tests', () => {
    const local = recorder();
    cacheContract(local.runner, memory, { name: 'memory' });
    expect(local.suites).toEqual(['cache contract: memory']);
    expect(local.tests.size).toBe(24);
    const shared = recorder();
    cacheContract(shared.runner, memory, { shared: true, evict: async () => {} });
    expect(shared.suites).toEqual(['cache contract: store']);
    expect(shared.tests.size).toBe(27);
    expect(shared.tests.has('clear in one instance clears what every instance of the prefix wrote')).toBe(true);
  });

  it('rejects bad arguments and options with typed errors before registering anything', () => {
    const { runner, tests } = recorder();
    expect(() => cacheContract(runner, memory, { shard: true } as never)).toThrow(
      /Unknown option `shard` of `cacheContract\(\)`; did you mean `shared`\?/,
    );
    expect(() => cacheContract(runner, memory, { shared: true })).toThrow(
      /Expected `evict` to be a function when `shared` is true/,
    );
    expect(() => cacheContract(runner, memory, { negativeCounters: 'no' as never })).toThrow(
      'Expected `negativeCounters` to be a boolean, got `no` (string)',
    );
    expect(() => cacheContract({ it } as never, memory)).toThrow(/Expected `runner` to be \{ describe, it \}/);
    expect(() => cacheContract(runner, 'memory' as never)).toThrow(/Expected `factory` to be a function/);
    expect(tests.size).toBe(0);
  });

  it('fails against a store that loses its writes', async () => {
    /** A keyv store that drops every write. */
    class Forgetful extends Map<string, unknown> {
      override set(): this {
        return this;
      }
    }
    const broken = recorder();
    cacheContract(broken.runner, (options) => createCache({ ...options, store: new Forgetful(), logger: quietLogger }));
    await expect(broken.tests.get('misses, then round-trips every JSON value')?.()).rejects.toThrow(/Expected values/);
    await expect(broken.tests.get('delete and has')?.()).rejects.toMatchObject({ code: 'ERR_ASSERTION' });
    const passing = recorder();
    cacheContract(passing.runner, memory);
    await expect(passing.tests.get('misses, then round-trips every JSON value')?.()).resolves.toBeUndefined();
  });
});
