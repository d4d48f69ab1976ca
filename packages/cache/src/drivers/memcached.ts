import KeyvMemcache from '@keyv/memcache';
import { Keyv } from 'keyv';
import { CacheError } from '../errors.js';
import { type Driver, keyvOptions } from './types.js';

/** memcached's default item size limit (1 MiB) less room for the key and flags. */
export const MEMCACHED_MAX_VALUE_BYTES = 1024 * 1024 - 1024;

const THIRTY_DAYS = 60 * 60 * 24 * 30;
const MAX_EXPIRES = 0xffff_ffff;

/** Minimal view of the memjs client `@keyv/memcache` wraps. */
interface MemjsClient {
  add(key: string, value: string, options: { expires?: number }): Promise<boolean>;
  increment(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ value: number }>;
  decrement(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ value: number }>;
  get(key: string): Promise<{ value: Buffer | null }>;
  flush(): Promise<unknown>;
  close(): void;
}

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

/**
 * memcached through `@keyv/memcache` (memjs, binary protocol). `add` and `incr` are the
 * server's own atomic commands. memcached cannot list keys, so `clear` flushes the whole
 * server, as Django's memcached backends do; counters cannot go below 0 (the server clamps).
 */
export function memcachedDriver(url: string, timeoutSeconds: number, log: (message: string) => void): Driver {
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
  const keyv = new Keyv<string>(adapter as never, keyvOptions as never);
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
      return client.add(key, payload, { expires: memcachedExpires(ttlMs) });
    },
    async incr(key, delta, ttlMs) {
      const expires = memcachedExpires(ttlMs);
      try {
        const result =
          delta >= 0
            ? await client.increment(key, delta, { initial: delta, expires })
            : await client.decrement(key, -delta, { initial: 0, expires });
        return result.value;
      } catch (error) {
        throw notInteger(error, key);
      }
    },
    async clear() {
      await client.flush();
    },
    async ping() {
      await client.get('adv-cache-ping');
    },
    async close() {
      client.close();
    },
  };
}
