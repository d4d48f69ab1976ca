/**
 * The memory backend's synchronous read (#18): `get` on an in-process store reads the entry and
 * its tag versions without keyv's promises. A fast path is still a path: the same answers and
 * counts as the keyv read it replaces.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCache } from '../src/index.js';
import { quietLogger } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('memory get (synchronous store read)', () => {
  it('sees a tag invalidated after the entry was written', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.set('page', { html: 'v1' }, { tags: ['articles'] });
    expect(await cache.get('page')).toEqual({ html: 'v1' });
    await cache.invalidateTags(['articles']);
    expect(await cache.get('page')).toBeUndefined();
    await cache.set('page', { html: 'v2' }, { tags: ['articles'] });
    expect(await cache.get('page')).toEqual({ html: 'v2' });
  });

  it('treats an evicted tag version as an invalidation', async () => {
    // Two entries: the tag's version is the least recently used, so a third write evicts it.
    const cache = createCache({ logger: quietLogger, maxEntries: 2 });
    await cache.set('a', 1, { tags: ['t'] });
    expect(await cache.get('a')).toBe(1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(await cache.get('a')).toBeUndefined();
  });

  it('misses an entry past its ttl and returns a copy callers may change', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = createCache({ logger: quietLogger });
    await cache.set('k', { list: [1] }, { ttl: 10 });
    const first = await cache.get<{ list: number[] }>('k');
    first?.list.push(2);
    expect(await cache.get('k')).toEqual({ list: [1] });
    vi.setSystemTime(Date.now() + 11_000);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('counts hits and misses of the store tier as the keyv read did', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.set('k', 1, { tags: ['t'] });
    await cache.get('k');
    await cache.get('absent');
    await cache.invalidateTags(['t']);
    await cache.get('k');
    const stats = cache.stats();
    expect(stats.operations.get).toMatchObject({ calls: 3, hits: 1, misses: 2 });
    expect(stats.tiers).toMatchObject({ l1: null, l2: { hits: 1, misses: 2 } });
  });

  it('has agrees with get, and a closed cache still rejects with ERR_CLOSED', async () => {
    const cache = createCache({ logger: quietLogger });
    await cache.set('k', 1, { tags: ['t'] });
    expect(await cache.has('k')).toBe(true);
    await cache.invalidateTags(['t']);
    expect(await cache.has('k')).toBe(false);
    await cache.close();
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  it('rejects (does not throw) on a bad key, as before', async () => {
    const cache = createCache({ logger: quietLogger });
    const result = cache.get('');
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ name: 'CacheError' });
  });
});
