import { type Logger, resolveOptions } from '@adv/types';
import { Cache } from './cache.js';
import type { DriverContext } from './drivers/factory.js';
import { keyvStoreDriver } from './drivers/keyv-store.js';
import { lazyDriver } from './drivers/lazy.js';
import { memoryDriver } from './drivers/memory.js';
import type { Driver } from './drivers/types.js';
import { CacheError, describeValue } from './errors.js';
import { defaultKeyFunction, isSafeKey } from './keys.js';
import { CACHE_DEFAULTS, CACHE_OPTION_KEYS, type CacheOptions, L1_OPTION_KEYS, type L1Options } from './options.js';
import { L1 } from './two-tier.js';
import {
  checkFunction,
  checkInteger,
  checkNestedKeys,
  checkOneOf,
  checkPositiveInteger,
  checkString,
  checkTtl,
  invalidOption,
} from './validate.js';

function invalid(name: string, expected: string, value: unknown): never {
  throw new CacheError('ERR_INVALID_OPTION', `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
}

/** The options with their defaults: what {@link createCache} validates and builds from. */
function resolve(options: CacheOptions | undefined) {
  return resolveOptions(options, {
    name: 'createCache',
    keys: CACHE_OPTION_KEYS,
    defaults: {
      keyPrefix: CACHE_DEFAULTS.keyPrefix,
      version: CACHE_DEFAULTS.version,
      keyFunction: defaultKeyFunction,
      defaultTtl: CACHE_DEFAULTS.defaultTtl,
      defaultGrace: CACHE_DEFAULTS.defaultGrace,
      maxEntries: CACHE_DEFAULTS.maxEntries,
      onError: CACHE_DEFAULTS.onError,
      logger: console as Logger,
      timeout: CACHE_DEFAULTS.timeout,
      l1: false,
      shared: false,
    },
    error: invalidOption,
  });
}

type Resolved = ReturnType<typeof resolve>;

/** The `l1` option as settings: undefined when off, its own keys checked and defaulted. */
function resolveL1(l1: unknown): { maxEntries: number; ttl: number } | undefined {
  if (l1 === false) return undefined;
  if (l1 === true) return { maxEntries: CACHE_DEFAULTS.l1MaxEntries, ttl: CACHE_DEFAULTS.l1Ttl };
  if (typeof l1 !== 'object' || l1 === null || Array.isArray(l1))
    invalid('l1', 'a boolean or `{ maxEntries, ttl }`', l1);
  checkNestedKeys(l1, 'createCache', 'l1', L1_OPTION_KEYS);
  const { maxEntries = CACHE_DEFAULTS.l1MaxEntries, ttl = CACHE_DEFAULTS.l1Ttl } = l1 as L1Options;
  checkPositiveInteger(maxEntries, 'l1.maxEntries');
  checkTtl(ttl, 'l1.ttl', 'ERR_INVALID_OPTION');
  return { maxEntries, ttl };
}

function validate(options: Resolved): void {
  if (options.store !== undefined && options.url !== undefined)
    invalid('store', 'absent when `url` is given', options.store);
  const driver: unknown = options.driver;
  if (driver !== undefined) {
    if (options.url !== undefined || options.store !== undefined)
      invalid('driver', 'absent when `url` or `store` is given', driver);
    if (typeof (driver as { open?: unknown } | null)?.open !== 'function')
      invalid(
        'driver',
        'a driver from `redisDriver()` (`@adv/cache/redis`) or `memcachedDriver()` (`@adv/cache/memcached`)',
        driver,
      );
  }
  if (
    options.url !== undefined &&
    (typeof options.url !== 'string' || !/^(memory|redis|rediss|memcached):\/\//.test(options.url))
  ) {
    invalid('url', 'a `memory://`, `redis://`, `rediss://` or `memcached://` URL', options.url);
  }
  const store = options.store;
  if (
    store !== undefined &&
    store !== 'memory' &&
    (typeof store !== 'object' || store === null || typeof (store as { get?: unknown }).get !== 'function')
  ) {
    invalid('store', "`'memory'` or a keyv store adapter", store);
  }
  checkString(options.keyPrefix, 'keyPrefix');
  // Every stored key starts with it: it must survive memcached's rules, or every key would be
  // hashed without it and `clear()` would find none of them.
  if (options.keyPrefix.length > 100 || !isSafeKey(`${options.keyPrefix}:`))
    invalid('keyPrefix', 'at most 100 characters without spaces or control characters', options.keyPrefix);
  checkInteger(options.version, 'version', 'ERR_INVALID_OPTION');
  checkFunction(options.keyFunction, 'keyFunction');
  checkTtl(options.defaultTtl, 'defaultTtl', 'ERR_INVALID_OPTION');
  checkTtl(options.defaultGrace, 'defaultGrace', 'ERR_INVALID_OPTION');
  checkPositiveInteger(options.maxEntries, 'maxEntries');
  checkOneOf(options.onError, 'onError', ['log', 'throw']);
  checkPositiveInteger(options.timeout, 'timeout');
  if (typeof options.logger?.warn !== 'function') invalid('logger', 'a logger with `warn`', options.logger);
  if (typeof options.shared !== 'boolean') invalid('shared', 'a boolean', options.shared);
  const l1 = options.l1;
  if (l1 !== false) {
    if (!options.url?.startsWith('redis') && options.driver?.kind !== 'redis')
      invalid('l1', 'used with a `redis://` url or a `redisDriver()`', l1);
    resolveL1(l1);
  }
}

/**
 * Creates a cache. With no options, an in-process memory cache (Django's LocMem); with
 * `url: 'redis://…'` or `'memcached://…'`, a shared one; with `store`, any keyv store.
 *
 * @example
 * ```ts
 * const cache = createCache({ url: process.env.REDIS_URL ?? 'memory://', keyPrefix: 'shop', defaultTtl: 300 });
 * const user = await cache.getOrSet(`user:${id}`, () => db.user(id), { ttl: 60, tags: [`user:${id}`] });
 * ```
 */
export function createCache(options?: CacheOptions): Cache {
  const o = resolve(options);
  validate(o);
  const { keyPrefix, logger, timeout, url } = o;
  const context: DriverContext = { keyPrefix, timeout, logger };
  let driver: Driver;
  let network = true;
  if (o.driver !== undefined) {
    driver = o.driver.open(context);
  } else if (url?.startsWith('redis')) {
    // Loaded on the first call: `@keyv/redis` is an optional peer, never imported by `@adv/cache` alone.
    driver = lazyDriver('redis', url, context);
  } else if (url?.startsWith('memcached')) {
    driver = lazyDriver('memcached', url, context);
  } else if (o.store !== undefined && o.store !== 'memory') {
    driver = keyvStoreDriver(o.store, o.shared);
  } else {
    network = false;
    driver = memoryDriver(o.maxEntries);
  }
  let l1: L1 | undefined;
  const l1Settings = resolveL1(o.l1);
  if (l1Settings && driver.bus) {
    l1 = new L1({ ...l1Settings, bus: driver.bus, channel: `${keyPrefix}:l1-invalidate`, logger });
    l1.subscribe().catch((error: unknown) =>
      logger.warn({ err: error }, '@adv/cache: could not subscribe to L1 invalidations'),
    );
  }
  return new Cache({
    driver,
    keyPrefix,
    version: o.version,
    keyFunction: o.keyFunction,
    defaultTtl: o.defaultTtl,
    defaultGrace: o.defaultGrace,
    onError: o.onError,
    logger,
    timeout: network ? timeout : undefined,
    l1,
  });
}
