import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { serializeError, TaskError } from '../errors.js';
import { type LongTimer, setLongTimeout } from '../timers.js';
import type {
  ActiveJob,
  JobData,
  JobRecord,
  ListableState,
  NewJob,
  Outcome,
  ProcessOptions,
  ScheduleRecord,
  TaskBackend,
  TaskStats,
} from '../types.js';
import { backoffDelay, checkInteger, DEFAULT_BACKOFF } from '../validate.js';
import { type BullmqBackendOptions, type ResolvedBullmqOptions, resolveBullmqOptions } from './options.js';
import { toRecord, toScheduleRecord } from './records.js';

const CANCELLED_TTL_SECONDS = 86_400;
const NEVER_ABORTED = new AbortController().signal;
const FINISHED = new Set(['completed', 'failed', 'cancelled']);

/**
 * BullMQ on Redis: jobs survive restarts, several worker processes share them, a worker killed
 * mid-task loses nothing (stalled-job recovery runs the job again elsewhere), and periodic
 * schedules use BullMQ job schedulers, so each tick runs once across all workers.
 */
export class BullmqBackend implements TaskBackend {
  readonly backendInfo = { name: '@adv/tasks:bullmq', sharedAcrossProcesses: true } as const;
  /** The BullMQ queue (for anything this API does not cover). */
  readonly queue: Queue<JobData>;
  readonly #options: ResolvedBullmqOptions;
  readonly #connections: Redis[] = [];
  readonly #retryDelays = new WeakMap<Error, number>();
  /** The producer connection, also used for PING and the cancellation markers. */
  readonly #client: Redis;
  #worker: Worker<JobData> | undefined;
  #events: Promise<QueueEvents> | undefined;
  #closed = false;

