import { AdvError } from '@adv/types';

/** Machine-readable reason of a {@link TaskError}. */
export type TaskErrorCode =
  /** An option or argument has the wrong type or range. */
  | 'ERR_INVALID_OPTION'
  /** A payload (or result) cannot be serialised to JSON. */
  | 'ERR_NOT_SERIALIZABLE'
  /** A worker received a job for a task name it does not know. */
  | 'ERR_UNKNOWN_TASK'
  /** The same task name was defined twice on one app. */
  | 'ERR_DUPLICATE_TASK'
  /** The handler ran past its `timeLimit`. */
  | 'ERR_TIME_LIMIT'
  /** The job waited past its `expiresAt` and was dropped without running. */
  | 'ERR_EXPIRED'
  /** The job was cancelled. */
  | 'ERR_CANCELLED'
  /** `result({ timeout })` gave up waiting. */
  | 'ERR_RESULT_TIMEOUT'
  /** The job failed; the handler's error is in `cause`. */
  | 'ERR_TASK_FAILED'
  /** No job with that id is known to the backend (never enqueued, or already removed). */
  | 'ERR_NOT_FOUND'
  /** The backend is closed, or its server could not be reached. */
  | 'ERR_BACKEND';

/** Base error of @adv/tasks: branch on `code`; the original failure is in `cause` (see `AdvError`). */
export class TaskError extends AdvError<TaskErrorCode> {
  override readonly name = 'TaskError';
}

/** Error codes after which a job is never retried, whatever `retryOn` says. */
export const FINAL_CODES: ReadonlySet<string> = new Set([
  'ERR_UNKNOWN_TASK',
  'ERR_EXPIRED',
  'ERR_CANCELLED',
  'ERR_NOT_SERIALIZABLE',
]);

/** What a stored job remembers of the error that failed it. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

/** Reduces any thrown value to the plain fields a backend can store. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
