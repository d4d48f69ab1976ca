/** Machine-readable reason of a {@link I18nError}. */
export type I18nErrorCode = 'ERR_INVALID_OPTION';

/** Base error of @adv/i18n: branch on `code`; the original failure is in `cause`. */
export class I18nError extends Error {
  override readonly name = 'I18nError';
  readonly code: I18nErrorCode;

  constructor(code: I18nErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