  constructor(options: BullmqBackendOptions) {
    this.#options = resolveBullmqOptions(options);
    this.#client = this.#connect(false);
    this.queue = new Queue<JobData>(this.#options.queueName, {
      connection: this.#client,
      prefix: this.#options.prefix,
    });
    this.queue.on('error', () => {}); // surfaced by the rejected call itself
  }

  #connect(blocking: boolean): Redis {
    const extra: RedisOptions = blocking ? { maxRetriesPerRequest: null } : {};
    const { connection } = this.#options;
    const client =
      typeof connection === 'string' ? new Redis(connection, extra) : new Redis({ ...connection, ...extra });
    client.on('error', () => {}); // ioredis reconnects by itself; callers see failed commands
    this.#connections.push(client);
    return client;
  }

  #jobOptions(job: Pick<NewJob, 'attempts' | 'priority'>) {
    return {
      attempts: job.attempts,
      ...(job.attempts > 1 ? { backoff: { type: 'adv' } } : {}),
      ...(job.priority === undefined ? {} : { priority: job.priority }),
      removeOnComplete: { count: this.#options.keepCompleted ?? 1000 },
      removeOnFail: { count: this.#options.keepFailed ?? 5000 },
    };
  }

  async add(job: NewJob): Promise<JobRecord> {
    this.#assertOpen();
    try {
      const added = await this.queue.add(job.data.task, job.data, {
        ...this.#jobOptions(job),
        ...(job.id === undefined ? {} : { jobId: job.id }),
        ...(job.delay > 0 ? { delay: job.delay } : {}),
      });
      return toRecord(added, job.delay > 0 ? 'delayed' : 'waiting');
    } catch (error) {
      throw new TaskError(
        'ERR_BACKEND',
        `Could not enqueue \`${job.data.task}\` on BullMQ: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const loaded = await this.#load(id);
    if (loaded) return loaded.record;
    return (await this.#wasCancelled(id)) ? cancelledRecord(id) : undefined;
  }

  /** Reads the state before the job, so a `completed` state always comes with its return value. */
  async #load(id: string): Promise<{ job: Job<JobData>; record: JobRecord } | undefined> {
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') return undefined;
    const job = await this.queue.getJob(id);
    return job ? { job, record: toRecord(job, state) } : undefined;
  }

  async waitFinished(id: string, timeout: number): Promise<JobRecord> {
    const deadline = Date.now() + timeout;
    const events = await this.#queueEvents();
    for (;;) {
      const loaded = await this.#load(id);
      if (!loaded) {
        if (await this.#wasCancelled(id)) return cancelledRecord(id);
        throw new TaskError(
          'ERR_NOT_FOUND',
          `No job \`${id}\` is known to BullMQ queue \`${this.#options.queueName}\``,
        );
      }
      const { job, record } = loaded;
      if (FINISHED.has(record.status)) return record;
      const left = deadline - Date.now();
      if (left <= 0) throw new TaskError('ERR_RESULT_TIMEOUT', `Job \`${id}\` did not finish within ${timeout} ms`);
      // Resolves or rejects on the job's next final event; re-read the job either way (a retry is not final).
      await job.waitUntilFinished(events, Math.min(left, 5000)).catch(() => {});
    }
  }

  async cancel(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'active') {
      // BullMQ hands the reason to the processor's AbortSignal as is: give the handler a TaskError.
      const reason = new TaskError('ERR_CANCELLED', `Job ${id} was cancelled`);
      return this.#worker?.cancelJob(id, reason as unknown as string) ?? false;
    }
    if (state === 'completed' || state === 'failed') return false;
    try {
      await job.remove();
    } catch {
      return false; // it became active meanwhile
    }
    await this.#client.set(this.#cancelKey(id), '1', 'EX', CANCELLED_TTL_SECONDS);
    return true;
  }

  async process(processor: (job: ActiveJob) => Promise<Outcome>, options: ProcessOptions): Promise<void> {
    this.#assertOpen();
    if (this.#worker) throw new TaskError('ERR_INVALID_OPTION', 'This BullMQ backend already has a worker');
    const { lockDuration, stalledInterval, maxStalledCount, limiter } = this.#options;
    const worker = new Worker<JobData>(
      this.#options.queueName,
      (job, _token, signal) => this.#run(processor, job, signal),
      {
        connection: this.#connect(true),
        prefix: this.#options.prefix,
        concurrency: checkInteger('concurrency', options.concurrency, 1),
        ...(lockDuration === undefined ? {} : { lockDuration }),
        ...(stalledInterval === undefined ? {} : { stalledInterval }),
        ...(maxStalledCount === undefined ? {} : { maxStalledCount }),
        ...(limiter === undefined ? {} : { limiter }),
        settings: {
          backoffStrategy: (attemptsMade, _type, error, job) =>
            (error && this.#retryDelays.get(error)) ??
            backoffDelay((job?.data as JobData | undefined)?.backoff ?? DEFAULT_BACKOFF, attemptsMade),
        },
      },
    );
    worker.on('error', (error) => options.onError?.(error));
    this.#worker = worker;
    await worker.waitUntilReady();
  }

  async #run(
    processor: (job: ActiveJob) => Promise<Outcome>,
    job: Job<JobData>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    let data = job.data;
    if (data.error !== undefined) {
      const { error: _previous, ...rest } = data;
      data = rest;
    }
    const outcome = await processor({
      id: job.id ?? '',
      data,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      signal: signal ?? NEVER_ABORTED,
    });
    if (outcome.ok) return outcome.value;
    const stored = serializeError(outcome.error);
    // Keep name and code beside BullMQ's failedReason, for the dead-letter view and result().
    await job.updateData({ ...job.data, error: stored }).catch(() => {});
    if (outcome.retryIn === undefined) throw new UnrecoverableError(stored.message);
    const error = outcome.error instanceof Error ? outcome.error : new Error(stored.message);
    this.#retryDelays.set(error, outcome.retryIn);
    throw error;
  }

  async stats(): Promise<TaskStats> {
    const counts = await this.queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    return {
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  async list(state: ListableState, start: number, end: number): Promise<JobRecord[]> {
    if (state !== 'waiting') {
      const jobs = await this.queue.getJobs([state], start, end, false);
      return jobs.filter(Boolean).map((job) => toRecord(job, state));
    }
    // Waiting jobs sit in two BullMQ lists (plain and prioritised): merge them newest first.
    const jobs = await this.queue.getJobs(['wait', 'prioritized'], 0, end, false);
    return jobs
      .filter(Boolean)
      .map((job) => toRecord(job, 'waiting'))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(start, end + 1);
  }

  async retry(id: string): Promise<void> {
    const job = await this.queue.getJob(id);
    if (!job || (await job.getState()) !== 'failed')
      throw new TaskError('ERR_NOT_FOUND', `No failed job \`${id}\` to retry`);
    const { error: _dropped, ...data } = job.data;
    await job.updateData(data);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  async upsertSchedule(
    schedule: ScheduleRecord,
    template: { data: JobData; attempts: number; priority?: number },
  ): Promise<void> {
    this.#assertOpen();
    const spec = schedule.spec;
    await this.queue.upsertJobScheduler(
      schedule.id,
      'every' in spec ? { every: spec.every } : { pattern: spec.cron, ...(spec.tz ? { tz: spec.tz } : {}) },
      { name: template.data.task, data: template.data, opts: this.#jobOptions(template) },
    );
  }

  removeSchedule(id: string): Promise<boolean> {
    return this.queue.removeJobScheduler(id);
  }

  async schedules(): Promise<ScheduleRecord[]> {
    return (await this.queue.getJobSchedulers(0, -1, true)).map((json) => toScheduleRecord(json));
  }

  async ping(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.#assertOpen();
    const client = this.#client;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      client.ping().then(
        () => resolve(),
        (error: unknown) =>
          reject(
            new TaskError('ERR_BACKEND', `Redis did not answer PING: ${(error as Error).message}`, { cause: error }),
          ),
      );
    });
  }

  async close(options: { timeout?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#worker) {
      const worker = this.#worker;
      let timer: LongTimer | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setLongTimeout(() => {
          worker.cancelAllJobs(new TaskError('ERR_BACKEND', 'Worker shut down') as unknown as string);
          resolve(worker.close(true));
        }, options.timeout ?? 30_000);
      });
      await Promise.race([worker.close(), forced]);
      timer?.clear();
    }
    if (this.#events) await (await this.#events).close();
    await this.queue.close();
    for (const client of this.#connections) client.disconnect();
  }

  #assertOpen(): void {
    if (this.#closed) throw new TaskError('ERR_BACKEND', 'The BullMQ backend is closed');
  }

  #cancelKey(id: string): string {
    return `${this.#options.prefix}:${this.#options.queueName}:adv-cancelled:${id}`;
  }

  async #wasCancelled(id: string): Promise<boolean> {
    return (await this.#client.exists(this.#cancelKey(id))) === 1;
  }

  #queueEvents(): Promise<QueueEvents> {
    this.#events ??= (async () => {
      const events = new QueueEvents(this.#options.queueName, {
        connection: this.#connect(true),
        prefix: this.#options.prefix,
      });
      events.on('error', () => {});
      await events.waitUntilReady();
      return events;
    })();
    return this.#events;
  }
}

function cancelledRecord(id: string): JobRecord {
  return {
    id,
    status: 'cancelled',
    data: { task: 'unknown', payload: undefined },
    attemptsMade: 0,
    attempts: 1,
    createdAt: 0,
  };
}

/** Creates the BullMQ backend. `bullmq` and `ioredis` are optional peer dependencies: install them to use it. */
export function bullmqBackend(options: BullmqBackendOptions): BullmqBackend {
  return new BullmqBackend(options);
}
