/**
 * keyv's own conformance suite, `@keyv/test-suite` as published on npm (run as is, not
 * ported), against every keyv store this package exports: `LruStore`. `keyvTestSuite` is
 * keyv's API, value and namespace cases; `keyvIteratorTests` needs `keyv.iterator()`, which
 * keyv 5 offers for `Map` instances (hence `LruStore extends Map`).
 */
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { LruStore } from '../src/index.js';

vitest.describe('@keyv/test-suite on LruStore', () => {
  const store = () => new LruStore(1000);
  keyvTestSuite(vitest, Keyv, store);
  keyvIteratorTests(vitest, Keyv, store);
});

vitest.describe("LruStore: where it deliberately differs from keyv's default store (a Map)", () => {
  vitest.it('keeps at most maxEntries, dropping the least recently used; iterates in recency order', async () => {
    const map = new Keyv({ store: new Map() });
    const lru = new Keyv({ store: new LruStore(2) });
    for (const keyv of [map, lru]) {
      await keyv.set('a', 1);
      await keyv.set('b', 2);
      await keyv.get('a'); // `a` is now the most recently used
      await keyv.set('c', 3); // beyond 2 entries: LruStore drops `b`
    }
    const entries = async (keyv: Keyv) => {
      const seen: Array<[string, unknown]> = [];
      for await (const entry of keyv.iterator?.(undefined) ?? []) seen.push(entry as [string, unknown]);
      return seen;
    };
    vitest.expect(await map.get('b')).toBe(2);
    vitest.expect(await entries(map)).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    vitest.expect(await lru.get('b')).toBeUndefined();
    vitest.expect(await entries(lru)).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
  });
});
