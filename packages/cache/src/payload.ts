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
  // An entry is a JSON object (`{`); anything else may be a bare integer.
  if (raw.charCodeAt(0) !== 123 && INTEGER.test(raw)) return { v: Number(raw) };
  if (raw.length < PARSED_MIN_CHARS) return parseEntry(raw);
  const known = parsed.get(raw);
  if (known !== undefined) return copyEntry(known);
  const entry = parseEntry(raw);
  if (entry !== undefined) remember(raw, copyEntry(entry));
  return entry;
}

function parseEntry(raw: string): Entry | undefined {
  try {
    const entry = JSON.parse(raw) as Entry;
    return typeof entry === 'object' && entry !== null && 'v' in entry ? entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parsed entries of the long stored strings read last, by their text. Reading the same long
 * entry again (a cached page: a CPU profile of page hits put `JSON.parse` at 8.5%) copies the
 * parsed tree instead of parsing the text: the copy shares only the strings, which are
 * immutable, so every read still returns objects and arrays of its own. At most
 * `PARSED_MAX_CHARS` of text is kept, the oldest dropped first.
 */
const parsed = new Map<string, Entry>();
const PARSED_MIN_CHARS = 2048;
const PARSED_MAX_CHARS = 4 * 1024 * 1024;
let parsedChars = 0;

function remember(raw: string, entry: Entry): void {
  if (raw.length > PARSED_MAX_CHARS) return;
  parsed.set(raw, entry);
  parsedChars += raw.length;
  for (const oldest of parsed.keys()) {
    if (parsedChars <= PARSED_MAX_CHARS) break;
    parsed.delete(oldest);
    parsedChars -= oldest.length;
  }
}

/** A copy of a parsed entry: new objects and arrays, the same (immutable) strings. */
function copyEntry(entry: Entry): Entry {
  const copy: Entry = { v: copyJson(entry.v) };
  if (entry.e !== undefined) copy.e = entry.e;
  if (entry.f !== undefined) copy.f = entry.f;
  if (entry.g !== undefined) copy.g = { ...entry.g };
  return copy;
}

/** Copies a JSON value as `JSON.parse` would have built it (an own `__proto__` key included). */
function copyJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyJson((value as Record<string, unknown>)[key]);
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
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
