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
 *
 * memcached keeps time in whole seconds on a clock that ticks once a second, and drops an item
 * when that clock reaches its expiry: a relative expiry of N seconds lasts between N - 1 and N
 * seconds (an item stored with 1 just before the tick is gone a few ms later). One second more
 * makes it last at least the ttl; our entries carry their own expiry to the ms (`Entry.e`), so
 * reads still end on time, and only bare counters (`incr`) may outlive their ttl by under a second.
 */
export function memcachedExpires(ttlMs: number | undefined, now = Date.now()): number {
  if (!ttlMs) return 0;
  const seconds = Math.ceil(ttlMs / 1000) + 1;
  if (seconds <= THIRTY_DAYS) return seconds;
  // An absolute time expires once the server's clock reaches it: the first whole second at or after the end.
  const at = Math.ceil((now + ttlMs) / 1000);
  // The protocol's expiry is 32 bits: a time past 2106 is as good as never.
  return at > MAX_EXPIRES ? 0 : at;
}
