import { AdvError } from '@adv/types';

/** Machine-readable reason of an {@link AsyncError}. */
export type AsyncErrorCode =
  /** An option or argument failed validation (a programmer error). */
  | 'ERR_INVALID_OPTION'
  /** A request body was larger than `bodyLimit`. */
  | 'ERR_BODY_TOO_LARGE'
  /** Work did not finish within its `timeout` or deadline. */
  | 'ERR_TIMEOUT'
  /** Work was cancelled through an `AbortSignal`. */
  | 'ERR_ABORTED'
  /** A worker thread of the offload pool failed or exited. */
  | 'ERR_WORKER'
  /** A received WebSocket message could not be decoded (e.g. `json()` on invalid JSON). */
  | 'ERR_INVALID_MESSAGE'
  /** The server, pool or channel layer was already closed. */
  | 'ERR_CLOSED'
  /**
   * A backend server (Redis for `redisLayer`) was unreachable or did not answer within the
   * layer's `unavailableTimeout`; nothing was queued to be sent later.
   */
  | 'ERR_BACKEND'
  /** An optional peer dependency is not installed (e.g. `ioredis` for `@adv/async/redis`). */
  | 'ERR_MISSING_DEPENDENCY'
  /** A per-connection limit was exceeded (e.g. `maxGroupsPerConnection`). */
  | 'ERR_LIMIT';

/** Base error of @adv/async: branch on `code`; the original failure is in `cause` (see `AdvError`). */
export class AsyncError extends AdvError<AsyncErrorCode> {
  override readonly name = 'AsyncError';
}
