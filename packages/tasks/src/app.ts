import { EventEmitter } from 'node:events';
import type { BackendInfo, DescribesBackend, Logger, ReadinessCheck } from '@adv/types';
import { silentLogger } from '@adv/types';
import { TaskError } from './errors.js';
import { TaskHandle } from './handle.js';
import { memoryBackend } from './memory/backend.js';
import { createProcessor, type TaskEventMap } from './runner.js';
import { checkScheduleSpec } from './schedule.js';
import { assertSerializable } from './serialize.js';
import { Task } from './task.js';
import type {
  JobRecord,
  ListableState,
  RemoveResult,
  ScheduleRecord,
  ScheduleSpec,
  TaskBackend,
  TaskHandler,
  TaskOptions,
  TaskStats,
} from './types.js';
import { checkInteger, checkName, checkNonNegative, checkTaskOptions, invalid, readOptions } from './validate.js';

/** Options of {@link createTaskApp}. */
export interface TaskAppOptions {
  /** Where jobs are stored and dispatched. @defaultValue `memoryBackend()` */
  backend?: TaskBackend | undefined;
  /** Receives worker diagnostics (a pino logger or `console` fit). @defaultValue silentLogger */
  logger?: Logger | undefined;
}

/** Options of {@link TaskApp.process}. */
export interface ProcessJobsOptions {
  /** Jobs run at once in this process. @defaultValue 8 */
  concurrency?: number | undefined;
  /** Remove backend schedules no longer declared with `app.schedule()`. @defaultValue true */
  pruneSchedules?: boolean | undefined;
}

/** A failed job, as the dead-letter view lists it. */
export interface FailedJob {
  id: string;
  task: string;
  payload: unknown;
  error: { name: string; message: string; code?: string };
  attemptsMade: number;
  finishedAt?: number;
}

const LISTABLE = new Set<string>(['waiting', 'active', 'delayed', 'completed', 'failed']);
const PROCESS_KEYS = { concurrency: true, pruneSchedules: true } as const;
const RANGE_KEYS = { start: true, end: true } as const;
const RANGE_DEFAULTS = { start: 0, end: 99 } as const;

interface DeclaredSchedule {
  record: ScheduleRecord;
  task: Task<unknown, unknown>;
}

/**
 * A set of tasks sharing one backend (Celery's `app`). Define tasks and schedules on it; call
 * `process()` (or `startWorker()`) in the processes that should run them. Emits
 * {@link TaskEventMap} events for jobs run in this process.
 */
export class TaskApp extends EventEmitter<TaskEventMap> implements DescribesBackend {
  /** The backend in use. */
  readonly backend: TaskBackend;
  readonly #logger: Logger;
  readonly #tasks = new Map<string, Task<unknown, unknown>>();
  readonly #schedules = new Map<string, DeclaredSchedule>();
  #processing = false;

  constructor(options: TaskAppOptions = {}) {
    super();
    const o = readOptions('createTaskApp', options, { backend: true, logger: true }, { logger: silentLogger });
    this.backend = o.backend ?? memoryBackend();
    this.#logger = o.logger;
  }

