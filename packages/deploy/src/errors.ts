/** Machine-readable reason of a {@link DeployError}. */
export type DeployErrorCode = 'ERR_INVALID_OPTION';

/** Base error of @adv/deploy: branch on `code`; the original failure is in `cause`. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
  readonly code: DeployErrorCode;

  constructor(code: DeployErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
