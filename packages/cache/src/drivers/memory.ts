import { Keyv } from 'keyv';
import { LruStore } from '../lru-store.js';
import { addInteger } from './integers.js';
import { type Driver, keyvOptions, type StringStore } from './types.js';

/** The embedded default: one process's memory, LRU-bounded. Every operation is atomic here. */
export function memoryDriver(maxEntries: number): Driver {
  // Tag versions are evictable like any entry: a lost version invalidates its entries.
  const store = new LruStore(maxEntries);
  // An `LruStore` is a `Map`, which keyv takes as a store as it is.
  const keyv = new Keyv<string>(store, keyvOptions as never);
  return {
    kind: 'memory',
    shared: false,
    keyv: keyv as unknown as StringStore,
    nativeTtl: true,
    maxValueBytes: Number.POSITIVE_INFINITY,
    // keyv.get on this store is store.get (namespace '', value strings as they are): same answer.
    readSync: (key) => store.get(key),
    stamp: () => store.stamp,
    async add(key, payload, ttlMs) {
      if (store.peek(key) !== undefined) return false;
      store.set(key, payload, ttlMs);
      return true;
    },
    async incr(key, delta, ttlMs) {
      const current = store.peek(key);
      const next = addInteger(current?.value, delta, key);
      store.setUntil(key, String(next), current ? current.expires : ttlMs ? Date.now() + ttlMs : 0);
      return next;
    },
    async remainingTtl(key) {
      const expires = store.peek(key)?.expires;
      return expires ? expires - Date.now() : undefined;
    },
    async clear(prefix) {
      store.clearPrefix(prefix);
    },
    pruneExpired: () => store.pruneExpired(),
    async ping() {},
    async close() {},
  };
}
