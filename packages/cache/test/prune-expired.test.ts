import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { createCache } from '../src/index.js';
import { LruStore } from '../src/lru-store.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');

afterEach(() => {
  vi.useRealTimers();
});

describe('pruneExpired', () => {
  it('frees expired entries of the LRU store and keeps live and ttl-less ones', () => {
    // The clock stands still: a stall between the writes and \`now\` cannot move the expiries.
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new LruStore(10);
    store.set('short', 'a', 1_000);
    store.set('long', 'b', 60_000);
    store.set('forever', 'c');
    const now = Date.now();
    expect(store.pruneExpired(now + 500)).toBe(0);
    expect(store.pruneExpired(now + 2_000)).toBe(1);
    expect(store.size).toBe(2);
    expect(store.get('long')).toBe('b');
    expect(store.get('forever')).toBe('c');
  });

  it('drops memory entries only once their ttl and grace have run out', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = createCache({ logger: quietLogger });
    await cache.set('plain', 1, { ttl: 1 });
    await cache.set('graced', 2, { ttl: 1, grace: 10 });
    await cache.set('forever', 3);
    await cache.set('counter', 0, { ttl: 5 });
    await cache.incr('counter');
    vi.advanceTimersByTime(2_000);
    expect(cache.pruneExpired()).toBe(1); // plain; graced stays for getOrSet to serve stale
    vi.advanceTimersByTime(10_000);
    expect(cache.pruneExpired()).toBe(2); // graced and counter
    expect(await cache.get('forever')).toBe(3);
    expect(await cache.get('counter')).toBeUndefined();
    expect(cache.pruneExpired()).toBe(0);
    await cache.close();
  });

  it.runIf(redisUrl)('returns 0 on Redis, which expires keys itself, and prunes the two-tier L1', async () => {
    const redis = createCache({
      url: `${redisUrl}/3`,
      keyPrefix: `prune${process.pid}`,
      logger: quietLogger,
      timeout: 5000,
    });
    await redis.set('k', 1, { ttl: 60 });
    expect(redis.pruneExpired()).toBe(0);
    await redis.close();

    const tiered = createCache({
      url: `${redisUrl}/3`,
      keyPrefix: `prune-l1-${process.pid}`,
      l1: { ttl: 1 },
      logger: quietLogger,
      timeout: 5000,
    });
    await tiered.connect();
    await tiered.set('k', { v: 1 }, { ttl: 60 });
    expect(await tiered.get('k')).toEqual({ v: 1 }); // copied into L1 for 1 s
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.advanceTimersByTime(1_500);
    expect(tiered.pruneExpired()).toBe(1);
    vi.useRealTimers();
    expect(await tiered.get('k')).toEqual({ v: 1 }); // still in Redis
    await tiered.close();
  });
});
