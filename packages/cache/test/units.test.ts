import { describe, expect, it } from 'vitest';
import { memcachedExpires } from '../src/drivers/memcached.js';
import { CACHE_DEFAULTS, CacheError, createCache, isSafeKey, LruStore } from '../src/index.js';
import { decodeEntry, encodeEntry } from '../src/payload.js';
import { L1 } from '../src/two-tier.js';
import { quietLogger } from './helpers.js';

describe('LruStore', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const store = new LruStore(3);
    store.set('a', '1');
    store.set('b', '2');
    store.set('c', '3');
    store.get('a');
    store.set('d', '4');
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBe('1');
    store.set('e', '5');
    expect(store.get('c')).toBeUndefined();
    expect(store.get('a')).toBe('1');
    expect(store.size).toBe(3);
  });

  it('keeps the LRU order when a read of the newest key skips the move', () => {
    const store = new LruStore(3);
    const order = () => [...store.keys()];
    store.set('a', '1');
    store.set('b', '2');
    expect(store.get('b')).toBe('2'); // already the newest: no move
    expect(order()).toEqual(['a', 'b']);
    expect(store.get('a')).toBe('1');
    expect(store.get('a')).toBe('1');
    expect(order()).toEqual(['b', 'a']);
    // The newest key deleted, then written again: it is the newest once more.
    store.delete('a');
    store.set('c', '3');
    expect(store.get('b')).toBe('2');
    expect(order()).toEqual(['c', 'b']);
    store.set('a', '4');
    expect(order()).toEqual(['c', 'b', 'a']);
    expect(store.get('c')).toBe('3');
    store.set('d', '5'); // evicts b, the least recently used
    expect(order()).toEqual(['a', 'c', 'd']);
    // A write makes its key the newest, so a read of the key read before it moves that one.
    store.clear();
    store.set('x', '1');
    expect(store.get('x')).toBe('1');
    store.set('d', '2');
    expect(store.get('x')).toBe('1');
    expect(order()).toEqual(['d', 'x']);
  });

  it('expires entries after their ttl in ms', async () => {
    const store = new LruStore(10);
    store.set('a', '1', 20);
    store.set('b', '2');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.get('a')).toBeUndefined();
    expect(store.peek('b')?.value).toBe('2');
  });

  it('is a Map of live strings: iteration, has and forEach skip expired entries and keep the LRU order', () => {
    const store = new LruStore(10);
    expect(store).toBeInstanceOf(Map);
    expect(store.set('a', '1')).toBe(store);
    store.set('gone', 'x', 1);
    store.set('b', '2');
    store.setUntil('old', 'y', Date.now() - 1);
    expect(store.has('a')).toBe(true);
    expect(store.has('old')).toBe(false);
    // `gone` expires after 1 ms: wait on the clock, not on a timer.
    const start = Date.now();
    while (Date.now() - start < 3);
    expect([...store]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(store.size).toBe(2); // iteration dropped the expired entries
    store.get('a');
    expect([...store.keys()]).toEqual(['b', 'a']);
    expect([...store.values()]).toEqual(['2', '1']);
    expect([...store.entries()]).toEqual([
      ['b', '2'],
      ['a', '1'],
    ]);
    const seen: string[] = [];
    store.forEach((value, key, map) => {
      seen.push(`${key}=${value}:${map === store}`);
    });
    expect(seen).toEqual(['b=2:true', 'a=1:true']);
    expect([...store.keys()]).toEqual(['b', 'a']); // iterating refreshed nothing
  });

  it('counts tag versions in maxEntries: an evicted version invalidates its entries', async () => {
    const cache = createCache({ maxEntries: 3 });
    await cache.set('a', 1, { tags: ['t'] }); // stores the tag version, then `a`
    expect(await cache.get('a')).toBe(1);
    await cache.set('b', 2);
    await cache.set('c', 3); // the least recently used is the tag version: evicted
    expect(await cache.get('a')).toBeUndefined();
    expect([...(await cache.getMany(['a', 'b', 'c'])).keys()]).toEqual(['b', 'c']);
    for (let i = 0; i < 50; i++) await cache.set(`k${i}`, i, { tags: [`tag${i}`] });
    expect((await cache.getMany(Array.from({ length: 50 }, (_, i) => `k${i}`))).size).toBeLessThanOrEqual(3);
  });

  it('is what createCache uses: maxEntries bounds the memory cache', async () => {
    const cache = createCache({ maxEntries: 2 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect([...(await cache.getMany(['a', 'b', 'c'])).keys()]).toEqual(['b', 'c']);
  });
});

describe('keys and payloads', () => {
  it('knows which keys memcached rejects', () => {
    expect(isSafeKey('adv:1:user:42')).toBe(true);
    expect(isSafeKey('a b')).toBe(false);
    expect(isSafeKey('a\u0001')).toBe(false);
    expect(isSafeKey('x'.repeat(250))).toBe(true);
    expect(isSafeKey('x'.repeat(251))).toBe(false);
    expect(isSafeKey('é'.repeat(126))).toBe(false);
  });

  it('keeps the prefix of hashed keys so clear() still finds them', () => {
    const cache = createCache({ keyPrefix: 'shop' });
    expect(cache.makeKey('has space')).toMatch(/^shop:1:#[0-9a-f]{64}$/);
    expect(cache.makeKey('has space', 2)).toMatch(/^shop:2:#/);
  });

  it('scopes every keyFunction result under `keyPrefix:` so clear() finds it, keeping distinct keys distinct', () => {
    const results: Record<string, string> = {
      a: 'shop:1:a', // the default form: kept as it is
      b: 'b', // no prefix at all
      c: 'shop/1/c', // the README example's form
      d: 'shop:tag:menu', // would have been the tag version's key
      e: 'shop:generation', // would have been memcached's namespace generation
      f: 'shop:2:f', // another version's head
      g: 'shop:~b', // what `b` becomes
      h: 'no space allowed',
    };
    const cache = createCache({ keyPrefix: 'shop', keyFunction: (key) => results[key] ?? key });
    expect(cache.makeKey('a')).toBe('shop:1:a');
    expect(cache.makeKey('b')).toBe('shop:~b');
    expect(cache.makeKey('c')).toBe('shop:~shop/1/c');
    expect(cache.makeKey('d')).toBe('shop:~shop:tag:menu');
    expect(cache.makeKey('e')).toBe('shop:~shop:generation');
    expect(cache.makeKey('f')).toBe('shop:~shop:2:f');
    expect(cache.makeKey('f', 2)).toBe('shop:2:f');
    expect(cache.makeKey('g')).toBe('shop:~shop:~b');
    expect(cache.makeKey('h')).toMatch(/^shop:~#[0-9a-f]{64}$/);
    const stored = Object.keys(results).map((key) => cache.makeKey(key));
    expect(new Set(stored).size).toBe(stored.length);
    for (const key of stored) expect(key.startsWith('shop:')).toBe(true);
  });

  it('stores plain integers bare (so INCRBY works) and everything else as JSON', () => {
    expect(encodeEntry({ v: 5 }, true)).toBe('5');
    expect(encodeEntry({ v: 5 }, false)).toBe('{"v":5}');
    expect(encodeEntry({ v: 5, f: 1 }, true)).toBe('{"v":5,"f":1}');
    expect(decodeEntry('-12')).toEqual({ v: -12 });
    expect(decodeEntry('not json')).toBeUndefined();
    expect(decodeEntry(undefined)).toBeUndefined();
  });

  it('sends memcached whole seconds, one more than the ttl, and a Unix time past 30 days', () => {
    expect(memcachedExpires(undefined)).toBe(0);
    expect(memcachedExpires(200)).toBe(2);
    expect(memcachedExpires(60_000)).toBe(61);
    expect(memcachedExpires(30 * 86_400_000 - 1000)).toBe(30 * 86_400);
    const now = 1_700_000_000_500;
    expect(memcachedExpires(30 * 86_400_000, now)).toBe(1_700_000_001 + 30 * 86_400);
    expect(memcachedExpires(31 * 86_400_000, now)).toBe(1_700_000_001 + 31 * 86_400);
    expect(memcachedExpires(200 * 365 * 86_400_000, now)).toBe(0); // past 2106: never
  });
});

describe('createCache options', () => {
  it('has Django-like defaults in one exported constant', () => {
    expect(CACHE_DEFAULTS).toMatchObject({ keyPrefix: 'adv', version: 1, defaultTtl: 0, onError: 'log' });
    expect(createCache().backendInfo).toEqual({ name: '@adv/cache:memory', sharedAcrossProcesses: false });
  });

  it('accepts any keyv store', async () => {
    const cache = createCache({ store: new Map(), shared: true });
    expect(cache.backendInfo).toEqual({ name: '@adv/cache:keyv', sharedAcrossProcesses: true });
    await cache.set('k', { a: 1 }, { ttl: 0.5 });
    expect(await cache.get('k')).toEqual({ a: 1 });
    expect(await cache.incr('n', 2)).toBe(2);
    expect(await cache.add('n', 5)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await cache.get('k')).toBeUndefined();
  });

  it.each([
    [{ url: 'http://x' }, /Expected `url` to be a `memory:\/\/`/],
    [{ url: 'memory://', store: 'memory' as const }, /Expected `store` to be absent when `url` is given/],
    [{ store: 42 as never }, /Expected `store` to be `'memory'` or a keyv store adapter, got `42` \(number\)/],
    [{ defaultTtl: -5 }, 'Expected `defaultTtl` to be a non-negative number of seconds, got `-5` (number)'],
    [{ version: 1.5 }, 'Expected `version` to be an integer, got `1.5` (number)'],
    [{ maxEntries: 0 }, 'Expected `maxEntries` to be an integer from 1 and up, got `0` (number)'],
    [{ onError: 'ignore' as never }, 'Expected `onError` to be one of `log`, `throw`, got `ignore` (string)'],
    [{ keyFunction: 'x' as never }, 'Expected `keyFunction` to be a function'],
    [{ timeout: -1 }, /Expected `timeout` to be an integer from 1 and up/],
    [{ logger: {} as never }, /Expected `logger` to be a logger with `warn`/],
    [{ keyPrefix: 3 as never }, /Expected `keyPrefix` to be a string/],
    [{ keyPrefix: 'my app' }, /Expected `keyPrefix` to be at most 100 characters without spaces/],
    [{ keyPrefix: 'x'.repeat(101) }, /Expected `keyPrefix` to be at most 100 characters/],
  ])('rejects %o', (options, message) => {
    let caught: unknown;
    try {
      createCache(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CacheError);
    expect((caught as CacheError).code).toBe('ERR_INVALID_OPTION');
    expect((caught as CacheError).message).toMatch(message);
  });

  it('rejects a keyFunction that returns no string', async () => {
    const cache = createCache({ keyFunction: () => 42 as never });
    await expect(cache.get('k')).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: 'Expected `keyFunction` to return a non-empty string, got `42` (number)',
    });
  });

  it('rejects a bad event name and closed use', async () => {
    const cache = createCache();
    expect(() => cache.on('nope' as never, () => {})).toThrow(CacheError);
    await cache.close();
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(cache.incr('k')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(cache.set('k', 1)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
});

describe('two-tier L1', () => {
  /** An in-memory bus standing in for Redis pub/sub. */
  function fakeBus() {
    const listeners = new Map<string, Array<(message: string) => void>>();
    return {
      async publish(channel: string, message: string) {
        for (const listener of listeners.get(channel) ?? []) listener(message);
      },
      async subscribe(channel: string, listener: (message: string) => void) {
        listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      },
    };
  }

  it('drops a copy read before an invalidation that lands while the read is under way', async () => {
    const bus = fakeBus();
    const options = { maxEntries: 10, ttl: 60, bus, channel: 'inv', logger: quietLogger };
    const here = new L1(options);
    const there = new L1(options);
    await Promise.all([here.subscribe(), there.subscribe()]);
    const since = here.epoch; // a read starts: the backend answers with the old value...
    there.invalidate(['k']); // ...while another process writes `k`
    here.keep('k', '{"v":"old"}', undefined, since);
    expect(here.get('k')).toBeUndefined();
    here.keep('k', '{"v":"new"}', undefined, here.epoch);
    expect(here.get('k')).toBe('{"v":"new"}');
    here.keep('n', '7', undefined, here.epoch); // bare counters are never kept
    expect(here.get('n')).toBeUndefined();
  });
});
