/**
 * What the contract suites need from a test runner, and the small helpers they share. Only
 * `node:assert/strict` and timers: the suites run under vitest, jest and `node:test` alike.
 */
import type { Cache } from '../cache.js';
import type { CacheOptions } from '../options.js';

/**
 * The two functions of your test runner the suites call. vitest's, jest's and `node:test`'s
 * `describe` and `it` all fit: `import { describe, it } from 'node:test'`, then pass
 * `{ describe, it }`.
 */
export interface TestRunner {
  /** Groups the suite's tests under one name. */
  describe(name: string, fn: () => void): unknown;
  /** Registers one test; the returned promise settles when the test's body has. */
  it(name: string, fn: () => Promise<void>): unknown;
}

/**
 * The cache the suites drive: `Cache`'s public members, matched by shape, so a cache built
 * with another copy of `@adv/cache` (or from source) fits too.
 */
export type ContractCache = Pick<Cache, keyof Cache>;

/**
 * Builds a fresh cache on the store under test. `options` always carries a `keyPrefix` of its
 * own (and sometimes `defaultTtl`, `version` or `keyFunction`): pass them all to `createCache`.
 * For a shared store, two calls with the same `keyPrefix` must reach the same data.
 */
export type CacheContractFactory = (options: CacheOptions & { keyPrefix: string }) => ContractCache;

/** A test body: `make()` returns a cache from the factory that is closed after the test. */
export type ContractTest = (make: MakeCache) => Promise<void>;

/** A cache from the factory with extra options and (optionally) a given key prefix. */
export type MakeCache = (extra?: CacheOptions, prefix?: string) => ContractCache;

let counter = 0;

/** A key prefix no other test of this process uses. */
export function uniquePrefix(stem = 'c'): string {
  return `${stem}${process.pid}x${++counter}`;
}

/** Registers a test whose caches are closed when it ends, passed or failed. */
export function contractTest(runner: TestRunner, factory: CacheContractFactory) {
  return (name: string, body: ContractTest): void => {
    runner.it(name, async () => {
      const open: ContractCache[] = [];
      const make: MakeCache = (extra = {}, prefix = uniquePrefix()) => {
        const cache = factory({ ...extra, keyPrefix: prefix });
        open.push(cache);
        return cache;
      };
      try {
        await body(make);
      } finally {
        await Promise.all(open.map((cache) => cache.close()));
      }
    });
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries `check` until it stops throwing, for what a store makes visible eventually (pub/sub
 * invalidation of two-tier copies). Rethrows the last failure after `timeoutMs`.
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 10_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(intervalMs);
    }
  }
}
