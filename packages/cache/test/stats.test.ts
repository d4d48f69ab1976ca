/**
 * `cache.stats()` / `resetStats()` (#19) on memory, Redis, Redis + L1 and memcached (real
 * servers): calls, hits, misses and errors per operation, hits and misses per tier, the backend's
 * "known down" state.
 */
import { describe, expect, inject, it, vi } from 'vitest';
import { startMemcached, startRedis } from '../../../scripts/test-services.js';
import {
  type Cache,
  type CacheOperation,
  type CacheOperationStats,
  type CacheOptions,
  type CacheStats,
  createCache,
} from '../src/index.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');
const PATIENT = { timeout: 20_000, interval: 50 };

let counter = 0;
const prefix = () => `stats${process.pid}x${++counter}`;

const backends: Array<[string, string | null, (keyPrefix: string) => CacheOptions]> = [
  ['memory', 'memory://', () => ({})],
  ['redis', redisUrl, () => ({ url: `${redisUrl}/4`, timeout: 5000 })],
  ['redis + L1', redisUrl, () => ({ url: `${redisUrl}/4`, l1: true, timeout: 5000 })],
  ['memcached', memcachedUrl, () => ({ url: memcachedUrl ?? '', timeout: 5000 })],
];

const zero = { calls: 0, hits: 0, misses: 0, errors: 0 };
const counts = (calls: number, hits = 0, misses = 0, errors = 0): CacheOperationStats => ({
  calls,
  hits,
  misses,
  errors,
});

for (const [name, available, options] of backends) {
  describe.runIf(available)(`stats: ${name}`, () => {
    const open: Cache[] = [];
    const make = (keyPrefix = prefix(), extra: CacheOptions = {}) => {
      const cache = createCache({ ...options(keyPrefix), keyPrefix, logger: quietLogger, ...extra });
      open.push(cache);
      return cache;
    };
    const closeAll = () => Promise.all(open.splice(0).map((cache) => cache.close()));

    it('counts calls, hits and misses per operation, and their totals', async () => {
      try {
        const cache = make();
        const before = Date.now();
        cache.resetStats();
        await cache.set('a', 1);
        expect(await cache.get('a')).toBe(1);
        expect(await cache.get('nope')).toBeUndefined();
        expect(await cache.has('a')).toBe(true);
        expect(await cache.has('nope')).toBe(false);
        expect((await cache.getMany(['a', 'nope', 'a2'])).size).toBe(1);
        expect(await cache.getOrSet('c', () => 'C')).toBe('C');
        expect(await cache.getOrSet('c', () => 'never')).toBe('C');
        expect(await cache.delete('a')).toBe(true);
        expect(await cache.delete('a')).toBe(false);
        expect(await cache.add('d', 1)).toBe(true);
        expect(await cache.add('d', 2)).toBe(false);
        expect(await cache.touch('c', 60)).toBe(true);
        expect(await cache.touch('nope', 60)).toBe(false);
        expect(await cache.incr('n', 3)).toBe(3);
        expect(await cache.decr('n')).toBe(2);
        expect(await cache.incrVersion('c')).toBe(2);
        await expect(cache.incrVersion('nope')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
        expect(await cache.setMany({ x: 1, y: 2 })).toBe(true);
        expect(await cache.deleteMany(['x', 'y'])).toBe(true);
        await cache.invalidateTags(['t']);
        await cache.clear();

        const stats = cache.stats();
        const expected: Record<CacheOperation, CacheOperationStats> = {
          get: counts(2, 1, 1),
          getMany: counts(1, 1, 2),
          has: counts(2, 1, 1),
          getOrSet: counts(2, 1, 1),
          set: counts(1),
          setMany: counts(1),
          add: counts(2, 1, 1),
          delete: counts(2, 1, 1),
          deleteMany: counts(1),
          touch: counts(2, 1, 1),
          incr: counts(2), // decr counts as incr
          incrVersion: counts(2, 1, 1),
          clear: counts(1),
          invalidateTags: counts(1),
        };
        expect(stats.operations).toEqual(expected);
        expect(Object.keys(stats.operations)).toEqual(Object.keys(expected));
        expect(stats.totals).toEqual(counts(22, 8, 9));
        expect(stats.since).toBeGreaterThanOrEqual(before);
        expect(stats.since).toBeLessThanOrEqual(Date.now());
        expect(stats.backend).toEqual({ name: cache.backendInfo.name, down: false, downSince: null });
        expect(stats.tiers.l1 === null).toBe(name !== 'redis + L1');
        expect(stats.tiers.l2.errors).toBe(0);
        // A plain snapshot: it survives JSON and changing it changes nothing in the cache.
        expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
        stats.operations.get.hits = 1000;
        expect(cache.stats().operations.get.hits).toBe(1);
      } finally {
        await closeAll();
      }
    });

    it('resetStats() zeroes every counter and restarts since', async () => {
      try {
        const cache = make();
        await cache.set('k', 'v');
        await cache.get('k');
        await cache.get('other');
        const first = cache.stats();
        expect(first.totals.calls).toBe(3);
        await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(first.since));
        cache.resetStats();
        const reset = cache.stats();
        expect(reset.since).toBeGreaterThan(first.since);
        expect(reset.totals).toEqual(zero);
        for (const op of Object.keys(reset.operations) as CacheOperation[]) expect(reset.operations[op]).toEqual(zero);
        expect(reset.tiers.l2).toEqual({ hits: 0, misses: 0, errors: 0 });
        if (reset.tiers.l1 !== null) expect(reset.tiers.l1).toEqual({ hits: 0, misses: 0, errors: 0 });
        expect(await cache.get('k')).toBe('v');
        expect(cache.stats().operations.get).toEqual(counts(1, 1, 0));
      } finally {
        await closeAll();
      }
    });

    it('counts every key read per tier: L1 copies first, then the backend', async () => {
      try {
        const keyPrefix = prefix();
        const cache = make(keyPrefix);
        // Written by a cache without L1 (it publishes nothing): `cache` holds no copy of it yet.
        // A memory cache is its own backend: it writes for itself.
        const writer = name === 'memory' ? cache : make(keyPrefix, name === 'redis + L1' ? { l1: false } : {});
        await writer.set('w', 'written');
        await writer.set('tagged', 'old', { tags: ['tier'] });
        await writer.invalidateTags(['tier']);
        cache.resetStats();
        expect(await cache.get('w')).toBe('written');
        expect(await cache.get('w')).toBe('written');
        expect(await cache.get('absent')).toBeUndefined();
        expect((await cache.getMany(['w', 'absent'])).size).toBe(1);
        const { tiers } = cache.stats();
        if (name === 'redis + L1') {
          // The first read of `w` fills L1; every later read of it is an L1 hit.
          expect(tiers).toEqual({ l1: { hits: 2, misses: 3, errors: 0 }, l2: { hits: 1, misses: 2, errors: 0 } });
        } else {
          expect(tiers).toEqual({ l1: null, l2: { hits: 3, misses: 2, errors: 0 } });
        }
        // An entry whose tag was invalidated is a miss of the tier that holds it.
        cache.resetStats();
        expect(await cache.get('tagged')).toBeUndefined();
        expect(cache.stats().tiers.l2).toEqual({ hits: 0, misses: 1, errors: 0 });
      } finally {
        await closeAll();
      }
    });
  });
}

