import { spawn } from 'node:child_process';
import { describe, expect, inject, it, vi } from 'vitest';
import { freePort, startRedis } from '../../../scripts/test-services.js';
import { type CacheError, createCache } from '../src/index.js';
import { recordingLogger } from './helpers.js';

const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');

// Outages (unreachable, killed, frozen, close, recovery): the shared contract in outage.test.ts.

describe.runIf(redisUrl)('two-tier after Redis restarts', () => {
  it('drops every L1 copy once the invalidation subscription is back (messages were lost meanwhile)', async () => {
    let redis = await startRedis();
    // 5 s per call: a live call must outlast the event-loop stalls of a busy machine.
    const options = { url: redis.url, keyPrefix: 'resync', l1: true, logger: recordingLogger(), timeout: 5000 };
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
      await vi.waitFor(async () => expect(await reader.get('x')).toBeUndefined(), { timeout: 30_000, interval: 100 });
      // The subscription works again: a write elsewhere still reaches reader's L1.
      await vi.waitFor(async () => expect(await writer.set('y', 'w1')).toBe(true), { timeout: 30_000, interval: 100 });
      expect(await reader.get('y')).toBe('w1');
      await writer.set('y', 'w2');
      await vi.waitFor(async () => expect(await reader.get('y')).toBe('w2'), { timeout: 10_000, interval: 20 });
    } finally {
      await Promise.all([reader.close(), writer.close(), plain.close()]);
      await redis.stop();
    }
  }, 90_000);
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
    const mine = createCache({ url, keyPrefix: 'mine', logger: recordingLogger(), onError: 'throw', timeout: 5000 });
    const other = createCache({ url, keyPrefix: 'other', logger: recordingLogger(), onError: 'throw', timeout: 5000 });
    try {
      // The server process may start slowly on a busy machine.
      await vi.waitFor(() => mine.connect(), { timeout: 30_000, interval: 100 });
      await vi.waitFor(() => other.connect(), { timeout: 30_000, interval: 100 });
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
  }, 90_000);
});
