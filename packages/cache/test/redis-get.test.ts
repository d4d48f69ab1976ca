/**
 * The Redis get path of #18 on a real server: `GET` goes out through node-redis' `sendCommand`,
 * the answer is decoded inside the deadline's own step (no L1), `get`/`has` recover with one
 * `then`, and `makeKey` builds default keys without calling the key function. Each result must
 * be what the general path gives: hits, misses (a `null` reply), bare integers, tags, and a
 * timed-out call's typed error on a frozen server.
 */
import { createClient } from '@keyv/redis';
import { describe, expect, inject, it } from 'vitest';
import { startRedis } from '../../../scripts/test-services.js';
import { type CacheDriver, CacheError, createCache, defaultKeyFunction } from '../src/index.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('redis get path', () => {
  const url = `${redisUrl}/4`;

  it('hit, miss (null reply), bare integer, stale and tag-invalidated entries, counted per operation and tier', async () => {
    const cache = createCache({ url, keyPrefix: `rg${process.pid}`, logger: quietLogger, timeout: 5000 });
    try {
      await cache.set('object', { a: [1, 'two'], b: null });
      await cache.set('count', 41);
      await cache.incr('count');
      await cache.set('tagged', 'v', { tags: ['t'] });
      expect(await cache.get('object')).toEqual({ a: [1, 'two'], b: null });
      expect(await cache.get('absent')).toBeUndefined();
      expect(await cache.get('count')).toBe(42);
      expect(await cache.get('tagged')).toBe('v');
      expect(await cache.has('object')).toBe(true);
      expect(await cache.has('absent')).toBe(false);
      await cache.invalidateTags(['t']);
      expect(await cache.get('tagged')).toBeUndefined();
      // Stored by another client: not JSON of ours, so a miss (never a throw).
      const raw = createClient({ url });
      await raw.connect();
      await raw.set(cache.makeKey('garbage'), '{not json');
      // Past its freshness, within grace: the backend holds it (an L2 hit), `get` does not serve it.
      await raw.set(cache.makeKey('stale'), JSON.stringify({ v: 1, f: Date.now() - 1000 }));
      await raw.close();
      expect(await cache.get('garbage')).toBeUndefined();
      expect(await cache.get('stale')).toBeUndefined();
      const stats = cache.stats();
      expect(stats.operations.get).toEqual({ calls: 7, hits: 3, misses: 4, errors: 0 });
      expect(stats.operations.has).toEqual({ calls: 2, hits: 1, misses: 1, errors: 0 });
      expect(stats.tiers.l2).toEqual({ hits: 5, misses: 4, errors: 0 });
      // Each get returns objects of its own.
      const first = (await cache.get<{ a: unknown[] }>('object')) as { a: unknown[] };
      first.a.push('changed');
      expect(await cache.get('object')).toEqual({ a: [1, 'two'], b: null });
    } finally {
      await cache.clear();
      await cache.close();
    }
  });

  it('a get with no answer within `timeout` fails with the same typed error and marks the backend down', async () => {
    const server = await startRedis();
    const events: CacheError[] = [];
    // The calls before the freeze must be answered within it too: a short timeout fails a live
    // call whenever a busy machine stalls this process's event loop past it.
    const strict = createCache({ url: server.url, onError: 'throw', logger: quietLogger, timeout: 5000 });
    const log = createCache({ url: server.url, logger: quietLogger, timeout: 5000 });
    log.on('error', (error) => events.push(error));
    try {
      await strict.set('k', 'before');
      expect(await strict.get('k')).toBe('before');
      expect(await log.get('k')).toBe('before');
      server.process.kill('SIGSTOP');
      // Both wait out their own timeout (each cache has its own "known down" state): together.
      const [failure, logged] = await Promise.all([
        strict.get('k').then(
          () => undefined,
          (error: CacheError) => error,
        ),
        log.get('k'),
      ]);
      expect(failure).toMatchObject({ name: 'CacheError', code: 'ERR_BACKEND' });
      expect(failure?.message).toMatch(/failed during `get` of `.*k`: no answer within 5000 ms/);
      expect((failure?.cause as Error | undefined)?.message).toBe('no answer within 5000 ms');
      expect(strict.stats().backend.down).toBe(true);
      // onError 'log': a miss, and the same error as an event.
      expect(logged).toBeUndefined();
      expect(events[0]).toMatchObject({ code: 'ERR_BACKEND' });
      expect(events[0]?.message).toMatch(/no answer within 5000 ms/);
      expect(log.stats().operations.get).toMatchObject({ misses: 1, errors: 1 });
      // Known down: the next call fails at once with the breaker's error (a miss and an event with 'log').
      await expect(strict.get('k')).rejects.toMatchObject({ code: 'ERR_BACKEND', message: /unreachable since/ });
      expect(await log.has('k')).toBe(false);
      expect(await log.get('k')).toBeUndefined();
      expect(events.slice(1).map((event) => event.message)).toEqual([
        expect.stringMatching(/unreachable since/),
        expect.stringMatching(/unreachable since/),
      ]);
      expect(log.stats().operations.get).toMatchObject({ calls: 3, misses: 2, errors: 2 });
      expect(log.stats().operations.has).toMatchObject({ calls: 1, misses: 1, errors: 1 });
    } finally {
      server.process.kill('SIGCONT');
      await Promise.all([strict.close(), log.close()]);
      await server.stop();
    }
  }, 60_000);

  it('a get after close() rejects with ERR_CLOSED', async () => {
    const cache = createCache({ url, logger: quietLogger });
    await cache.close();
    await expect(cache.get('k')).rejects.toMatchObject({
      code: 'ERR_CLOSED',
      message: 'Cannot `get`: the cache was closed',
    });
    await expect(cache.has('k')).rejects.toMatchObject({
      code: 'ERR_CLOSED',
      message: 'Cannot `has`: the cache was closed',
    });
  });
});

