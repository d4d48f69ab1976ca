import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { serializeError, TaskError } from '../errors.js';
import { DeadlineSweeper, raceTimeout } from '../timers.js';
import type {
  ActiveJob,
  JobData,
  JobRecord,
  ListableState,
  NewJob,
  Outcome,
  ProcessOptions,
  RemoveResult,
  ScheduleRecord,
  TaskBackend,
  TaskStats,
} from '../types.js';
import { backoffDelay, checkInteger, DEFAULT_BACKOFF } from '../validate.js';
import { type BullmqBackendOptions, type ResolvedBullmqOptions, resolveBullmqOptions } from './options.js';
import { toRecord, toScheduleRecord } from './records.js';
import { repeatStrategy } from './repeat.js';

const CANCELLED_TTL_SECONDS = 86_400;
const NEVER_ABORTED = new AbortController().signal;
const FINISHED = new Set(['completed', 'failed', 'cancelled']);
/** How long `cancel` waits for this worker to start tracking a job Redis already marked active. */
const ACTIVE_CANCEL_WAIT_MS = 500;

/**
 * BullMQ on Redis: jobs survive restarts, several worker processes share them, a worker killed
 * mid-task loses nothing (stalled-job recovery runs the job again elsewhere), and periodic
 * schedules use BullMQ job schedulers, so each tick runs once across all workers.
 */
export class BullmqBackend implements TaskBackend {
  readonly backendInfo = { name: '@adv/tasks:bullmq', sharedAcrossProcesses: true } as const;
  readonly #queue: Queue<JobData>;
  readonly #options: ResolvedBullmqOptions;
  readonly #connections: Redis[] = [];
  readonly #retryDelays = new WeakMap<Error, number>();
  /** The producer connection, also used for PING and the cancellation markers. */
  readonly #client: Redis;
  #worker: Worker<JobData> | undefined;
  #events: Promise<QueueEvents> | undefined;
  #closed = false;
  /** Bounds every call's wait for Redis's answer, with one shared ticker instead of a timer per call. */
  readonly #deadlines = new DeadlineSweeper();
  /** Shared by every call waiting for the connection (see `#nextReady`). */
  #readyWait: Promise<'ready' | 'end'> | undefined;
  /** The last connection error ioredis reported, for the message when Redis is unreachable. */
  #lastError: Error | undefined;

