import { TaskError, type TaskErrorCode } from './errors.js';
import type { JobRecord, JobStatus, RemoveResult, TaskBackend } from './types.js';
import { checkNonNegative, readOptions } from './validate.js';

/** Codes a failed job's stored error keeps when `result()` rethrows it. */
const KEPT_CODES = new Set<string>(['ERR_EXPIRED', 'ERR_TIME_LIMIT', 'ERR_UNKNOWN_TASK', 'ERR_NOT_SERIALIZABLE']);

/** Default wait of `result()`, in ms. */
export const DEFAULT_RESULT_TIMEOUT = 30_000;

/** Turns a finished job into its result, or the error that describes why there is none. */
export function settle<Result>(record: JobRecord): Result {
  if (record.status === 'completed') return record.result as Result;
  if (record.status === 'cancelled')
    throw new TaskError('ERR_CANCELLED', `Job ${record.id} of \`${record.data.task}\` was cancelled`);
  const stored = record.error ?? { name: 'Error', message: 'unknown error' };
  const cause = Object.assign(
    new Error(stored.message),
    { name: stored.name },
    stored.code ? { code: stored.code } : {},
  );
  const code: TaskErrorCode =
    stored.code && KEPT_CODES.has(stored.code) ? (stored.code as TaskErrorCode) : 'ERR_TASK_FAILED';
  throw new TaskError(
    code,
    `Job ${record.id} of \`${record.data.task}\` failed after ${record.attemptsMade} attempt(s): ${stored.message}`,
    { cause },
  );
}

/** A queued job: ask for its status, wait for its result, cancel or retry it. */
export class TaskHandle<Result = unknown> {
  /** The job id (yours when you passed `jobId`). */
  readonly id: string;
  readonly #backend: TaskBackend;

  constructor(backend: TaskBackend, id: string) {
    this.#backend = backend;
    this.id = id;
  }

  /** Where the job is now; `unknown` once retention removed it. */
  async status(): Promise<JobStatus> {
    return (await this.#backend.get(this.id))?.status ?? 'unknown';
  }

  /** The stored job: status, attempts, result or error. */
  async info(): Promise<JobRecord | undefined> {
    return this.#backend.get(this.id);
  }

  /**
   * Waits for the job to finish and resolves with its result; rejects with a {@link TaskError}
   * (`ERR_TASK_FAILED` with the handler's error as `cause`, `ERR_EXPIRED`, `ERR_TIME_LIMIT`,
   * `ERR_CANCELLED`, or `ERR_RESULT_TIMEOUT` after `timeout` ms).
   */
  async result(options: { timeout?: number | undefined } = {}): Promise<Result> {
    const o = readOptions('result', options, { timeout: true }, { timeout: DEFAULT_RESULT_TIMEOUT });
    const timeout = checkNonNegative('timeout', o.timeout, 'milliseconds');
    const record = await this.#backend.waitFinished(this.id, timeout);
    return settle<Result>(record);
  }

  /** Cancels the job if it has not finished; resolves whether it was cancelled. */
  cancel(): Promise<boolean> {
    return this.#backend.cancel(this.id);
  }

  /** Deletes the job unless it is running: `'removed'`, `'not-found'` or `'active'` (see {@link TaskBackend.remove}). */
  remove(): Promise<RemoveResult> {
    return this.#backend.remove(this.id);
  }

  /** Re-queues a failed job with fresh attempts (the dead-letter "retry" button). */
  retry(): Promise<void> {
    return this.#backend.retry(this.id);
  }
}
