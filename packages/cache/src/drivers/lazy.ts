import { CacheError } from '../errors.js';
import type { CacheDriver, DriverContext } from './factory.js';
import { MEMCACHED_MAX_VALUE_BYTES, memcachedExpires } from './memcached-ttl.js';
import type { Driver, MessageBus, StringStore } from './types.js';

/** The optional peer each backend needs, and the packages a missing one shows up as. */
const PEERS = {
  redis: { name: 'Redis', install: '@keyv/redis', packages: ['@keyv/redis', '@redis/client'] },
  memcached: { name: 'memcached', install: '@keyv/memcache', packages: ['@keyv/memcache', 'memjs'] },
} as const;

/** Imports the backend's module (and with it its optional peer). Literal paths, so bundlers follow them. */
async function importDriver(kind: 'redis' | 'memcached', url: string): Promise<CacheDriver> {
  return kind === 'redis'
    ? (await import('../redis.js')).redisDriver({ url })
    : (await import('../memcached.js')).memcachedDriver({ url });
}

/**
 * Turns a failed import into `ERR_MISSING_PEER` naming what to install when the cause is a
 * missing peer package; any other failure is passed on as it is.
 */
export function missingPeer(kind: 'redis' | 'memcached', error: unknown): unknown {
  const peer = PEERS[kind];
  const message = error instanceof Error ? error.message : '';
  const code = (error as { code?: unknown } | undefined)?.code;
  const notFound =
    code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(message);
  if (!notFound || !peer.packages.some((name) => message.includes(`'${name}'`) || message.includes(`"${name}"`)))
    return error;
  return new CacheError(
    'ERR_MISSING_PEER',
    `The ${peer.name} backend needs the package \`${peer.install}\`, which is not installed: run \`npm install ${peer.install}\``,
    { cause: error },
  );
}

/**
 * A Redis or memcached driver whose module is imported on the cache's first call, so that
 * `@adv/cache` alone never loads node-redis or memjs. Everything the cache reads synchronously
 * (limits, ttl rules) is known up front; every call waits for {@link Driver.loading} first.
 */
export function lazyDriver(kind: 'redis' | 'memcached', url: string, context: DriverContext): Driver {
  let inner: Driver | undefined;
  let failure: unknown;
  let pending: Promise<void> | undefined;
  const loading = (): Promise<void> | undefined => {
    if (inner !== undefined) return undefined;
    if (failure !== undefined) return Promise.reject(failure);
    pending ??= importDriver(kind, url).then(
      (factory) => {
        inner = factory.open(context);
      },
      (error: unknown) => {
        failure = missingPeer(kind, error);
        throw failure;
      },
    );
    return pending;
  };
  /** The loaded driver; callers run after `loading()` settled, so it is there unless loading failed. */
  const loaded = async (): Promise<Driver> => {
    await loading();
    return inner as Driver;
  };
  // Once loaded, calls go straight to the driver (no extra async step on the hot path).
  const keyv: StringStore = {
    get: (key) => (inner ? inner.keyv.get(key) : loaded().then((d) => d.keyv.get(key))),
    getMany: (keys) => (inner ? inner.keyv.getMany(keys) : loaded().then((d) => d.keyv.getMany(keys))),
    set: (key, value, ttl) =>
      inner ? inner.keyv.set(key, value, ttl) : loaded().then((d) => d.keyv.set(key, value, ttl)),
    setMany: (entries) => (inner ? inner.keyv.setMany(entries) : loaded().then((d) => d.keyv.setMany(entries))),
    delete: (key) => (inner ? inner.keyv.delete(key) : loaded().then((d) => d.keyv.delete(key))),
    deleteMany: (keys) => (inner ? inner.keyv.deleteMany(keys) : loaded().then((d) => d.keyv.deleteMany(keys))),
  };
  const bus: MessageBus = {
    publish: async (channel, message) => (await loaded()).bus?.publish(channel, message),
    subscribe: async (channel, listener, onResync) => (await loaded()).bus?.subscribe(channel, listener, onResync),
  };
  const driver: Driver = {
    kind,
    shared: true,
    keyv,
    nativeTtl: true,
    maxValueBytes: kind === 'redis' ? 512 * 1024 * 1024 : MEMCACHED_MAX_VALUE_BYTES,
    loading,
    ready: () => inner?.ready?.(),
    isOutage: (error) => inner?.isOutage?.(error) ?? true,
    add: async (key, payload, ttlMs) => (await loaded()).add(key, payload, ttlMs),
    incr: async (key, delta, ttlMs) => (await loaded()).incr(key, delta, ttlMs),
    clear: async (prefix) => (await loaded()).clear(prefix),
    ping: async () => (await loaded()).ping(),
    async close(timeoutMs) {
      await pending?.catch(() => {});
      await inner?.close(timeoutMs);
    },
  };
  if (kind === 'redis') {
    return {
      ...driver,
      bus,
      remainingTtl: async (key) => {
        const loadedDriver = await loaded();
        return loadedDriver.remainingTtl?.(key);
      },
    };
  }
  return { ...driver, toStoreTtl: (ttlMs) => (ttlMs ? memcachedExpires(ttlMs) * 1000 : undefined) };
}
