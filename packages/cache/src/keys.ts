import { createHash } from 'node:crypto';

/** Django's `KEY_FUNCTION`: turns a user key into the key stored in the backend. */
export type KeyFunction = (key: string, keyPrefix: string, version: number) => string;

/** Django's default `make_key`: `prefix:version:key`. */
export const defaultKeyFunction: KeyFunction = (key, keyPrefix, version) => `${keyPrefix}:${version}:${key}`;

/** Memcached's limit on a key, in bytes. */
export const MAX_KEY_BYTES = 250;

// Memcached rejects keys with spaces or control characters (and DEL); anything else printable is fine.

/** Whether memcached would accept `key` as it is. */
export function isSafeKey(key: string): boolean {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most keys skip the byte count.
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key) > MAX_KEY_BYTES) return false;
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return true;
}

/**
 * Returns `key` when memcached would accept it, or a stable hashed form otherwise: the safe
 * `head` (`prefix:version:` or `prefix:~`) is kept, so `clear()` by prefix still finds the
 * entry, and the rest becomes `#` + SHA-256 in hex. Never sends an unsafe key to a backend.
 */
export function safeKey(key: string, head: string): string {
  if (isSafeKey(key)) return key;
  const digest = createHash('sha256').update(key).digest('hex');
  const hashed = `${head}#${digest}`;
  return key.startsWith(head) && isSafeKey(hashed) ? hashed : `#${digest}`;
}

/**
 * The stored key of what a key function built: as it is when it starts with
 * `keyPrefix:version:` (the default key function's form), otherwise `keyPrefix:~` + it, so
 * every key a cache writes starts with `keyPrefix:` and `clear()` (which deletes that prefix)
 * finds it whatever the key function returns; hashed if memcached would reject it.
 *
 * Distinct built keys stay distinct: kept keys continue `keyPrefix:` with a digit or `-` (the
 * version), moved ones with `~`, and neither can be one of the cache's own keys
 * (`keyPrefix:tag:…`, `keyPrefix:generation`).
 */
export function scopedKey(built: string, keyPrefix: string, version: number): string {
  const head = `${keyPrefix}:${version}:`;
  if (built.startsWith(head)) return safeKey(built, head);
  const moved = `${keyPrefix}:~`;
  return safeKey(`${moved}${built}`, moved);
}
