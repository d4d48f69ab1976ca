/**
 * The same four operations on each library, so the bench compares like with like: raw keyv,
 * cache-manager (on keyv) and Bentocache, beside @adv/cache.
 */
import { type Cache, createCache } from '@adv/cache';
import { silentLogger } from '@adv/types';
import KeyvRedis, { createClient } from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Keyv } from 'keyv';

/** One library's cache, reduced to what the bench measures. */
export interface Contender {
  name: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
  /** Undefined when the library has no get-or-set (raw keyv). */
  getOrSet?: (key: string, factory: () => Promise<unknown>) => Promise<unknown>;
  close(): Promise<unknown>;
}

const TTL_SECONDS = 3600;

export function ours(url: string | undefined, l1 = false): Contender & { cache: Cache } {
  const cache = createCache({
    url,
    l1,
    logger: silentLogger,
    keyPrefix: `bench${l1 ? 'l1' : ''}`,
    maxEntries: 10_000,
    timeout: 5000,
  });
  return {
    name: l1 ? '@adv/cache (L1+Redis)' : '@adv/cache',
    cache,
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value, { ttl: TTL_SECONDS }),
    getOrSet: (key, factory) => cache.getOrSet(key, factory, { ttl: TTL_SECONDS }),
    close: () => cache.close(),
  };
}

export function rawKeyv(url: string | undefined): Contender {
  const keyv = url ? new Keyv(new KeyvRedis(url), { namespace: 'benchkeyv' }) : new Keyv();
  return {
    name: 'keyv',
    get: (key) => keyv.get(key),
    set: (key, value) => keyv.set(key, value, TTL_SECONDS * 1000),
    close: () => keyv.disconnect(),
  };
}

/**
 * The floor for Redis: node-redis (the client `@keyv/redis` wraps) doing `GET` + `JSON.parse`
 * and `SET PX` + `JSON.stringify`, with nothing around them.
 */
export function rawRedis(url: string): Contender {
  const client = createClient({ url });
  const connecting = client.connect();
  return {
    name: 'node-redis + JSON (raw client)',
    async get(key) {
      await connecting;
      const raw = await client.get(`benchraw:${key}`);
      return typeof raw === 'string' ? JSON.parse(raw) : undefined;
    },
    async set(key, value) {
      await connecting;
      return client.set(`benchraw:${key}`, JSON.stringify(value), { PX: TTL_SECONDS * 1000 });
    },
    close: async () => {
      await connecting;
      await client.close();
    },
  };
}

export function cacheManager(url: string | undefined): Contender {
  const store = url ? new Keyv(new KeyvRedis(url), { namespace: 'benchcm' }) : new Keyv();
  const cm = createCacheManager({ stores: [store] });
  return {
    name: 'cache-manager',
    get: (key) => cm.get(key),
    set: (key, value) => cm.set(key, value, TTL_SECONDS * 1000),
    getOrSet: (key, factory) => cm.wrap(key, factory, TTL_SECONDS * 1000),
    close: () => cm.disconnect(),
  };
}

export function bentocache(redis: { host: string; port: number } | undefined, l1 = false): Contender {
  const store = redis
    ? l1
      ? bentostore()
          .useL1Layer(memoryDriver({ maxItems: 10_000 }))
          .useL2Layer(redisDriver({ connection: redis }))
      : bentostore().useL2Layer(redisDriver({ connection: redis }))
    : bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 }));
  const bento = new BentoCache({ default: 'main', stores: { main: store }, prefix: `benchbento${l1 ? 'l1' : ''}` });
  return {
    name: l1 ? 'bentocache (L1+Redis)' : 'bentocache',
    get: (key) => bento.get({ key }),
    set: (key, value) => bento.set({ key, value, ttl: `${TTL_SECONDS}s` }),
    getOrSet: (key, factory) => bento.getOrSet({ key, factory, ttl: `${TTL_SECONDS}s` }),
    close: () => bento.disconnectAll(),
  };
}
