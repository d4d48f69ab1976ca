import { Keyv, type KeyvStoreAdapter } from 'keyv';
import { addInteger } from './integers.js';
import { type Driver, keyvOptions } from './types.js';

/**
 * Any other keyv store (SQLite, Postgres, Mongo, ...). The store gives no atomic primitives, so
 * `add` and `incr` are a read then a write (not atomic across processes), and `clear` is the
 * store's own `clear()` (usually everything in it).
 */
export function keyvStoreDriver(store: KeyvStoreAdapter | Map<unknown, unknown>, shared: boolean): Driver {
  const keyv = new Keyv<string>(store as KeyvStoreAdapter, keyvOptions as never);
  keyv.on('error', () => {});
  return {
    kind: 'keyv',
    shared,
    keyv,
    nativeTtl: false,
    maxValueBytes: Number.POSITIVE_INFINITY,
    async add(key, payload, ttlMs) {
      if ((await keyv.get(key)) !== undefined) return false;
      await keyv.set(key, payload, ttlMs);
      return true;
    },
    async incr(key, delta, ttlMs) {
      const next = addInteger(await keyv.get(key), delta, key);
      // No native TTL here: keep the expiry in the entry itself.
      await keyv.set(key, ttlMs ? JSON.stringify({ v: next, e: Date.now() + ttlMs }) : String(next), ttlMs);
      return next;
    },
    async clear() {
      await keyv.clear();
    },
    async ping() {
      await keyv.get('adv-cache-ping');
    },
    async close() {
      await keyv.disconnect();
    },
  };
}
