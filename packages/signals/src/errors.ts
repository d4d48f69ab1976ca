/** Machine-readable reason of a {@link SignalError}. */
export type SignalErrorCode = 'ERR_INVALID_OPTION';

/** Base error of @adv/signals: branch on `code`; the original failure is in `cause`. */
export class SignalError extends Error {
  override readonly name = 'SignalError';
  readonly code: SignalErrorCode;

  constructor(code: SignalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