describe('get on a driver whose module failed to load', () => {
  it('every get and has rejects with the load error, and no rejection is left unhandled', async () => {
    const missing = new CacheError('ERR_MISSING_PEER', 'The Redis backend needs the package `@keyv/redis`');
    const refuse = () => Promise.reject(missing);
    // As the lazy driver behaves once its import failed: `loading()` is a new rejection per call.
    const driver: CacheDriver = {
      kind: 'redis',
      open: () => ({
        kind: 'redis',
        shared: true,
        keyv: { get: refuse, getMany: refuse, set: refuse, setMany: refuse, delete: refuse, deleteMany: refuse },
        nativeTtl: true,
        maxValueBytes: 1024,
        loading: () => Promise.reject(missing),
        add: refuse,
        incr: refuse,
        clear: refuse,
        ping: refuse,
        close: async () => {},
      }),
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const cache = createCache({ driver, logger: quietLogger });
      for (let i = 0; i < 3; i++) {
        await expect(cache.get('k')).rejects.toBe(missing);
        await expect(cache.has('k')).rejects.toBe(missing);
      }
      expect(cache.stats().operations.get).toMatchObject({ calls: 3, errors: 0 });
      // Unhandled rejections are reported after a macrotask turn.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      await cache.close();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('makeKey on the default key function', () => {
  // The fast path (no keyFunction call) against the general one (an equal function that is not
  // the default one, so makeKey calls it): the same key for every input.
  const fast = createCache({ keyPrefix: 'app', version: 3 });
  const general = createCache({ keyPrefix: 'app', version: 3, keyFunction: (k, p, v) => defaultKeyFunction(k, p, v) });
  const keys = ['k', 'user:42', 'with space', 'tab\there', 'ünïcödé', '€'.repeat(90), 'x'.repeat(300), '__proto__'];

  it('builds the same stored key as the general path', () => {
    for (const key of keys) {
      for (const version of [undefined, 3, 4, -1]) {
        expect(fast.makeKey(key, version)).toBe(general.makeKey(key, version));
      }
    }
    expect(fast.makeKey('k')).toBe('app:3:k');
    expect(fast.makeKey('with space')).toMatch(/^app:3:#[0-9a-f]{64}$/);
  });

  it('refuses the same bad arguments', () => {
    for (const [key, version] of [
      ['', undefined],
      [42, undefined],
      ['k', 1.5],
      ['k', '3'],
    ] as Array<[unknown, unknown]>) {
      const error = (cache: typeof fast) => {
        try {
          cache.makeKey(key as string, version as number);
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      };
      expect(error(fast)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      expect(String(error(fast))).toBe(String(error(general)));
    }
  });
});
