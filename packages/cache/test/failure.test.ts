import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { freePort, type RunningService, startMemcached, startRedis } from '../../../scripts/test-services.js';
import { type Cache, type CacheError, createCache } from '../src/index.js';
import { recordingLogger } from './helpers.js';

const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');

describe.runIf(redisUrl)('a Redis that goes down mid-test', () => {
  let redis: RunningService;
  const caches: Cache[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    await redis.stop();
  });

  it('falls through by default (log + error event), throws with onError: "throw", and recovers after a restart', async () => {
    const logger = recordingLogger();
    const falling = createCache({ url: redis.url, keyPrefix: 'down', logger, timeout: 2000 });
    const throwing = createCache({ url: redis.url, keyPrefix: 'down', logger, onError: 'throw', timeout: 2000 });
    caches.push(falling, throwing);
    const events: CacheError[] = [];
    falling.on('error', (error) => events.push(error));
    await falling.set('k', 'v');
    await throwing.connect();
    expect(await throwing.get('k')).toBe('v');

    await redis.stop();
    expect(await falling.get('k')).toBeUndefined();
    expect(await falling.set('k', 'w')).toBe(false);
    expect(await falling.getOrSet('k', () => 'from factory')).toBe('from factory');
    expect(await falling.getMany(['k'])).toEqual(new Map());
    await falling.invalidateTags(['t']);
    await expect(falling.incr('n')).rejects.toMatchObject({ code: 'ERR_BACKEND' });
    await expect(throwing.get('k')).rejects.toMatchObject({ name: 'CacheError', code: 'ERR_BACKEND' });
    await expect(throwing.getOrSet('k', () => 'x')).rejects.toMatchObject({ code: 'ERR_BACKEND' });
    await expect(falling.readinessCheck().check(AbortSignal.timeout(3000))).rejects.toBeDefined();
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(events.every((error) => error.code === 'ERR_BACKEND' && error.cause !== undefined)).toBe(true);
    expect(logger.warnings.length).toBeGreaterThanOrEqual(5);

    redis = await startRedis(redis.port);
    await vi.waitFor(
      async () => {
        expect(await falling.set('k', 'back')).toBe(true);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(await falling.get('k')).toBe('back');
    // Each client reconnects on its own backoff (up to 2 s apart).
    await vi.waitFor(async () => expect(await throwing.get('k')).toBe('back'), { timeout: 15_000, interval: 200 });
  }, 40_000);

  it('times out a backend that never answers, instead of hanging', async () => {
    const cache = createCache({
      url: 'redis://127.0.0.1:9',
      keyPrefix: 'never',
      logger: recordingLogger(),
      timeout: 300,
    });
    caches.push(cache);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getOrSet('k', () => 1)).toBe(1);
  }, 20_000);
});

describe.runIf(redisUrl)('two-tier after Redis restarts', () => {
  it('drops every L1 copy once the invalidation subscription is back (messages were lost meanwhile)', async () => {
    let redis = await startRedis();
    const options = { url: redis.url, keyPrefix: 'resync', l1: true, logger: recordingLogger(), timeout: 2000 };
    const reader = createCache(options);
    const writer = createCache(options);
    const plain = createCache({ ...options, l1: false }); // writes behind L1's back (publishes nothing)
    try {
      await Promise.all([reader.connect(), writer.connect()]);
      await plain.set('x', 'v1');
      expect(await reader.get('x')).toBe('v1');
      await plain.set('x', 'behind');
      expect(await reader.get('x')).toBe('v1'); // so it is in reader's L1 (ttl 60 s)
      await redis.stop();
      redis = await startRedis(redis.port); // empty: `x` is gone from Redis
      await vi.waitFor(async () => expect(await reader.get('x')).toBeUndefined(), { timeout: 15_000, interval: 100 });
      // The subscription works again: a write elsewhere still reaches reader's L1.
      await vi.waitFor(async () => expect(await writer.set('y', 'w1')).toBe(true), { timeout: 15_000, interval: 100 });
      expect(await reader.get('y')).toBe('w1');
      await writer.set('y', 'w2');
      await vi.waitFor(async () => expect(await reader.get('y')).toBe('w2'), { timeout: 10_000, interval: 20 });
    } finally {
      await Promise.all([reader.close(), writer.close(), plain.close()]);
      await redis.stop();
    }
  }, 45_000);
});

describe.runIf(memcachedUrl)('memcached limits', () => {
  it('refuses a value over 1 MiB before sending it: false + error event, or a throw', async () => {
    const cache = createCache({ url: memcachedUrl ?? '', keyPrefix: 'big', logger: recordingLogger(), timeout: 5000 });
    const strict = createCache({ url: memcachedUrl ?? '', keyPrefix: 'big', onError: 'throw', timeout: 5000 });
    try {
      const events: CacheError[] = [];
      cache.on('error', (error) => events.push(error));
      const big = 'x'.repeat(1024 * 1024 + 10);
      expect(await cache.set('big', big)).toBe(false);
      expect(events[0]?.code).toBe('ERR_VALUE_TOO_LARGE');
      await expect(strict.set('big', big)).rejects.toMatchObject({ code: 'ERR_VALUE_TOO_LARGE' });
      expect(await cache.set('fits', 'x'.repeat(900 * 1024))).toBe(true);
      expect((await cache.get<string>('fits'))?.length).toBe(900 * 1024);
    } finally {
      await Promise.all([cache.close(), strict.close()]);
    }
  });
});

describe.runIf(memcachedUrl)('a memcached that goes down mid-test', () => {
  it('falls through with an error event, and throws with onError: "throw"', async () => {
    const server = await startMemcached();
    const cache = createCache({ url: server.url, keyPrefix: 'mcdown', logger: recordingLogger(), timeout: 500 });
    const strict = createCache({
      url: server.url,
      keyPrefix: 'mcdown',
      onError: 'throw',
      logger: recordingLogger(),
      timeout: 500,
    });
    try {
      const events: CacheError[] = [];
      cache.on('error', (error) => events.push(error));
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      await server.stop();
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.getOrSet('k', () => 'factory')).toBe('factory');
      await expect(strict.get('k')).rejects.toMatchObject({ code: 'ERR_BACKEND' });
      expect(events.length).toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.all([cache.close(), strict.close(), server.stop()]);
    }
  }, 20_000);
});

describe.runIf(redisUrl)('clear() on Redis', () => {
  it('works on a server where KEYS is disabled (it uses SCAN) and spares other prefixes', async () => {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--rename-command',
        'KEYS',
        '',
      ],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    const mine = createCache({ url, keyPrefix: 'mine', logger: recordingLogger(), onError: 'throw', timeout: 2000 });
    const other = createCache({ url, keyPrefix: 'other', logger: recordingLogger(), onError: 'throw', timeout: 2000 });
    try {
      await vi.waitFor(() => mine.connect(), { timeout: 10_000, interval: 100 });
      await vi.waitFor(() => other.connect(), { timeout: 10_000, interval: 100 });
      await mine.setMany(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i] as const));
      await mine.set('tagged', 1, { tags: ['t'] });
      await other.set('k1', 'keep');
      await mine.clear();
      expect((await mine.getMany(['k0', 'k1499', 'tagged'])).size).toBe(0);
      expect(await other.get('k1')).toBe('keep');
    } finally {
      await Promise.all([mine.close(), other.close()]);
      child.kill('SIGKILL');
    }
  }, 30_000);
});
