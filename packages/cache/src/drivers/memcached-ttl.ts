/**
 * memcached's limits and expiry rules, without its client: the cache needs them before the
 * optional `@keyv/memcache` peer is loaded.
 */

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