describe('stats: errors and the known-down backend', () => {
  const servers: Array<[string, boolean, typeof startRedis, (port: number) => CacheOptions]> = [
    ['redis', redisUrl !== null, startRedis, (port) => ({ url: `redis://127.0.0.1:${port}` })],
    ['redis + L1', redisUrl !== null, startRedis, (port) => ({ url: `redis://127.0.0.1:${port}`, l1: true })],
    ['memcached', memcachedUrl !== null, startMemcached, (port) => ({ url: `memcached://127.0.0.1:${port}` })],
  ];
  for (const [name, available, start, options] of servers) {
    it.runIf(available)(
      `${name}: failures count per operation and against the backend tier; down while unreachable`,
      async () => {
        let server = await start();
        const cache = createCache({ ...options(server.port), keyPrefix: prefix(), logger: quietLogger, timeout: 5000 });
        const events: unknown[] = [];
        cache.on('error', (error) => events.push(error));
        try {
          await cache.set('k', 'v');
          expect(cache.stats().backend.down).toBe(false);
          await server.stop();
          const killedAt = Date.now();
          expect(await cache.get('absent')).toBeUndefined();
          expect(await cache.set('k', 'w')).toBe(false);
          await expect(cache.incr('n')).rejects.toMatchObject({ code: 'ERR_BACKEND' });
          const down: CacheStats = cache.stats();
          expect(down.backend.down).toBe(true);
          expect(down.backend.downSince).toBeGreaterThanOrEqual(killedAt - 1000);
          expect(down.operations.get).toEqual(counts(1, 0, 1, 1));
          expect(down.operations.set).toEqual(counts(2, 0, 0, 1));
          expect(down.operations.incr).toEqual(counts(1, 0, 0, 1));
          expect(down.totals.errors).toBe(3);
          expect(down.tiers.l2.errors).toBe(3);
          expect(events).toHaveLength(3);
          server = await start(server.port);
          await vi.waitFor(
            () => expect(cache.stats().backend).toMatchObject({ down: false, downSince: null }),
            PATIENT,
          );
          await vi.waitFor(async () => expect(await cache.set('k', 'back')).toBe(true), PATIENT);
        } finally {
          await cache.close();
          await server.stop();
        }
      },
      60_000,
    );
  }

  it.runIf(memcachedUrl)(
    'a value too large for the backend is an error of the operation, not of the tier',
    async () => {
      const cache = createCache({ url: memcachedUrl ?? '', keyPrefix: prefix(), logger: quietLogger, timeout: 5000 });
      try {
        expect(await cache.set('huge', 'x'.repeat(2 * 1024 * 1024))).toBe(false);
        const stats = cache.stats();
        expect(stats.operations.set).toEqual(counts(1, 0, 0, 1));
        expect(stats.tiers.l2.errors).toBe(0);
        expect(stats.backend.down).toBe(false);
      } finally {
        await cache.close();
      }
    },
  );

  it('a memory cache is never down', () => {
    const cache = createCache({ logger: quietLogger });
    expect(cache.stats().backend).toEqual({ name: '@adv/cache:memory', down: false, downSince: null });
  });
});
