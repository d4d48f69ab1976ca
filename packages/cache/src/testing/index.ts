/**
 * `@adv/cache/testing`: the contract every cache store passes, published so the author of a
 * store (a keyv adapter, a `driver`) runs the very tests memory, Redis and memcached run here.
 * Like `@keyv/test-suite`, it takes your runner's functions and a factory; it imports no test
 * framework (assertions are `node:assert/strict`), so vitest, jest and `node:test` all run it.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * import { createCache } from '@adv/cache';
 * import { cacheContract } from '@adv/cache/testing';
 *
 * cacheContract({ describe, it }, (options) => createCache({ ...options, store: new Map() }));
 * ```
 */
import { CacheError, describeValue } from '../errors.js';
import { basicTests } from './basics.js';
import { getOrSetTests } from './get-or-set.js';
import { keyTests } from './keys.js';
import { type CacheContractOptions, resolveContractOptions } from './options.js';
import { type CacheContractFactory, contractTest, type TestRunner } from './runner.js';
import { tagTests } from './tags.js';

export type { CacheContractOptions } from './options.js';
export type { OutageServer, OutageSubject } from './outage.js';
export { outageContract } from './outage.js';
export type { CacheContractFactory, ContractCache, TestRunner } from './runner.js';

/**
 * Registers the cache contract (about 25 tests, some of them waiting a few seconds for entries
 * to expire) under `describe('cache contract: <name>')`. `factory` builds a fresh cache on the
 * store under test for each test; `options` says what the store promises (see
 * {@link CacheContractOptions}). Throws `ERR_INVALID_OPTION` on bad options, before any test runs.
 */
export function cacheContract(runner: TestRunner, factory: CacheContractFactory, options?: CacheContractOptions): void {
  if (typeof runner?.describe !== 'function' || typeof runner.it !== 'function') {
    throw new CacheError(
      'ERR_INVALID_ARGUMENT',
      `Expected \`runner\` to be { describe, it } of your test runner, got ${describeValue(runner)}`,
    );
  }
  if (typeof factory !== 'function') {
    throw new CacheError(
      'ERR_INVALID_ARGUMENT',
      `Expected \`factory\` to be a function, got ${describeValue(factory)}`,
    );
  }
  const resolved = resolveContractOptions(options);
  runner.describe(`cache contract: ${resolved.name}`, () => {
    const test = contractTest(runner, factory);
    basicTests(test, resolved);
    keyTests(test, resolved);
    tagTests(test, resolved);
    getOrSetTests(test);
  });
}
