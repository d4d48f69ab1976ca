/**
 * `@adv/cache/redis`: the Redis backend. Needs the optional peer `@keyv/redis`
 * (`npm install @keyv/redis`). `createCache({ url: 'redis://…' })` loads this module by
 * itself on first use; import it to load it at start-up instead.
 */
import { type OptionKeys, resolveOptions } from '@adv/types';
import type { CacheDriver } from './drivers/factory.js';
import { openRedis } from './drivers/redis.js';
import { CacheError, describeValue } from './errors.js';
import { invalidOption } from './validate.js';

/** Options of {@link redisDriver}. */
export interface RedisDriverOptions {
  /**
   * The server: `redis://[user:password@]host:6379/0`, or `rediss://…` for TLS.
   * @example `redisDriver({ url: process.env.REDIS_URL })`
   */
  url: string;
}

/** Every option of {@link redisDriver}. */
const REDIS_DRIVER_OPTION_KEYS: OptionKeys<RedisDriverOptions> = { url: true };

/**
 * The Redis backend for `createCache({ driver })`: `add` is `SET NX`, `incr` is `INCRBY`,
 * `clear` is `SCAN` + `UNLINK`, and the two-tier `l1` mode uses its pub/sub.
 *
 * @example
 * ```ts
 * import { createCache } from '@adv/cache';
 * import { redisDriver } from '@adv/cache/redis';
 *
 * const cache = createCache({ driver: redisDriver({ url: 'redis://127.0.0.1:6379/0' }), l1: true });
 * ```
 */
export function redisDriver(options: RedisDriverOptions): CacheDriver {
  const { url }: { url: unknown } = resolveOptions(options, {
    name: 'redisDriver',
    keys: REDIS_DRIVER_OPTION_KEYS,
    defaults: {},
    error: invalidOption,
  });
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`url\` to be a \`redis://\` or \`rediss://\` URL, got ${describeValue(url)}`,
    );
  }
  return {
    kind: 'redis',
    open: ({ timeout, logger }) =>
      openRedis({
        url,
        connectTimeout: timeout,
        onConnectionError: (error) => logger.debug({ err: error }, '@adv/cache: Redis connection error'),
      }),
  };
}

export type { CacheDriver };
