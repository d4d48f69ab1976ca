import type { Logger } from '@adv/types';
import type { Driver } from './types.js';

/** What a driver needs from the cache it serves. */
export interface DriverContext {
  /** The cache's `keyPrefix` (memcached scopes `clear()` to it). */
  keyPrefix: string;
  /** The cache's `timeout` in ms: the bound of a connect and of `close()`. */
  timeout: number;
  /** The cache's logger (connection messages go to `debug`). */
  logger: Logger;
}

/**
 * A Redis or memcached backend for `createCache({ driver })`: `redisDriver()` from
 * `@adv/cache/redis`, `memcachedDriver()` from `@adv/cache/memcached`. Importing them
 * statically loads the backend's client at start-up instead of on the cache's first call.
 */
export interface CacheDriver {
  /** Which backend. */
  readonly kind: 'redis' | 'memcached';
  /**
   * Opens the backend for one cache (called by `createCache`).
   * @internal
   */
  open(context: DriverContext): Driver;
}
