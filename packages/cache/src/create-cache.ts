import { Cache } from './cache.js';
import type { DriverContext } from './drivers/factory.js';
import { keyvStoreDriver } from './drivers/keyv-store.js';
import { lazyDriver } from './drivers/lazy.js';
import { memoryDriver } from './drivers/memory.js';
import type { Driver } from './drivers/types.js';
import { CacheError, describeValue } from './errors.js';
import { defaultKeyFunction, isSafeKey } from './keys.js';
import { CACHE_DEFAULTS, type CacheOptions } from './options.js';
import { L1 } from './two-tier.js';
import { checkFunction, checkInteger, checkOneOf, checkPositiveInteger, checkString, checkTtl } from './validate.js';

function invalid(name: string, expected: string, value: unknown): never {
  throw new CacheError('ERR_INVALID_OPTION', `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
}

function validate(options: CacheOptions): void {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
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
  if (options.keyPrefix !== undefined) {
    checkString(options.keyPrefix, 'keyPrefix');
    // Every stored key starts with it: it must survive memcached's rules, or every key would be
    // hashed without it and `clear()` would find none of them.
    if (options.keyPrefix.length > 100 || !isSafeKey(`${options.keyPrefix}:`))
      invalid('keyPrefix', 'at most 100 characters without spaces or control characters', options.keyPrefix);
  }
  checkInteger(options.version, 'version', 'ERR_INVALID_OPTION');
  if (options.keyFunction !== undefined) checkFunction(options.keyFunction, 'keyFunction');
  checkTtl(options.defaultTtl, 'defaultTtl', 'ERR_INVALID_OPTION');
  checkTtl(options.defaultGrace, 'defaultGrace', 'ERR_INVALID_OPTION');
  if (options.maxEntries !== undefined) checkPositiveInteger(options.maxEntries, 'maxEntries');
  if (options.onError !== undefined) checkOneOf(options.onError, 'onError', ['log', 'throw']);
  if (options.timeout !== undefined) checkPositiveInteger(options.timeout, 'timeout');
  if (options.logger !== undefined && typeof options.logger?.warn !== 'function')
    invalid('logger', 'a logger with `warn`', options.logger);
  const l1 = options.l1;
  if (l1 !== undefined && l1 !== false) {
    if (!options.url?.startsWith('redis') && options.driver?.kind !== 'redis')
      invalid('l1', 'used with a `redis://` url or a `redisDriver()`', l1);
    if (typeof l1 === 'object') {
      if (l1.maxEntries !== undefined) checkPositiveInteger(l1.maxEntries, 'l1.maxEntries');
      checkTtl(l1.ttl, 'l1.ttl', 'ERR_INVALID_OPTION');
    } else if (l1 !== true) invalid('l1', 'a boolean or `{ maxEntries, ttl }`', l1);
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
export function createCache(options: CacheOptions = {}): Cache {
  validate(options);
  const keyPrefix = options.keyPrefix ?? CACHE_DEFAULTS.keyPrefix;
  const logger = options.logger ?? console;
  const timeout = options.timeout ?? CACHE_DEFAULTS.timeout;
  const url = options.url;
  const context: DriverContext = { keyPrefix, timeout, logger };
  let driver: Driver;
  let network = true;
  if (options.driver !== undefined) {
    driver = options.driver.open(context);
  } else if (url?.startsWith('redis')) {
    // Loaded on the first call: `@keyv/redis` is an optional peer, never imported by `@adv/cache` alone.
    driver = lazyDriver('redis', url, context);
  } else if (url?.startsWith('memcached')) {
    driver = lazyDriver('memcached', url, context);
  } else if (options.store !== undefined && options.store !== 'memory') {
    driver = keyvStoreDriver(options.store, options.shared ?? false);
  } else {
    network = false;
    driver = memoryDriver(options.maxEntries ?? CACHE_DEFAULTS.maxEntries);
  }
  let l1: L1 | undefined;
  if (options.l1 && driver.bus) {
    const l1Options = typeof options.l1 === 'object' ? options.l1 : {};
    l1 = new L1({
      maxEntries: l1Options.maxEntries ?? CACHE_DEFAULTS.l1MaxEntries,
      ttl: l1Options.ttl ?? CACHE_DEFAULTS.l1Ttl,
      bus: driver.bus,
      channel: `${keyPrefix}:l1-invalidate`,
      logger,
    });
    l1.subscribe().catch((error: unknown) =>
      logger.warn({ err: error }, '@adv/cache: could not subscribe to L1 invalidations'),
    );
  }
  return new Cache({
    driver,
    keyPrefix,
    version: options.version ?? CACHE_DEFAULTS.version,
    keyFunction: options.keyFunction ?? defaultKeyFunction,
    defaultTtl: options.defaultTtl ?? CACHE_DEFAULTS.defaultTtl,
    defaultGrace: options.defaultGrace ?? CACHE_DEFAULTS.defaultGrace,
    onError: options.onError ?? CACHE_DEFAULTS.onError,
    logger,
    timeout: network ? timeout : undefined,
    l1,
  });
}
