import type { DescribesBackend } from '@adv/types';
import type { SerializedError } from './errors.js';

/** Where a job is in its life. `unknown`: never enqueued here, or already removed by retention. */
export type JobStatus = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled' | 'unknown';

/** Every key of `T` present and defined: options with their defaults applied. */
export type Defined<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

/** Exponential backoff between attempts: `min(maxDelay, delay * factor ** (attempt - 1))`, then jitter. */
export interface BackoffOptions {
  /**
   * Wait before the first retry, in milliseconds.
   * @defaultValue 1000
   */
  delay?: number | undefined;
  /**
   * Growth per attempt.
   * @defaultValue 2
   */
  factor?: number | undefined;
  /**
   * Upper bound of one wait, in milliseconds.
   * @defaultValue 3_600_000 (one hour)
   */
  maxDelay?: number | undefined;
  /**
   * Share of each wait that is random, 0 to 1 ("equal jitter": `0.5` waits between 50 % and 100 %).
   * @defaultValue 0.5
   */
  jitter?: number | undefined;
}

/** A rate limit: at most `max` starts per `duration` milliseconds. */
export interface RateLimit {
  max: number;
  duration: number;
}

/** Options of {@link TaskApp.defineTask}. */
export interface TaskOptions {
  /**
   * Runs per job, counting the first one (Celery's `max_retries + 1`).
   * @defaultValue 1
   */
  attempts?: number | undefined;
  /** Wait between attempts. @defaultValue {@link DEFAULT_BACKOFF} */
  backoff?: BackoffOptions | undefined;
  /**
   * Which errors retry (when attempts remain). Expired, cancelled and unknown-task failures never do.
   * @defaultValue every error retries
   * @example `retryOn: (error) => !(error instanceof ValidationError)`
   */
  retryOn?: ((error: unknown, attempt: number) => boolean) | undefined;
  /**
   * Hard time limit of one attempt, in milliseconds: the handler's `signal` aborts and the attempt
   * fails with `ERR_TIME_LIMIT` (retried like any error).
   */
  timeLimit?: number | undefined;
  /** At most `max` starts of this task in any `duration` ms (sliding window), in each worker process (as Celery's `rate_limit`). */
  rateLimit?: RateLimit | undefined;
}

/** Options of `task.enqueue()`. `delay` and `at` exclude each other. */
export interface EnqueueOptions {
  /** Run no sooner than this many milliseconds from now. */
  delay?: number | undefined;
  /** Run no sooner than this moment (Celery's ETA). */
  at?: Date | number | undefined;
  /** Drop the job unrun (status `failed`, code `ERR_EXPIRED`) if it has not started by then. */
  expiresAt?: Date | number | undefined;
  /** 1 (first) to 2,097,152; a job without priority runs before prioritised ones (BullMQ's order). */
  priority?: number | undefined;
  /** Deduplication id: while a job with this id is kept, enqueuing it again returns the same job. */
  jobId?: string | undefined;
  /** Overrides the task's `attempts` for this job. */
  attempts?: number | undefined;
}

/** What the handler receives beside its payload. */
export interface TaskContext {
  /** The job id. */
  id: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  /** Aborted on time limit, cancellation or worker shutdown: pass it to `fetch` and friends. */
  signal: AbortSignal;
  /** The task name. */
  name: string;
}

/** A task's handler. */
export type TaskHandler<Payload, Result> = (payload: Payload, context: TaskContext) => Result | Promise<Result>;

/** One step of a chain that is still to run, with its options resolved when the chain was enqueued. */
export interface ChainStep {
  task: string;
  attempts: number;
  backoff: Defined<BackoffOptions>;
  delay?: number;
  priority?: number;
  expiresAt?: number;
}

/** The JSON stored with every job. */
export interface JobData {
  task: string;
  payload: unknown;
  expiresAt?: number;
  backoff?: Defined<BackoffOptions>;
  /** Steps to enqueue after this one, each fed the previous result. */
  chain?: ChainStep[];
  /** The last attempt's error, where the backend keeps it in the job data (BullMQ). */
  error?: SerializedError;
}

/** A job as the backend stores it. */
export interface JobRecord {
  id: string;
  status: JobStatus;
  data: JobData;
  /** Attempts finished (failed or succeeded). */
  attemptsMade: number;
  /** Attempts allowed. */
  attempts: number;
  createdAt: number;
  finishedAt?: number;
  result?: unknown;
  error?: SerializedError;
}

