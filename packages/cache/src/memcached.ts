/**
 * `@adv/cache/memcached`: the memcached backend. Needs the optional peer `@keyv/memcache`
 * (`npm install @keyv/memcache`, which brings memjs). `createCache({ url: 'memcached://…' })`
 * loads this module by itself on first use; import it to load it at start-up instead.
 */
import { type OptionKeys, resolveOptions } from '@adv/types';
import type { CacheDriver } from './drivers/factory.js';
import { openMemcached } from './drivers/memcached.js';
import { CacheError, describeValue } from './errors.js';
import { invalidOption } from './validate.js';

/** Options of {@link memcachedDriver}. */
export interface MemcachedDriverOptions {
  /**
   * The server: `memcached://host:11211`, several as `memcached://h1:11211,h2:11211`.
   * @example `memcachedDriver({ url: 'memcached://127.0.0.1:11211' })`
   */
  url: string;
}

/** Every option of {@link memcachedDriver}. */
const MEMCACHED_DRIVER_OPTION_KEYS: OptionKeys<MemcachedDriverOptions> = { url: true };

/**
 * The memcached backend for `createCache({ driver })` (memjs, binary protocol): `add` and
 * `incr` are the server's own; `clear()` starts a new namespace generation of the cache's
 * `keyPrefix` instead of flushing the server.
 *
 * @example
 * ```ts
 * import { createCache } from '@adv/cache';
 * import { memcachedDriver } from '@adv/cache/memcached';
 *
 * const cache = createCache({ driver: memcachedDriver({ url: 'memcached://127.0.0.1:11211' }) });
 * ```
 */
export function memcachedDriver(options: MemcachedDriverOptions): CacheDriver {
  const { url }: { url: unknown } = resolveOptions(options, {
    name: 'memcachedDriver',
    keys: MEMCACHED_DRIVER_OPTION_KEYS,
    defaults: {},
    error: invalidOption,
  });
  if (typeof url !== 'string' || !/^memcached:\/\/\S/.test(url)) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`url\` to be a \`memcached://\` URL, got ${describeValue(url)}`,
    );
  }
  return {
    kind: 'memcached',
    open: ({ timeout, keyPrefix, logger }) =>
      openMemcached({ url, timeoutSeconds: timeout / 1000, keyPrefix, log: (message) => logger.debug(message) }),
  };
}

export type { CacheDriver };