  /**
   * Defines a task. Names are unique per app: workers find the handler by name.
   *
   * @example
   * ```ts
   * const sendEmail = app.defineTask('send-email', async ({ to }: { to: string }, { signal }) => mailer.send(to, { signal }), {
   *   attempts: 5, backoff: { delay: 1000 }, timeLimit: 30_000, rateLimit: { max: 10, duration: 1000 },
   * });
   * ```
   */
  defineTask<Payload = unknown, Result = unknown>(
    name: string,
    handler: TaskHandler<Payload, Result>,
    options: TaskOptions = {},
  ): Task<Payload, Result> {
    checkName('name', name);
    if (typeof handler !== 'function') invalid('handler', 'a function (payload, context) => result', handler);
    const checked = checkTaskOptions(options);
    if (this.#tasks.has(name))
      throw new TaskError('ERR_DUPLICATE_TASK', `A task named \`${name}\` is already defined on this app`);
    const task = new Task<Payload, Result>(name, handler, checked, () => this.backend);
    this.#tasks.set(name, task as Task<unknown, unknown>);
    return task;
  }

  /** What the backend says about itself, for deploy checks ("memory tasks with several processes"). */
  get backendInfo(): BackendInfo {
    return this.backend.backendInfo;
  }

  /** The task defined under `name`, if any. */
  task(name: string): Task<unknown, unknown> | undefined {
    return this.#tasks.get(name);
  }

  /** A handle on a job by id (for ids stored elsewhere, e.g. in a database row). */
  handle<Result = unknown>(id: string): TaskHandle<Result> {
    return new TaskHandle<Result>(this.backend, id);
  }

  /**
   * Declares a periodic schedule (Celery beat). It is upserted by id when this app starts
   * processing (or on `syncSchedules()`), so restarts and deploys never duplicate it; each tick
   * enqueues one job however many workers run.
   *
   * @example
   * ```ts
   * app.schedule('nightly-report', { cron: '0 3 * * *', tz: 'Europe/Paris' }, report, { kind: 'daily' });
   * app.schedule('heartbeat', { every: 30_000 }, ping);
   * ```
   */
  schedule<Payload>(id: string, spec: ScheduleSpec, task: Task<Payload, unknown>, payload?: Payload): this {
    checkName('id', id);
    const checked = checkScheduleSpec(spec);
    if (!(task instanceof Task) || this.#tasks.get(task.name) !== (task as Task<unknown, unknown>)) {
      invalid('task', 'a task defined on this app', task);
    }
    assertSerializable(payload);
    this.#schedules.set(id, {
      record: { id, spec: checked, task: task.name, payload },
      task: task as Task<unknown, unknown>,
    });
    return this;
  }

  /** Upserts every declared schedule; with `prune`, removes backend schedules no longer declared. */
  async syncSchedules(options: { prune?: boolean | undefined } = {}): Promise<void> {
    const { prune } = readOptions('syncSchedules', options, { prune: true }, { prune: true });
    for (const { record, task } of this.#schedules.values()) {
      const job = task.prepare(record.payload, {}, []);
      await this.backend.upsertSchedule(record, {
        data: job.data,
        attempts: job.attempts,
        ...(job.priority === undefined ? {} : { priority: job.priority }),
      });
    }
    if (prune) {
      for (const existing of await this.backend.schedules()) {
        if (!this.#schedules.has(existing.id)) await this.backend.removeSchedule(existing.id);
      }
    }
  }

  /** Schedules as the backend stores them, with their next fire time. */
  schedules(): Promise<ScheduleRecord[]> {
    return this.backend.schedules();
  }

  /** Starts running jobs in this process (syncing schedules first). Resolves once consuming. */
  async process(options: ProcessJobsOptions = {}): Promise<void> {
    const o = readOptions('process', options, PROCESS_KEYS, { concurrency: 8, pruneSchedules: true });
    const concurrency = checkInteger('concurrency', o.concurrency, 1);
    if (this.#processing) throw new TaskError('ERR_INVALID_OPTION', 'This app is already processing jobs');
    this.#processing = true;
    await this.syncSchedules({ prune: o.pruneSchedules });
    const processor = createProcessor({
      tasks: this.#tasks,
      backend: this.backend,
      listening: (event) => this.listenerCount(event) > 0,
      emit: (event, ...args) => {
        try {
          (this.emit as (event: string, ...rest: unknown[]) => boolean)(event, ...args);
        } catch (error) {
          this.#logger.error({ err: error }, `adv-tasks: a \`${event}\` listener threw`);
        }
      },
    });
    await this.backend.process(processor, {
      concurrency,
      onError: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
        else this.#logger.error({ err: error }, 'adv-tasks: backend error');
      },
    });
  }

  /** Counts of waiting, active, delayed, completed and failed jobs. */
  stats(): Promise<TaskStats> {
    return this.backend.stats();
  }

  /**
   * Jobs in one state (`waiting`, `active`, `delayed`, `completed`, `failed`), most recent first.
   *
   * @example
   * ```ts
   * for (const job of await app.list('delayed', { end: 9 })) console.log(job.id, job.data.task);
   * ```
   */
  list(
    state: ListableState,
    options: { start?: number | undefined; end?: number | undefined } = {},
  ): Promise<JobRecord[]> {
    if (!LISTABLE.has(state)) invalid('state', 'one of waiting, active, delayed, completed, failed', state);
    const { start, end } = readOptions('list', options, RANGE_KEYS, RANGE_DEFAULTS);
    return this.backend.list(state, start, end);
  }

  /** The dead-letter view: failed jobs with their errors, most recent first. */
  async failed(options: { start?: number | undefined; end?: number | undefined } = {}): Promise<FailedJob[]> {
    const { start, end } = readOptions('failed', options, RANGE_KEYS, RANGE_DEFAULTS);
    const records = await this.backend.list('failed', start, end);
    return records.map((record: JobRecord) => ({
      id: record.id,
      task: record.data.task,
      payload: record.data.payload,
      error: record.error ?? { name: 'Error', message: 'unknown error' },
      attemptsMade: record.attemptsMade,
      ...(record.finishedAt === undefined ? {} : { finishedAt: record.finishedAt }),
    }));
  }

  /** Re-queues a failed job with fresh attempts. */
  retryFailed(id: string): Promise<void> {
    return this.backend.retry(id);
  }

  /**
   * Deletes a job that is not running: `'removed'`, `'not-found'` (never enqueued, or removed
   * already), or `'active'` (it runs now and is left alone; cancel it, or remove it once it
   * finished). A removed job never runs, and its id can be enqueued again.
   *
   * @example
   * ```ts
   * if ((await app.remove(id)) === 'active') await app.handle(id).cancel();
   * ```
   */
  remove(id: string): Promise<RemoveResult> {
    if (typeof id !== 'string' || id === '') invalid('id', 'a non-empty string', id);
    return this.backend.remove(id);
  }

  /** Whether the backend can pause its queue (`pause`, `resume` and `isPaused` all work). */
  get canPause(): boolean {
    const { pause, resume, isPaused } = this.backend;
    return typeof pause === 'function' && typeof resume === 'function' && typeof isPaused === 'function';
  }

  /**
   * Pauses the queue: workers in every process start no job until {@link TaskApp.resume}; running
   * jobs finish, and enqueues are kept. Rejects with `ERR_BACKEND` where the backend cannot
   * pause (see {@link TaskApp.canPause}).
   */
  async pause(): Promise<void> {
    await this.#pausable('pause').pause();
  }

  /** Lets workers start jobs again after {@link TaskApp.pause}. */
  async resume(): Promise<void> {
    await this.#pausable('resume').resume();
  }

  /** Whether the queue is paused (`false` where the backend cannot pause). */
  async isPaused(): Promise<boolean> {
    return this.canPause ? this.#pausable('read the pause of').isPaused() : false;
  }

  #pausable(what: string): Required<Pick<TaskBackend, 'pause' | 'resume' | 'isPaused'>> {
    if (!this.canPause) {
      throw new TaskError('ERR_BACKEND', `Cannot ${what} the queue: backend \`${this.backendInfo.name}\` cannot pause`);
    }
    return this.backend as Required<Pick<TaskBackend, 'pause' | 'resume' | 'isPaused'>>;
  }

  /** A readiness probe for `/readyz`: pings the backend. */
  readinessCheck(name = 'tasks'): ReadinessCheck {
    const backend = this.backend;
    return { name, check: (signal: AbortSignal) => backend.ping(signal) };
  }

  /** Stops processing, lets active jobs finish (up to `timeout` ms), closes the backend. */
  async close(options: { timeout?: number | undefined } = {}): Promise<void> {
    const { timeout } = readOptions('close', options, { timeout: true });
    if (timeout === undefined) return this.backend.close();
    return this.backend.close({ timeout: checkNonNegative('timeout', timeout, 'milliseconds') });
  }
}

/** Creates a {@link TaskApp}; without a backend, jobs run in-process on the memory backend. */
export function createTaskApp(options?: TaskAppOptions): TaskApp {
  return new TaskApp(options);
}

let defaultApp: TaskApp | undefined;

/** The app behind the top-level {@link defineTask}: in-process, memory backend. */
export function getDefaultApp(): TaskApp {
  defaultApp ??= new TaskApp();
  return defaultApp;
}

/** Defines a task on the default (in-process) app. Use `createTaskApp({ backend })` for BullMQ. */
export function defineTask<Payload = unknown, Result = unknown>(
  name: string,
  handler: TaskHandler<Payload, Result>,
  options?: TaskOptions,
): Task<Payload, Result> {
  return getDefaultApp().defineTask(name, handler, options);
}
