import KeyvMemcache from '@keyv/memcache';
import { Keyv } from 'keyv';
import { CacheError } from '../errors.js';
import { Generation, GenerationStore, type MemjsClient } from './memcached-namespace.js';
import { MEMCACHED_MAX_VALUE_BYTES, memcachedExpires } from './memcached-ttl.js';
import { type Driver, keyvOptions, type StringStore } from './types.js';

export { MEMCACHED_MAX_VALUE_BYTES, memcachedExpires };

function notInteger(error: unknown, key: string): unknown {
  return error instanceof Error && /non-numeric/i.test(error.message)
    ? new CacheError('ERR_NOT_INTEGER', `Expected the value at \`${key}\` to be an integer to increment`, {
        cause: error,
      })
    : error;
}

/** What the memcached driver needs from the cache it serves. */
export interface MemcachedConnectionOptions {
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
export function openMemcached(options: MemcachedConnectionOptions): Driver {
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
  const client = adapter.client as unknown as MemjsClient & { servers?: Array<{ _socket?: { destroy(): void } }> };
  const generation = new Generation(client, keyPrefix);
  const keyv = new Keyv<string>(new GenerationStore(adapter, generation) as never, keyvOptions as never);
  keyv.on('error', () => {});
  return {
    kind: 'memcached',
    shared: true,
    keyv: keyv as unknown as StringStore,
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
    // memjs reports the server's own refusals as `MemJS <COMMAND>: <status>`; anything else
    // (refused, reset, timed out, no servers) means the server cannot be reached.
    isOutage: (error) =>
      !(error instanceof Error && /^MemJS |generation of|did not store|keeps losing/.test(error.message)),
    async close() {
      client.close(); // ends each socket
      // A socket still connecting to a server that never answers would wait for its timeout.
      for (const server of client.servers ?? []) server._socket?.destroy();
    },
  };
}
