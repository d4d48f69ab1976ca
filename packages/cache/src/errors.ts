/**
 * Machine-readable reason of a {@link CacheError}:
 * - `ERR_INVALID_OPTION`: a bad option passed to `createCache`, `cachePage` and friends.
 * - `ERR_INVALID_ARGUMENT`: a bad argument to a cache method (key, ttl, delta, tags).
 * - `ERR_NOT_SERIALIZABLE`: the value cannot be stored as JSON (BigInt, a cycle, a function).
 * - `ERR_VALUE_TOO_LARGE`: the stored form is larger than the backend accepts (`maxValueBytes`).
 * - `ERR_NOT_INTEGER`: `incr`/`decr` on a value that is not an integer.
 * - `ERR_NOT_FOUND`: `incrVersion` of a key that is not in the cache.
 * - `ERR_BACKEND`: the backend failed, timed out or is known to be down; the original error is in `cause`.
 * - `ERR_CLOSED`: the cache was used after `close()`.
 * - `ERR_MISSING_PEER`: the backend's optional peer package is not installed (the message says
 *   what to install, e.g. `npm install @keyv/redis`).
 */
export type CacheErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NOT_SERIALIZABLE'
  | 'ERR_VALUE_TOO_LARGE'
  | 'ERR_NOT_INTEGER'
  | 'ERR_NOT_FOUND'
  | 'ERR_BACKEND'
  | 'ERR_CLOSED'
  | 'ERR_MISSING_PEER';

/** Base error of @adv/cache: branch on `code`; the original failure is in `cause`. */
export class CacheError extends Error {
  override readonly name = 'CacheError';
  readonly code: CacheErrorCode;

  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Renders a value for an error message: `\`-1\` (number)`. */
export function describeValue(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? value : typeof value === 'bigint' ? `${value}n` : String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`;
}
