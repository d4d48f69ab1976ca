import { AdvError, describeValue } from '@adv/types';

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

/** Base error of @adv/cache: branch on `code`; the original failure is in `cause` (see `AdvError`). */
export class CacheError extends AdvError<CacheErrorCode> {
  override readonly name = 'CacheError';
}

// Renders a value for an error message, `` `-1` (number) ``: the one rule of `@adv/types`
// (re-exported so that every module here keeps importing it from errors.js).
export { describeValue };
