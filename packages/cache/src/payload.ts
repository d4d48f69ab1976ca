import { CacheError, describeValue } from './errors.js';

/**
 * What one cache entry holds in the backend, as JSON: the value and our own metadata. Plain
 * integers without metadata are stored as bare decimal strings instead, so Redis `INCRBY` and
 * memcached `incr` work on them atomically (as Django's backends do).
 */
export interface Entry {
  /** The value. */
  v: unknown;
  /** Hard expiry, ms since the epoch (absent: never). Backends with native TTL also drop it. */
  e?: number;
  /** Fresh until, ms since the epoch: after it the value is stale (served only within grace). */
  f?: number;
  /** Tag versions at write time: the entry is invalid once any tag's version moved on (or was lost). */
  g?: Record<string, string>;
}

const INTEGER = /^-?\d{1,16}$/;

/** Parses a stored string; unreadable data counts as a miss. */
export function decodeEntry(raw: unknown): Entry | undefined {
  if (typeof raw !== 'string') return undefined;
  if (INTEGER.test(raw)) return { v: Number(raw) };
  try {
    const entry = JSON.parse(raw) as Entry;
    return typeof entry === 'object' && entry !== null && 'v' in entry ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Serialises an entry; throws `ERR_NOT_SERIALIZABLE` for values JSON cannot hold. */
export function encodeEntry(entry: Entry, bareIntegers: boolean): string {
  const { v } = entry;
  if (
    v === undefined ||
    typeof v === 'function' ||
    typeof v === 'symbol' ||
    typeof v === 'bigint' ||
    (typeof v === 'number' && !Number.isFinite(v))
  ) {
    throw new CacheError(
      'ERR_NOT_SERIALIZABLE',
      `Expected \`value\` to be JSON-serialisable (not undefined, NaN, Infinity, a function, a symbol or a BigInt), got ${describeValue(v)}`,
    );
  }
  // A bare integer drops `e`: only stores with native TTL get bare integers, and they expire them.
  if (
    bareIntegers &&
    typeof v === 'number' &&
    Number.isSafeInteger(v) &&
    entry.f === undefined &&
    entry.g === undefined
  ) {
    return String(v);
  }
  try {
    return JSON.stringify(entry);
  } catch (cause) {
    throw new CacheError(
      'ERR_NOT_SERIALIZABLE',
      `Expected \`value\` to be JSON-serialisable: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** Byte length of a stored string, counted only when it could exceed `limit`. */
export function exceeds(payload: string, limit: number): boolean {
  if (limit === Number.POSITIVE_INFINITY || payload.length <= limit / 3) return false;
  return Buffer.byteLength(payload) > limit;
}
