/** Machine-readable reason of a {@link CacheError}. */
export type CacheErrorCode = 'ERR_INVALID_OPTION';

/** Base error of @adv/cache: branch on `code`; the original failure is in `cause`. */
export class CacheError extends Error {
  override readonly name = 'CacheError';
  readonly code: CacheErrorCode;

  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
