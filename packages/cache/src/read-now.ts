/**
 * The synchronous read `cachePage` uses on its hit path (#18): a `Cache` whose backend is in
 * this process (memory, without L1) answers `get` without a promise, so a page hit costs the one
 * promise the middleware returns. Internal: not exported from the package (see `readCacheNow`
 * in cache.ts, which reaches a private method, so the public `Cache` type does not change).
 */

/** What `readCacheNow(cache, key)` answers when the backend cannot read synchronously (use `get`). */
export const NOT_NOW = Symbol('@adv/cache not now');
