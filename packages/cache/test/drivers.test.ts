import { describe, expect, inject, it } from 'vitest';
import { missingPeer } from '../src/drivers/lazy.js';
import { CacheError, createCache } from '../src/index.js';
import { memcachedDriver } from '../src/memcached.js';
import { redisDriver } from '../src/redis.js';
import { quietLogger } from './helpers.js';

const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');

describe('createCache({ driver }) with the subpath drivers', () => {
  it.runIf(redisUrl)('redisDriver: the Redis backend, two-tier mode included', async () => {
    const cache = createCache({
      driver: redisDriver({ url: `${redisUrl}/2` }),
      keyPrefix: `drv${process.pid}`,
      l1: true,
      onError: 'throw',
      logger: quietLogger,
      timeout: 5000,
    });
    try {
      expect(cache.backendInfo).toEqual({ name: '@adv/cache:redis+l1', sharedAcrossProcesses: true });
      await cache.connect();
      expect(await cache.add('a', 1)).toBe(true);
      expect(await cache.add('a', 2)).toBe(false);
      expect(await cache.incr('n', 3, { ttl: 60 })).toBe(3);
      expect(await cache.get('a')).toBe(1);
    } finally {
      await cache.close();
    }
  });

  it.runIf(memcachedUrl)('memcachedDriver: the memcached backend, clear() scoped to the keyPrefix', async () => {
    const options = { keyPrefix: `drv${process.pid}`, onError: 'throw', logger: quietLogger, timeout: 5000 } as const;
    const cache = createCache({ ...options, driver: memcachedDriver({ url: memcachedUrl ?? '' }) });
    const other = createCache({ ...options, keyPrefix: `other${process.pid}`, url: memcachedUrl ?? '' });
    try {
      expect(cache.backendInfo.name).toBe('@adv/cache:memcached');
      await cache.set('a', 'x', { ttl: 60 });
      await other.set('a', 'kept');
      await cache.clear();
      expect(await cache.get('a')).toBeUndefined();
      expect(await other.get('a')).toBe('kept');
    } finally {
      await Promise.all([cache.close(), other.close()]);
    }
  });

  it('rejects bad drivers and bad driver URLs with one message shape', () => {
    expect(() => redisDriver({ url: 'memcached://x:1' })).toThrow(
      'Expected `url` to be a `redis://` or `rediss://` URL, got `memcached://x:1` (string)',
    );
    expect(() => memcachedDriver({ url: 'redis://x:1' })).toThrow(
      'Expected `url` to be a `memcached://` URL, got `redis://x:1` (string)',
    );
    expect(() => createCache({ driver: {} as never })).toThrow(
      /Expected `driver` to be a driver from `redisDriver\(\)`/,
    );
    expect(() => createCache({ driver: redisDriver({ url: 'redis://x:1' }), url: 'redis://x:1' })).toThrow(
      /Expected `driver` to be absent when `url` or `store` is given/,
    );
    expect(() => createCache({ driver: memcachedDriver({ url: 'memcached://x:1' }), l1: true })).toThrow(
      /Expected `l1` to be used with a `redis:\/\/` url or a `redisDriver\(\)`/,
    );
    const thrown = (() => {
      try {
        redisDriver({ url: '' });
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({ name: 'CacheError', code: 'ERR_INVALID_OPTION' });
  });
});

describe('missing peers', () => {
  const notFound = (name: string) =>
    Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/@adv/cache/dist/redis.js`), {
      code: 'ERR_MODULE_NOT_FOUND',
    });

  it('names the package to install, for the peer and for what it brings', () => {
    for (const [kind, name, install] of [
      ['redis', '@keyv/redis', '@keyv/redis'],
      ['redis', '@redis/client', '@keyv/redis'],
      ['memcached', '@keyv/memcache', '@keyv/memcache'],
      ['memcached', 'memjs', '@keyv/memcache'],
    ] as const) {
      const error = missingPeer(kind, notFound(name));
      expect(error).toBeInstanceOf(CacheError);
      expect(error).toMatchObject({ code: 'ERR_MISSING_PEER' });
      expect((error as Error).message).toContain(`run \`npm install ${install}\``);
    }
  });

  it('passes any other import failure on unchanged', () => {
    const other = notFound('keyv');
    expect(missingPeer('redis', other)).toBe(other);
    const syntax = new SyntaxError('Unexpected token');
    expect(missingPeer('memcached', syntax)).toBe(syntax);
  });
});
