/** Machine-readable reason of a {@link AsyncError}. */
export type AsyncErrorCode = 'ERR_INVALID_OPTION';

/** Base error of @adv/async: branch on `code`; the original failure is in `cause`. */
export class AsyncError extends Error {
  override readonly name = 'AsyncError';
  readonly code: AsyncErrorCode;

  constructor(code: AsyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