  constructor(options: BullmqBackendOptions) {
    this.#options = resolveBullmqOptions(options);
    this.#client = this.#connect(false);
    this.#queue = new Queue<JobData>(this.#options.queueName, {
      connection: this.#client,
      prefix: this.#options.prefix,
      settings: { repeatStrategy },
    });
    this.#queue.on('error', () => {}); // surfaced by the rejected call itself
  }

  /**
   * The underlying BullMQ `Queue`, for anything this API does not cover. Typed `unknown` on
   * purpose: BullMQ's and ioredis's declarations do not compile for a strict consumer
   * (`skipLibCheck: false`), so our public types never name them. Cast it where you need it:
   * `backend.queue as import('bullmq').Queue`.
   */
  get queue(): unknown {
    return this.#queue;
  }

  #connect(blocking: boolean): Redis {
    // The producer connection sends a command only once it is `ready` and bounds its answer (see
    // `#call`). Right after Redis dies ioredis may still say `ready` (it has not read the close
    // yet): a command sent then must not sit in the offline queue or be resent on reconnection,
    // or it would reach Redis after the caller was told ERR_BACKEND.
    // Literals, not ioredis's `RedisOptions`: under exactOptionalPropertyTypes that type is not
    // assignable to ioredis's own constructor (its `replyMapping?` lacks `| undefined`).
    const extra = blocking
      ? { maxRetriesPerRequest: null }
      : { enableOfflineQueue: false, autoResendUnfulfilledCommands: false };
    const { connection } = this.#options;
    const client =
      typeof connection === 'string'
        ? new Redis(connection, extra)
        : new Redis({ ...(connection as Omit<RedisOptions, 'replyMapping'>), ...extra });
    client.on('error', (error: Error) => {
      this.#lastError = error; // ioredis reconnects by itself; calls report it when it lasts
    });
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

  /**
   * Runs one Redis-backed call: waits (up to `wait` ms) for Redis to be reachable before sending
   * anything, then up to `wait` ms for its answer, and turns any failure into an `ERR_BACKEND`
   * {@link TaskError}.
   */
  async #call<T>(what: string, run: () => Promise<T>, wait = this.#options.unavailableTimeout): Promise<T> {
    this.#assertOpen();
    if (this.#client.status !== 'ready') await this.#whenReachable(what, wait);
    try {
      // Bounded too: a command sent just as Redis went away would otherwise wait for its reconnection.
      return await this.#deadlines.race(
        run().catch(async (error: unknown) => {
          // Refused before it was written (ioredis saw the close first): nothing reached Redis, so
          // wait for it as a call made during the outage does, and run again.
          if (!notSent(error)) throw error;
          await this.#whenReachable(what, wait);
          return run();
        }),
        wait,
        () =>
          new TaskError(
            'ERR_BACKEND',
            `Could not ${what} on BullMQ: Redis did not answer within ${wait} ms (it may have applied the call before it went away; it is not resent)`,
          ),
      );
    } catch (error) {
      if (error instanceof TaskError) throw error;
      throw new TaskError('ERR_BACKEND', `Could not ${what} on BullMQ: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
  }

  /** Resolves once the producer connection is ready; rejects with `ERR_BACKEND` after `wait` ms. */
  #whenReachable(what: string, wait: number): Promise<void> {
    const client = this.#client;
    const unreachable = (detail: string) =>
      new TaskError(
        'ERR_BACKEND',
        `Could not ${what} on BullMQ: Redis ${detail}${this.#lastError ? ` (${this.#lastError.message})` : ''}`,
        this.#lastError ? { cause: this.#lastError } : undefined,
      );
    if (client.status === 'end') return Promise.reject(unreachable('connection is closed'));
    if (client.status === 'wait') void client.connect().catch(() => {}); // lazyConnect: connect now
    const reachable = this.#nextReady().then((event) => {
      if (event === 'end') throw unreachable('connection is closed');
    });
    return raceTimeout(reachable, wait, () => unreachable(`was unreachable for ${wait} ms`));
  }

  /**
   * Resolves on the producer connection's next `ready` (or `end`). One promise and one pair of
   * listeners however many calls wait: a burst of enqueues during an outage must not pile up
   * listeners on the client.
   */
  #nextReady(): Promise<'ready' | 'end'> {
    if (!this.#readyWait) {
      const client = this.#client;
      this.#readyWait = new Promise((resolve) => {
        const settle = (event: 'ready' | 'end') => {
          client.off('ready', onReady);
          client.off('end', onEnd);
          this.#readyWait = undefined;
          resolve(event);
        };
        const onReady = () => settle('ready');
        const onEnd = () => settle('end');
        client.on('ready', onReady);
        client.on('end', onEnd);
      });
    }
    return this.#readyWait;
  }

  add(job: NewJob): Promise<JobRecord> {
    return this.#call(`enqueue \`${job.data.task}\``, async () => {
      const added = await this.#queue.add(job.data.task, job.data, {
        ...this.#jobOptions(job),
        ...(job.id === undefined ? {} : { jobId: job.id }),
        ...(job.delay > 0 ? { delay: job.delay } : {}),
      });
      return toRecord(added, job.delay > 0 ? 'delayed' : 'waiting');
    });
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.#call(`read job \`${id}\``, async () => {
      const loaded = await this.#load(id);
      if (loaded) return loaded.record;
      return (await this.#wasCancelled(id)) ? cancelledRecord(id) : undefined;
    });
  }

  /** Reads the state before the job, so a `completed` state always comes with its return value. */
  async #load(id: string): Promise<{ job: Job<JobData>; record: JobRecord } | undefined> {
    const state = await this.#queue.getJobState(id);
    if (state === 'unknown') return undefined;
    const job = await this.#queue.getJob(id);
    return job ? { job, record: toRecord(job, state) } : undefined;
  }

  waitFinished(id: string, timeout: number): Promise<JobRecord> {
    const timedOut = () => new TaskError('ERR_RESULT_TIMEOUT', `Job \`${id}\` did not finish within ${timeout} ms`);
    const what = `wait for job \`${id}\``;
    // Waits through an outage, but bounded as a whole: nothing holds result() past its timeout.
    return raceTimeout(
      this.#call(what, () => this.#waitFinished(id, Date.now() + timeout, timedOut), timeout),
      timeout,
      timedOut,
    );
  }

  async #waitFinished(id: string, deadline: number, timedOut: () => TaskError): Promise<JobRecord> {
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
      if (left <= 0) throw timedOut();
      // Resolves or rejects on the job's next final event; re-read the job either way (a retry is not final).
      await job.waitUntilFinished(events, Math.min(left, 5000)).catch(() => {});
    }
  }

  cancel(id: string): Promise<boolean> {
    return this.#call(`cancel job \`${id}\``, () => this.#cancel(id));
  }

  async #cancel(id: string): Promise<boolean> {
    const job = await this.#queue.getJob(id);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'active') return this.#cancelActive(job);
    if (state === 'completed' || state === 'failed') return false;
    try {
      await job.remove();
    } catch {
      return false; // it became active meanwhile
    }
    await this.#client.set(this.#cancelKey(id), '1', 'EX', CANCELLED_TTL_SECONDS);
    return true;
  }

  /**
   * Aborts an active job if this process's worker runs it. Redis marks a job active a moment
   * before the worker starts tracking it (until then `cancelJob` finds nothing), so a job still
   * active is asked again for a short while; one active in another process is not ours to abort.
   */
  async #cancelActive(job: Job<JobData>): Promise<boolean> {
    const worker = this.#worker;
    if (!worker || job.id === undefined) return false;
    // BullMQ hands the reason to the processor's AbortSignal as is: give the handler a TaskError.
    const reason = new TaskError('ERR_CANCELLED', `Job ${job.id} was cancelled`) as unknown as string;
    const deadline = Date.now() + ACTIVE_CANCEL_WAIT_MS;
    while (!worker.cancelJob(job.id, reason)) {
      if (Date.now() >= deadline || (await job.getState()) !== 'active') return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
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
          repeatStrategy,
          backoffStrategy: (attemptsMade, _type, error, job) =>
            (error && this.#retryDelays.get(error)) ??
            backoffDelay((job?.data as JobData | undefined)?.backoff ?? DEFAULT_BACKOFF, attemptsMade),
        },
      },
    );
    worker.on('error', (error) => options.onError?.(error));
    // A job cancelled while active ends as cancelled, not in the failed set (the dead-letter view
    // and `stats().failed`), as a cancelled waiting job does: its marker was set before it failed.
    worker.on('failed', (job) => {
      if (job?.data.error?.code === 'ERR_CANCELLED') void job.remove().catch(() => {});
    });
    this.#worker = worker;
    await worker.waitUntilReady();
  }

  async #run(
    processor: (job: ActiveJob) => Promise<Outcome>,
    job: Job<JobData>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (job.repeatJobKey !== undefined && job.id !== undefined) await this.#recordFired(job.repeatJobKey, job);
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
    if (stored.code === 'ERR_CANCELLED' && job.id !== undefined) {
      await this.#client.set(this.#cancelKey(job.id), '1', 'EX', CANCELLED_TTL_SECONDS).catch(() => {});
    }
    if (outcome.retryIn === undefined) throw new UnrecoverableError(stored.message);
    const error = outcome.error instanceof Error ? outcome.error : new Error(stored.message);
    this.#retryDelays.set(error, outcome.retryIn);
    throw error;
  }

  async stats(): Promise<TaskStats> {
    const counts = await this.#call('count jobs', () =>
      this.#queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed', 'failed'),
    );
    return {
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  list(state: ListableState, start: number, end: number): Promise<JobRecord[]> {
    return this.#call(`list ${state} jobs`, () => this.#list(state, start, end));
  }

  async #list(state: ListableState, start: number, end: number): Promise<JobRecord[]> {
    if (state !== 'waiting') {
      const jobs = await this.#queue.getJobs([state], start, end, false);
      return jobs.filter(Boolean).map((job) => toRecord(job, state));
    }
    // Waiting jobs sit in two BullMQ lists (plain and prioritised): merge them newest first.
    const jobs = await this.#queue.getJobs(['wait', 'prioritized'], 0, end, false);
    return jobs
      .filter(Boolean)
      .map((job) => toRecord(job, 'waiting'))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(start, end + 1);
  }

  retry(id: string): Promise<void> {
    return this.#call(`retry job \`${id}\``, () => this.#retry(id));
  }

  async #retry(id: string): Promise<void> {
    const job = await this.#queue.getJob(id);
    if (!job || (await job.getState()) !== 'failed')
      throw new TaskError('ERR_NOT_FOUND', `No failed job \`${id}\` to retry`);
    const { error: _dropped, ...data } = job.data;
    await job.updateData(data);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  remove(id: string): Promise<RemoveResult> {
    return this.#call(`remove job \`${id}\``, () => this.#remove(id));
  }

  async #remove(id: string): Promise<RemoveResult> {
    const state = await this.#queue.getJobState(id);
    if (state === 'active') return 'active';
    if (state === 'unknown') {
      // A cancelled job is only its marker: removing it forgets the cancellation.
      return (await this.#client.del(this.#cancelKey(id))) === 1 ? 'removed' : 'not-found';
    }
    // 0: BullMQ found it locked, i.e. a worker took it between the two calls.
    if ((await this.#queue.remove(id)) === 0) return 'active';
    await this.#client.del(this.#cancelKey(id));
    return 'removed';
  }

  pause(): Promise<void> {
    return this.#call('pause the queue', () => this.#queue.pause());
  }

  resume(): Promise<void> {
    return this.#call('resume the queue', () => this.#queue.resume());
  }

  isPaused(): Promise<boolean> {
    return this.#call('read whether the queue is paused', () => this.#queue.isPaused());
  }

  async upsertSchedule(
    schedule: ScheduleRecord,
    template: { data: JobData; attempts: number; priority?: number },
  ): Promise<void> {
    const spec = schedule.spec;
    await this.#call(`upsert schedule \`${schedule.id}\``, () =>
      this.#queue.upsertJobScheduler(
        schedule.id,
        'every' in spec ? { every: spec.every } : { pattern: spec.cron, ...(spec.tz ? { tz: spec.tz } : {}) },
        { name: template.data.task, data: template.data, opts: this.#jobOptions(template) },
      ),
    );
  }

  removeSchedule(id: string): Promise<boolean> {
    return this.#call(`remove schedule \`${id}\``, async () => {
      await this.#client.hdel(this.#firedKey(), id);
      return this.#queue.removeJobScheduler(id);
    });
  }

  async schedules(): Promise<ScheduleRecord[]> {
    const [schedulers, fired] = await this.#call('list schedules', () =>
      Promise.all([this.#queue.getJobSchedulers(0, -1, true), this.#client.hgetall(this.#firedKey())]),
    );
    return schedulers.map((json) => toScheduleRecord(json, fired[json.key]));
  }

  async ping(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.#assertOpen();
    const client = this.#client;
    if (client.status !== 'ready') await this.#whenReachable('ping', this.#options.unavailableTimeout);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      client
        .ping()
        .then(
          () => resolve(),
          (error: unknown) =>
            reject(
              new TaskError('ERR_BACKEND', `Redis did not answer PING: ${(error as Error).message}`, { cause: error }),
            ),
        )
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async close(options: { timeout?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const timeout = options.timeout ?? 30_000;
    const graceful = (async () => {
      if (this.#worker) {
        const worker = this.#worker;
        await raceTimeout(worker.close(), timeout, () => new Error('shutdown timeout')).catch(() => {
          worker.cancelAllJobs(new TaskError('ERR_BACKEND', 'Worker shut down') as unknown as string);
          return worker.close(true);
        });
      }
      if (this.#events) await (await this.#events).close();
      await this.#queue.close();
    })();
    // BullMQ's close waits for Redis; with Redis unreachable it would wait forever. Give it a
    // moment past the shutdown timeout, then drop the connections (that also ends its waits).
    await raceTimeout(graceful, timeout + 2000, () => new Error('close timeout')).catch(() => {});
    for (const client of this.#connections) client.disconnect();
  }

  #assertOpen(): void {
    if (this.#closed) throw new TaskError('ERR_BACKEND', 'The BullMQ backend is closed');
  }

  /** Remembers a schedule's tick as its last (BullMQ keeps only the next one); a lost write only loses that line of the view. */
  async #recordFired(scheduler: string, job: Job<JobData>): Promise<void> {
    const tick = Number(job.id?.slice(job.id.lastIndexOf(':') + 1));
    const at = Number.isFinite(tick) && tick > 0 ? tick : job.timestamp;
    await this.#client.hset(this.#firedKey(), scheduler, JSON.stringify({ at, jobId: job.id })).catch(() => {});
  }

  #firedKey(): string {
    return `${this.#options.prefix}:${this.#options.queueName}:adv-schedule-fired`;
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
    const events = this.#events;
    events.catch(() => {
      if (this.#events === events) this.#events = undefined; // try again on the next call
    });
    return events;
  }
}

/** ioredis refused the command without writing it (the producer connection has no offline queue). */
function notSent(error: unknown): boolean {
  return error instanceof Error && error.message.includes('enableOfflineQueue');
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
