/**
 * The contract every backend passes (keyv's `storageTestSuite` idea): the same tests, run for
 * real against memory, Redis and memcached. `factory(prefix)` returns a fresh cache on the
 * backend under test; two calls with the same prefix must share data when `shared` is set.
 */
import type { CacheLike, DescribesBackend, TagInvalidator } from '@adv/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Cache, CacheError, type CacheOptions } from '../src/index.js';

export interface ContractOptions {
  /** Two caches from the factory with the same prefix see the same data. */
  shared: boolean;
  /** `clear()` leaves other prefixes alone. */
  scopedClear: boolean;
  /** Counters may go below 0 (not memcached: the server clamps at 0). */
  negativeCounters: boolean;
  /**
   * Shared backends: deletes the stored key `stored` of the caches under `prefix` behind their
   * back, as an evicting backend would (Redis `maxmemory`, memcached's LRU). No cache call can:
   * a `keyFunction` never reaches the cache's own keys.
   */
  evict?: (prefix: string, stored: string) => Promise<void>;
}

export type CacheFactory = (options: CacheOptions & { keyPrefix: string }) => Cache;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let counter = 0;

export function cacheContractSuite(name: string, factory: CacheFactory, options: ContractOptions): void {
  describe(`cache contract: ${name}`, () => {
    const open: Cache[] = [];
    const make = (extra: CacheOptions = {}, prefix = `c${process.pid}x${++counter}`) => {
      const cache = factory({ keyPrefix: prefix, ...extra });
      open.push(cache);
      return cache;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((cache) => cache.close()));
    });

    it('satisfies the @adv/types contracts and describes its backend', async () => {
      const cache = make();
      const asContracts: CacheLike & TagInvalidator & DescribesBackend = cache;
      expect(asContracts.backendInfo.name).toMatch(/^@adv\/cache:/);
      expect(cache.backendInfo.sharedAcrossProcesses).toBe(options.shared);
      await expect(cache.readinessCheck().check(new AbortController().signal)).resolves.toBeUndefined();
    });

    it('misses, then round-trips every JSON value', async () => {
      const cache = make();
      expect(await cache.get('nope')).toBeUndefined();
      const values: unknown[] = [{ a: 1, b: [1, 'two', null] }, [], 'text ü 😀', '', 0, -12.5, 42, true, false, null];
      for (const [index, value] of values.entries()) {
        expect(await cache.set(`k${index}`, value)).toBe(true);
        expect(await cache.get(`k${index}`)).toEqual(value);
      }
    });

    it('stores a copy: mutating the value after set or get changes nothing', async () => {
      const cache = make();
      const value = { list: [1] };
      await cache.set('obj', value);
      value.list.push(2);
      const read = await cache.get<{ list: number[] }>('obj');
      expect(read).toEqual({ list: [1] });
      read?.list.push(3);
      expect(await cache.get('obj')).toEqual({ list: [1] });
    });

    it('expires after ttl seconds; 0 and defaultTtl 0 keep forever', async () => {
      const cache = make();
      await cache.set('short', 'x', { ttl: 0.6 });
      await cache.set('forever', 'y', { ttl: 0 });
      await cache.set('default', 'z');
      expect(await cache.get('short')).toBe('x');
      await sleep(900);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.has('short')).toBe(false);
      expect(await cache.get('forever')).toBe('y');
      expect(await cache.get('default')).toBe('z');
    });

    it('accepts ttls that are not whole milliseconds (rounded up), and very long ones', async () => {
      const cache = make();
      expect(await cache.set('frac', 'x', { ttl: 30.0005 })).toBe(true);
      expect(await cache.get('frac')).toBe('x');
      expect(await cache.setMany({ m1: 1, m2: 'two' }, { ttl: 30.0005 })).toBe(true);
      expect((await cache.getMany(['m1', 'm2'])).size).toBe(2);
      expect(await cache.touch('frac', 40.0005)).toBe(true);
      expect(await cache.get('frac')).toBe('x');
      expect(await cache.add('fracAdd', 'y', { ttl: 30.0005 })).toBe(true);
      expect(await cache.incr('fracIncr', 1, { ttl: 30.0005 })).toBe(1);
      expect(await cache.getOrSet('fracGos', () => 'z', { ttl: 30.0005, grace: 0.0005 })).toBe('z');
      expect(await cache.get('fracGos')).toBe('z');
      expect(await cache.set('century', 'c', { ttl: 100 * 365 * 86_400 })).toBe(true); // past 2106 on memcached
      expect(await cache.get('century')).toBe('c');
    });

    it('applies defaultTtl to writes without ttl', async () => {
      const cache = make({ defaultTtl: 0.2 });
      await cache.set('k', 'v');
      await sleep(450);
      expect(await cache.get('k')).toBeUndefined();
    });

    it('add stores only when absent', async () => {
      const cache = make();
      expect(await cache.add('k', 1)).toBe(true);
      expect(await cache.add('k', 2)).toBe(false);
      expect(await cache.get('k')).toBe(1);
      await cache.set('gone', 'one', { ttl: 0.2 }); // a string: memcached integers expire to the second
      await sleep(450);
      expect(await cache.add('gone', 'two')).toBe(true);
      expect(await cache.get('gone')).toBe('two');
    });

    it('delete and has', async () => {
      const cache = make();
      await cache.set('k', 'v');
      expect(await cache.has('k')).toBe(true);
      expect(await cache.delete('k')).toBe(true);
      expect(await cache.has('k')).toBe(false);
      expect(await cache.delete('k')).toBe(false);
    });

    it('touch gives a new ttl; false when missing', async () => {
      const cache = make();
      await cache.set('k', 'v', { ttl: 1 });
      expect(await cache.touch('k', 10)).toBe(true);
      await sleep(1200);
      expect(await cache.get('k')).toBe('v');
      expect(await cache.touch('k', 0.2)).toBe(true);
      await sleep(450);
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.touch('missing', 10)).toBe(false);
    });

    it('getMany, setMany (object or pairs) and deleteMany', async () => {
      const cache = make();
      expect(await cache.setMany({ a: 1, b: { x: 2 } })).toBe(true);
      expect(await cache.setMany([['c', 'three']], { ttl: 60 })).toBe(true);
      const many = await cache.getMany(['a', 'b', 'c', 'missing']);
      expect([...many.entries()]).toEqual([
        ['a', 1],
        ['b', { x: 2 }],
        ['c', 'three'],
      ]);
      expect(await cache.deleteMany(['a', 'c'])).toBeTypeOf('boolean');
      expect([...(await cache.getMany(['a', 'b', 'c'])).keys()]).toEqual(['b']);
      expect((await cache.getMany([])).size).toBe(0);
    });

    it('clear removes every kind of entry of this cache; writes after it are readable', async () => {
      const cache = make();
      const other = make();
      for (const c of [cache, other]) {
        await c.set('a', 1);
        await c.set('s', 'text', { ttl: 60, grace: 30 });
        await c.set('t', 'tagged', { tags: ['menu'] });
        await c.set('old', 'v', { version: 7 });
        await c.incr('n', 5);
      }
      await cache.clear();
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('s')).toBeUndefined();
      expect(await cache.get('t')).toBeUndefined();
      expect(await cache.get('old', { version: 7 })).toBeUndefined();
      expect((await cache.getMany(['a', 's', 't', 'n'])).size).toBe(0);
      expect(await cache.add('a', 'again')).toBe(true);
      // A counter from before the clear is gone: counting starts again from 0.
      expect(await cache.incr('n')).toBe(1);
      expect(await cache.get('a')).toBe('again');
      await cache.set('t', 'tagged again', { tags: ['menu'] });
      expect(await cache.get('t')).toBe('tagged again');
      await cache.invalidateTags(['menu']);
      expect(await cache.get('t')).toBeUndefined();
      if (options.scopedClear) {
        expect(await other.get('a')).toBe(1);
        expect(await other.get('s')).toBe('text');
        expect(await other.get('t')).toBe('tagged');
        expect(await other.get('old', { version: 7 })).toBe('v');
        expect(await other.incr('n')).toBe(6);
      }
    });

    it('incr and decr: missing counts as 0, set integers count, atomic under concurrency', async () => {
      const cache = make();
      expect(await cache.incr('n')).toBe(1);
      expect(await cache.incr('n', 10)).toBe(11);
      expect(await cache.decr('n', 3)).toBe(8);
      await cache.set('m', 5, { ttl: 60 });
      expect(await cache.incr('m')).toBe(6);
      expect(await cache.get('m')).toBe(6);
      await Promise.all(Array.from({ length: 50 }, () => cache.incr('race')));
      expect(await cache.get('race')).toBe(50);
      if (options.negativeCounters) expect(await cache.decr('neg', 2)).toBe(-2);
    });

    it('incr with ttl creates an expiring counter', async () => {
      const cache = make();
      expect(await cache.incr('hits', 1, { ttl: 0.2 })).toBe(1);
      expect(await cache.incr('hits')).toBe(2); // an existing counter keeps its expiry
      await sleep(2100); // memcached counts whole seconds
      expect(await cache.get('hits')).toBeUndefined();
    });

    it('incr of a non-integer throws ERR_NOT_INTEGER', async () => {
      const cache = make();
      await cache.set('s', 'text');
      await expect(cache.incr('s')).rejects.toMatchObject({ code: 'ERR_NOT_INTEGER' });
    });

    it('versions: keys are per version; incrVersion moves a value', async () => {
      const cache = make();
      await cache.set('k', 'v1');
      await cache.set('k', 'v2', { version: 2 });
      expect(await cache.get('k')).toBe('v1');
      expect(await cache.get('k', { version: 2 })).toBe('v2');
      expect(await cache.incrVersion('k')).toBe(2);
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.get('k', { version: 2 })).toBe('v1');
      expect(await cache.decrVersion('k', 1, { version: 2 })).toBe(1);
      expect(await cache.get('k')).toBe('v1');
      await expect(cache.incrVersion('missing')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
      // The moved entry keeps its ttl and its tags.
      await cache.set('brief', 'b', { ttl: 60, tags: ['moved'] });
      await cache.set('tagged', 't', { tags: ['moved'] });
      expect(await cache.incrVersion('brief')).toBe(2);
      expect(await cache.incrVersion('tagged')).toBe(2);
      expect(await cache.get('brief', { version: 2 })).toBe('b');
      await cache.invalidateTags(['moved']);
      expect(await cache.get('tagged', { version: 2 })).toBeUndefined();
      await cache.set('brief', 'b', { ttl: 1.5, version: 5 });
      expect(await cache.incrVersion('brief', 1, { version: 5 })).toBe(6);
      expect(await cache.get('brief', { version: 6 })).toBe('b');
      await sleep(2600); // past the 1.5 s it kept (memcached expires to the second)
      expect(await cache.get('brief', { version: 6 })).toBeUndefined();
      const v3 = make({ version: 3 });
      await v3.set('x', 1);
      expect(v3.makeKey('x')).toContain(':3:');
    });

    it('keyPrefix isolates caches; keyFunction builds keys', async () => {
      const one = make();
      const two = make();
      await one.set('k', 1);
      expect(await two.get('k')).toBeUndefined();
      const custom = make({ keyFunction: (key, prefix, version) => `${prefix}|${version}|${key.toUpperCase()}` });
      await custom.set('abc', 1);
      expect(custom.makeKey('abc')).toMatch(/\|1\|ABC$/);
      expect(await custom.get('ABC')).toBe(1);
    });

    it('clear removes what a custom keyFunction wrote (the README example); other prefixes keep theirs', async () => {
      // The README's `keyFunction` example: its keys do not start with `keyPrefix:version:`.
      const keyFunction = (key: string, prefix: string, version: number) => `${prefix}/${version}/${key.toLowerCase()}`;
      const prefix = `kf${process.pid}x${++counter}`;
      const cache = make({ keyFunction }, prefix);
      const other = make({ keyFunction });
      const keys = ['User:42', 'with space', 'x'.repeat(300)];
      expect(cache.makeKey('User:42')).toBe(`${prefix}:~${prefix}/1/user:42`);
      for (const c of [cache, other]) {
        for (const [index, key] of keys.entries()) await c.set(key, index);
        await c.set('tagged', 't', { tags: ['menu'] });
        await c.set('old', 'v', { version: 7 });
        await c.incr('n', 5);
      }
      expect(await cache.get('user:42')).toBe(0); // the key function lowercases
      await cache.clear();
      for (const key of [...keys, 'tagged', 'n']) expect(await cache.get(key)).toBeUndefined();
      expect(await cache.get('old', { version: 7 })).toBeUndefined();
      expect(await cache.incr('n')).toBe(1);
      if (options.scopedClear) {
        for (const [index, key] of keys.entries()) expect(await other.get(key)).toBe(index);
        expect(await other.get('tagged')).toBe('t');
        expect(await other.get('old', { version: 7 })).toBe('v');
        expect(await other.incr('n')).toBe(6);
      }
    });

    it('keys memcached would reject are hashed, distinct and round-trip', async () => {
      const cache = make();
      const keys = ['with space', 'tab\there', 'x'.repeat(300), 'y'.repeat(300), 'ünïcödé'.repeat(40), 'new\nline'];
      for (const [index, key] of keys.entries()) await cache.set(key, index);
      for (const [index, key] of keys.entries()) {
        expect(await cache.get(key)).toBe(index);
        const stored = cache.makeKey(key);
        expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(250);
        expect([...stored].some((char) => char.charCodeAt(0) <= 0x20 || char.charCodeAt(0) === 0x7f)).toBe(false);
      }
    });

    it('tags: invalidateTags drops tagged entries only', async () => {
      const cache = make();
      await cache.set('a', 1, { tags: ['users'] });
      await cache.set('b', 2, { tags: ['users', 'posts'] });
      await cache.set('c', 3, { tags: ['posts'] });
      await cache.set('d', 4);
      await cache.invalidateTags(['users', 'never-used']);
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('c')).toBe(3);
      expect(await cache.get('d')).toBe(4);
      expect([...(await cache.getMany(['a', 'b', 'c', 'd'])).keys()]).toEqual(['c', 'd']);
      await cache.set('a', 'again', { tags: ['users'] });
      expect(await cache.get('a')).toBe('again');
    });

    it('tags: an invalidation that lands while getOrSet computes leaves the result invalid', async () => {
      const cache = make();
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started: () => void = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const pending = cache.getOrSet(
        'price',
        async () => {
          started();
          await gate; // the database is read here, before the update below
          return 'old price';
        },
        { ttl: 60, tags: ['product'] },
      );
      await running;
      await cache.invalidateTags(['product']); // the update commits while the factory runs
      release();
      expect(await pending).toBe('old price'); // this caller asked before the update
      expect(await cache.get('price')).toBeUndefined();
      expect(await cache.getOrSet('price', () => 'new price', { ttl: 60, tags: ['product'] })).toBe('new price');
      expect(await cache.get('price')).toBe('new price');
    });

    // Registered only for shared backends: two memory caches never share data.
    if (options.shared) {
      it('tags and writes are seen by another instance on the same backend', async () => {
        const prefix = `shared${process.pid}x${++counter}`;
        const one = make({}, prefix);
        const two = make({}, prefix);
        await Promise.all([one.connect(), two.connect()]);
        await one.set('page', 'html', { tags: ['menu'] });
        expect(await two.get('page')).toBe('html');
        await two.set('post', 'v1');
        expect(await one.get('post')).toBe('v1');
        await two.invalidateTags(['menu']);
        await two.set('post', 'v2');
        // Immediate on a shared backend; eventual (pub/sub) for two-tier L1 copies.
        await vi.waitFor(
          async () => {
            expect(await one.get('page')).toBeUndefined();
            expect(await one.get('post')).toBe('v2');
          },
          { timeout: 10_000, interval: 20 },
        );
        await two.incr('n', 2);
        expect(await one.incr('n', 3)).toBe(5);
      });

      it('clear in one instance clears what every instance of the prefix wrote', async () => {
        const prefix = `clear${process.pid}x${++counter}`;
        const one = make({}, prefix);
        const two = make({}, prefix);
        await two.set('a', 1);
        await two.set('t', 'tagged', { tags: ['menu'] });
        await two.incr('n', 5);
        expect(await one.get('a')).toBe(1); // both instances have used the backend
        await one.clear();
        // Immediate on a shared backend; eventual (pub/sub) for two-tier L1 copies.
        const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 20 });
        await eventually(async () => {
          expect(await two.get('a')).toBeUndefined();
          expect(await two.get('t')).toBeUndefined();
          expect(await two.has('a')).toBe(false);
        });
        expect(await two.incr('n')).toBe(1);
        expect(await one.get('n')).toBe(1);
        // Writes after the clear, from either instance, land where both read.
        await one.set('b', 'from one');
        await eventually(async () => expect(await two.get('b')).toBe('from one'));
        await two.set('b', 'from two');
        await eventually(async () => expect(await one.get('b')).toBe('from two'));
        expect(await two.delete('b')).toBe(true);
        await eventually(async () => expect(await one.get('b')).toBeUndefined());
      });

      it('tags: an entry whose tag version the backend lost (eviction) is never served again', async () => {
        const prefix = `lost${process.pid}x${++counter}`;
        const cache = make({}, prefix);
        const writer = make({}, prefix); // writes here, so `cache` holds no two-tier L1 copy
        await writer.set('a', 1, { tags: ['t'] });
        await writer.invalidateTags(['t']);
        await writer.set('b', 2, { tags: ['t'] });
        expect(await writer.get('b')).toBe(2);
        // Delete the raw tag key, as an evicting backend (maxmemory, memcached LRU) would.
        if (options.evict === undefined) throw new Error('the contract of a shared backend needs `evict`');
        await options.evict(prefix, `${prefix}:tag:t`);
        expect(await cache.get('b')).toBeUndefined();
        await cache.invalidateTags(['t']);
        expect(await cache.get('a')).toBeUndefined();
        expect(await cache.get('b')).toBeUndefined();
        await cache.set('c', 3, { tags: ['t'] });
        expect(await cache.get('c')).toBe(3);
      });
    }

    it('getOrSet runs one factory for concurrent misses and caches its result', async () => {
      const cache = make();
      let calls = 0;
      const factory = async () => {
        calls++;
        await sleep(30);
        return { n: calls };
      };
      const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet('k', factory, { ttl: 60 })));
      expect(calls).toBe(1);
      expect(results.every((r) => r.n === 1)).toBe(true);
      expect(await cache.getOrSet('k', factory)).toEqual({ n: 1 });
      expect(calls).toBe(1);
    });

    it('getOrSet passes a factory error to every waiter and does not cache it', async () => {
      const cache = make();
      let calls = 0;
      const failing = async () => {
        calls++;
        await sleep(10);
        throw new Error('db down');
      };
      const settled = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getOrSet('k', failing)));
      expect(calls).toBe(1);
      expect(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'db down')).toBe(true);
      const syncThrow = () => {
        throw new Error('sync');
      };
      await expect(cache.getOrSet('k', syncThrow)).rejects.toThrow('sync');
      expect(await cache.getOrSet('k', () => 'ok')).toBe('ok');
      expect(await cache.getOrSet('u', () => undefined)).toBeUndefined();
      expect(await cache.has('u')).toBe(false);
    });

    it('grace: serves the stale value while one refresh runs, and keeps it when the refresh fails', async () => {
      const cache = make();
      expect(await cache.getOrSet('k', () => 'v1', { ttl: 0.2, grace: 30 })).toBe('v1');
      await sleep(400);
      expect(await cache.get('k')).toBeUndefined(); // plain get never serves stale
      let refreshes = 0;
      const failing = async () => {
        refreshes++;
        throw new Error('still down');
      };
      expect(await cache.getOrSet('k', failing, { ttl: 0.2, grace: 30 })).toBe('v1');
      await sleep(50);
      expect(refreshes).toBe(1);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = async () => {
        refreshes++;
        await gate;
        return 'v2';
      };
      const stale = await Promise.all([1, 2, 3].map(() => cache.getOrSet('k', slow, { ttl: 60, grace: 30 })));
      expect(stale).toEqual(['v1', 'v1', 'v1']);
      release();
      for (let i = 0; i < 500 && (await cache.get('k')) !== 'v2'; i++) await sleep(20);
      expect(await cache.get('k')).toBe('v2');
      expect(refreshes).toBe(2);
    });

    it('rejects bad input with typed errors', async () => {
      const cache = make();
      await expect(cache.set('k', 1n)).rejects.toMatchObject({ code: 'ERR_NOT_SERIALIZABLE' });
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(cache.set('k', circular)).rejects.toMatchObject({ code: 'ERR_NOT_SERIALIZABLE' });
      await expect(cache.set('k', () => 1)).rejects.toBeInstanceOf(CacheError);
      await expect(cache.set('k', undefined)).rejects.toMatchObject({ code: 'ERR_NOT_SERIALIZABLE' });
      await expect(cache.set('k', Number.NaN)).rejects.toMatchObject({ code: 'ERR_NOT_SERIALIZABLE' });
      await expect(cache.set('k', Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: 'ERR_NOT_SERIALIZABLE' });
      await expect(cache.set('k', 1, { ttl: -1 })).rejects.toThrow(
        'Expected `ttl` to be a non-negative number of seconds, got `-1` (number)',
      );
      await expect(cache.set('k', 1, { ttl: Number.NaN })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.get('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.get(42 as unknown as string)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.incr('k', 1.5)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.set('k', 1, { tags: [''] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.getOrSet('k', 'nope' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.getOrSet('k', () => 1, null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.set('k', 1, 'ttl' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.setMany(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(cache.setMany(5 as never)).rejects.toThrow(
        /Expected `entries` to be an object or \[key, value\] pairs/,
      );
      expect(await cache.get('k')).toBeUndefined();
    });
  });
}
