import { AdvError, describeValue } from '@adv/types';

/**
 * Machine-readable reason of a {@link SignalError}.
 *
 * - `ERR_INVALID_OPTION`: a bad argument or option (programmer error, thrown at once).
 * - `ERR_ASYNC_RECEIVER`: a receiver is async (or returned a promise) but the signal was sent
 *   with the synchronous `send` / `sendRobust`; use `asend` / `asendRobust`.
 * - `ERR_RECEIVER_FAILED`: a receiver threw something that is not an `Error`; the thrown value
 *   is the `cause`.
 * - `ERR_TRANSACTION_CLOSED`: `onCommit` or `atomic` was called from work that outlived the
 *   `atomic` block it started in.
 * - `ERR_NOT_DURABLE`: `atomic(fn, { durable: true })` was nested in another atomic block.
 * - `ERR_CALLBACK_TIMEOUT`: an `onCommit` callback did not settle within its `timeout`.
 * - `ERR_ROLLBACK_FAILED`: rolling back failed after the block failed; the `cause` is an
 *   `AggregateError` of the block's error and the rollback's error.
 */
export type SignalErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_ASYNC_RECEIVER'
  | 'ERR_RECEIVER_FAILED'
  | 'ERR_TRANSACTION_CLOSED'
  | 'ERR_NOT_DURABLE'
  | 'ERR_ROLLBACK_FAILED'
  | 'ERR_CALLBACK_TIMEOUT';

/** Base error of @adv/signals: branch on `code`; the original failure is in `cause` (see `AdvError`). */
export class SignalError extends AdvError<SignalErrorCode> {
  override readonly name = 'SignalError';
}

/** Wraps a thrown non-Error so that `instanceof Error` tells a failure from a result. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new SignalError('ERR_RECEIVER_FAILED', `A receiver threw a non-Error value: ${describeValue(value)}`, {
    cause: value,
  });
}

// The one rule of `@adv/types` (re-exported so that every module here keeps importing it from errors.js).
export { describeValue };
