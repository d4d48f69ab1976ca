/** Machine-readable reason of a {@link TaskError}. */
export type TaskErrorCode = 'ERR_INVALID_OPTION';

/** Base error of @adv/tasks: branch on `code`; the original failure is in `cause`. */
export class TaskError extends Error {
  override readonly name = 'TaskError';
  readonly code: TaskErrorCode;

  constructor(code: TaskErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