/** A job handed to the processor. */
export interface ActiveJob {
  id: string;
  data: JobData;
  /** Attempts already finished before this one. */
  attemptsMade: number;
  attempts: number;
  /** Aborted when the backend cancels the job or shuts down. A backend may create it lazily (a getter). */
  readonly signal: AbortSignal;
  /**
   * Whether `signal` is aborted, for backends that create it lazily: reading this must not create
   * it (AbortSignals are costly to create per job). Absent: the processor reads `signal.aborted`.
   */
  readonly aborted?: boolean;
}

/** What the processor decided about one attempt. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; retryIn?: number };

/** A job the backend should add. */
export interface NewJob {
  id?: string;
  data: JobData;
  delay: number;
  priority?: number;
  attempts: number;
}

/** The states whose jobs can be listed. */
export type ListableState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** Counts by state. */
export interface TaskStats {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/** When a periodic schedule fires: a cron expression (5 or 6 fields) with an IANA time zone, or a fixed interval. */
export type ScheduleSpec = { cron: string; tz?: string } | { every: number };

/** A schedule as stored by the backend. */
export interface ScheduleRecord {
  id: string;
  spec: ScheduleSpec;
  task: string;
  payload: unknown;
  /** Next fire time (ms since epoch) when the backend knows it. */
  next?: number;
  /** The last tick that fired, when the backend knows it: its time and the id of the job it enqueued. */
  last?: { at: number; jobId: string };
}

/**
 * What {@link TaskBackend.remove} did: `removed`; `not-found` when no job has that id (never
 * enqueued, or already removed by another caller or by retention); `active` when the job is
 * running and was left alone (cancel it first, or remove it once it finished).
 */
export type RemoveResult = 'removed' | 'not-found' | 'active';

/** Options of {@link TaskBackend.process}. */
export interface ProcessOptions {
  /** Jobs run at once in this process. */
  concurrency: number;
  /** Receives errors outside any one job (a lost connection, say). */
  onError?: (error: unknown) => void;
}

/**
 * The contract every task backend implements: storage and dispatch of jobs. Retries, time limits,
 * expiry, rate limits and chains are decided by the app's processor, so they behave the same on
 * every backend.
 */
export interface TaskBackend extends DescribesBackend {
  /** Adds a job; with an `id` already kept, returns the existing job unchanged. */
  add(job: NewJob): Promise<JobRecord>;
  /** The job, or `undefined` when unknown. */
  get(id: string): Promise<JobRecord | undefined>;
  /** Resolves with the job once it is `completed`, `failed` or `cancelled`; rejects after `timeout` ms. */
  waitFinished(id: string, timeout: number): Promise<JobRecord>;
  /** Cancels a waiting or delayed job (and an active one where the backend can); resolves whether it did. */
  cancel(id: string): Promise<boolean>;
  /** Starts consuming jobs with `processor`. */
  process(processor: (job: ActiveJob) => Promise<Outcome>, options: ProcessOptions): Promise<void>;
  /** Counts by state. */
  stats(): Promise<TaskStats>;
  /** Jobs in one state, most recent first, from index `start` to `end` inclusive. */
  list(state: ListableState, start: number, end: number): Promise<JobRecord[]>;
  /** Moves a failed job back to waiting with fresh attempts. */
  retry(id: string): Promise<void>;
  /**
   * Deletes a job that is not running (waiting, delayed, completed, failed or cancelled): it is
   * never run, `get` no longer finds it and its id can be enqueued again. An active job is
   * refused (`'active'`), never interrupted.
   */
  remove(id: string): Promise<RemoveResult>;
  /**
   * Pauses the queue: no worker, in any process, starts a job until {@link TaskBackend.resume};
   * running jobs finish and enqueues are kept. Optional, with `resume` and `isPaused`: a backend
   * without all three cannot pause (`app.canPause` is `false`).
   */
  pause?(): Promise<void>;
  /** Lets workers start jobs again after {@link TaskBackend.pause}. */
  resume?(): Promise<void>;
  /** Whether the queue is paused. */
  isPaused?(): Promise<boolean>;
  /** Creates or replaces a periodic schedule by id (idempotent). */
  upsertSchedule(
    schedule: ScheduleRecord,
    template: { data: JobData; attempts: number; priority?: number },
  ): Promise<void>;
  /** Removes a schedule; resolves whether it existed. */
  removeSchedule(id: string): Promise<boolean>;
  /** All schedules. */
  schedules(): Promise<ScheduleRecord[]>;
  /** Resolves when the backend can take work. */
  ping(signal: AbortSignal): Promise<void>;
  /** Stops taking jobs, lets active ones finish (up to `timeout` ms), releases connections. */
  close(options?: { timeout?: number | undefined }): Promise<void>;
}
