import { Keyv, type KeyvStoreAdapter } from 'keyv';
import type { KeyvStoreLike } from '../options.js';
import { decodeEntry } from '../payload.js';
import { addInteger } from './integers.js';
import { type Driver, keyvOptions, type StringStore } from './types.js';

/**
 * Runs read-modify-write steps one at a time per key in this process: the store itself has no
 * atomic primitive, so without this 50 concurrent `incr` calls would lose 49 updates.
 */
function keyedLock() {
  const tails = new Map<string, Promise<unknown>>();
  return <R>(key: string, run: () => Promise<R>): Promise<R> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(run, run);
    const tail = result.then(
      () => {},
      () => {},
    );
    tails.set(key, tail);
    tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}

/**
 * Any other keyv store (SQLite, Postgres, Mongo, ...). The store gives no atomic primitives, so
 * `add` and `incr` are a read then a write: serialised per key within this process, but not
 * atomic across processes. `clear` is the store's own `clear()` (usually everything in it).
 */
export function keyvStoreDriver(store: KeyvStoreLike | Map<unknown, unknown>, shared: boolean): Driver {
  const keyv = new Keyv<string>(store as unknown as KeyvStoreAdapter, keyvOptions as never);
  keyv.on('error', () => {});
  const locked = keyedLock();
  return {
    kind: 'keyv',
    shared,
    keyv: keyv as unknown as StringStore,
    nativeTtl: false,
    maxValueBytes: Number.POSITIVE_INFINITY,
    add(key, payload, ttlMs) {
      return locked(key, async () => {
        const entry = decodeEntry(await keyv.get(key));
        // Entries carry their own expiry here: an expired one is absent.
        if (entry !== undefined && (entry.e === undefined || entry.e > Date.now())) return false;
        await keyv.set(key, payload, ttlMs);
        return true;
      });
    },
    incr(key, delta, ttlMs) {
      return locked(key, async () => {
        const raw = await keyv.get(key);
        const now = Date.now();
        const entry = decodeEntry(raw);
        const live = entry !== undefined && (entry.e === undefined || entry.e > now);
        const next = addInteger(live ? raw : undefined, delta, key);
        // No native TTL: the expiry lives in the entry. An existing counter keeps its own.
        const expires = live ? entry.e : ttlMs ? now + ttlMs : undefined;
        await keyv.set(
          key,
          expires === undefined ? String(next) : JSON.stringify({ v: next, e: expires }),
          expires === undefined ? undefined : expires - now,
        );
        return next;
      });
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
