import KeyvMemcache from '@keyv/memcache';
import { Keyv } from 'keyv';
import { CacheError } from '../errors.js';
import { Generation, GenerationStore, type MemjsClient } from './memcached-namespace.js';
import { type Driver, keyvOptions } from './types.js';

/** memcached's default item size limit (1 MiB) less room for the key and flags. */
export const MEMCACHED_MAX_VALUE_BYTES = 1024 * 1024 - 1024;

const THIRTY_DAYS = 60 * 60 * 24 * 30;
const MAX_EXPIRES = 0xffff_ffff;

/**
 * memcached's expiry: whole seconds, and anything over 30 days means a Unix time. Returns the
 * value to send (0 = never, also for a time past what the protocol's 32 bits hold).
 */
export function memcachedExpires(ttlMs: number | undefined, now = Date.now()): number {
  if (!ttlMs) return 0;
  const seconds = Math.ceil(ttlMs / 1000);
  if (seconds <= THIRTY_DAYS) return seconds;
  const at = Math.floor(now / 1000) + seconds;
  // The protocol's expiry is 32 bits: a time past 2106 is as good as never.
  return at > MAX_EXPIRES ? 0 : at;
}

function notInteger(error: unknown, key: string): unknown {
  return error instanceof Error && /non-numeric/i.test(error.message)
    ? new CacheError('ERR_NOT_INTEGER', `Expected the value at \`${key}\` to be an integer to increment`, {
        cause: error,
      })
    : error;
}

/** Options of the memcached driver. */
export interface MemcachedDriverOptions {
  /** `memcached://host:port` (several servers: `h1:11211,h2:11211`). */
  url: string;
  /** Connect and command timeout in seconds. */
  timeoutSeconds: number;
  /** The cache's `keyPrefix`: the namespace `clear()` empties. */
  keyPrefix: string;
  /** Receives memjs's connection messages. */
  log: (message: string) => void;
}

/**
 * memcached through `@keyv/memcache` (memjs, binary protocol). `add` and `incr` are the
 * server's own atomic commands; counters cannot go below 0 (the server clamps). memcached
 * cannot list keys, so every key is scoped to a namespace generation of the prefix
 * ({@link Generation}), read in the same round trip as each operation: `clear()` starts a
 * new generation instead of flushing the server.
 */
export function memcachedDriver(options: MemcachedDriverOptions): Driver {
  const { url, timeoutSeconds, keyPrefix, log } = options;
  const servers = url.replace(/^memcached:\/\//, '');
  const adapter = new KeyvMemcache(servers, {
    deserialize: (buffer: Buffer) => ({ value: buffer.toString() }),
    retries: 1,
    retry_delay: 0.05,
    timeout: timeoutSeconds,
    conntimeout: timeoutSeconds,
    logger: { log },
  } as never);
  const client = adapter.client as unknown as MemjsClient;
  const generation = new Generation(client, keyPrefix);
  const keyv = new Keyv<string>(new GenerationStore(adapter, generation) as never, keyvOptions as never);
  keyv.on('error', () => {});
  return {
    kind: 'memcached',
    shared: true,
    keyv,
    nativeTtl: true,
    maxValueBytes: MEMCACHED_MAX_VALUE_BYTES,
    toStoreTtl(ttlMs) {
      // @keyv/memcache sends floor(ttl / 1000) seconds: hand it what memcached must receive.
      return ttlMs ? memcachedExpires(ttlMs) * 1000 : undefined;
    },
    async add(key, payload, ttlMs) {
      const expires = memcachedExpires(ttlMs);
      return generation.run((g) => client.add(generation.scoped(key, g), payload, { expires }));
    },
    async incr(key, delta, ttlMs) {
      const expires = memcachedExpires(ttlMs);
      try {
        // A counter from an older generation is never touched: the current one starts afresh.
        const result = await generation.run((g) =>
          delta >= 0
            ? client.increment(generation.scoped(key, g), delta, { initial: delta, expires })
            : client.decrement(generation.scoped(key, g), -delta, { initial: 0, expires }),
        );
        return result.value;
      } catch (error) {
        throw notInteger(error, key);
      }
    },
    async clear() {
      await generation.clear();
    },
    async ping() {
      await client.get('adv-cache-ping');
    },
    async close() {
      client.close();
    },
  };
}
