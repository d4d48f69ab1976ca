import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { serializeError, TaskError } from '../errors.js';
import { TaskHandle } from '../handle.js';
import type { Task } from '../task.js';
import { type LongTimer, setLongTimeout } from '../timers.js';
import type {
  ActiveJob,
  EnqueueOptions,
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
import { checkInteger, invalid } from '../validate.js';
import { Running, SqliteActiveJob } from './active.js';
import { backendError, isBusy, retryBusy } from './connection.js';
import { type Open, TaskFile } from './file.js';
import { type ResolvedSqliteOptions, resolveSqliteOptions, type SqliteBackendOptions } from './options.js';
import type { ClaimedRow, JobStore } from './store.js';
import { checkConnection, insertOn, type SqliteConnectionLike } from './transactional.js';
import { Waiters } from './waiters.js';
import { ChangeObserver, joinPeers, notifyAdded, notifyFinished } from './wake.js';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
/** Finished jobs between two retention passes. */
const PRUNE_EVERY = 500;

interface PendingAdd {
  job: NewJob;
  id: string;
  /** Past this, a locked database fails the enqueue. */
  deadline: number;
  resolve(record: JobRecord): void;
  reject(error: TaskError): void;
}

interface PendingOutcome {
  row: ClaimedRow;
  outcome: Outcome;
  retryAt: number | undefined;
  deadline: number;
  /** Called once it is stored (or given up on). */
  done(): void;
}

/**
 * Jobs in an SQLite file (better-sqlite3, WAL): they survive restarts and crashes, several worker
 * processes on one machine share them (claims in `BEGIN IMMEDIATE`), a killed worker's jobs run
 * again once their lease expired, and `enqueueIn()` writes a job inside the caller's own
 * transaction. A job enqueued in this process wakes the local worker at once; one enqueued by
 * another process is noticed through a file-watch on the database (or a poll of
 * `PRAGMA data_version`, every `pollInterval` ms, where no file events come).
 */
export class SqliteBackend implements TaskBackend {
  readonly backendInfo = { name: '@adv/tasks:sqlite', sharedAcrossProcesses: true } as const;
  /** The absolute path of the database file. */
  readonly filename: string;
  readonly #o: ResolvedSqliteOptions;
  readonly #key: string;
  /** This instance's worker id, stored on the jobs it claims. */
  readonly #worker = randomUUID();
  readonly #file: TaskFile;
  #closing: Promise<void> | undefined;
  #closed = false;
  #processor: ((job: ActiveJob) => Promise<Outcome>) | undefined;
  #concurrency = 0;
  #onError: (error: unknown) => void = () => {};
  readonly #running = new Map<string, Running>();
  readonly #released = new WeakSet<Running>();
  /** Whether waiting jobs may be left: set by every wake-up, cleared by a claim that found fewer than it asked for. */
  #more = false;
  #flushQueued = false;
  readonly #pendingAdds: PendingAdd[] = [];
  readonly #pendingOutcomes: PendingOutcome[] = [];
  #wake: { at: number; timer: LongTimer } | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #finishedSincePrune = 0;
  readonly #waiters: Waiters;
  #drained: (() => void) | undefined;
  readonly #observer: ChangeObserver;

  constructor(options: SqliteBackendOptions) {
    this.#o = resolveSqliteOptions(options);
    this.filename = resolve(this.#o.filename);
    this.#key = `${this.filename}\0${this.#o.queueName}`;
    // Each connection joins this process's instances on the file, to be woken by their enqueues.
    this.#file = new TaskFile(this.filename, this.#o.queueName, this.#o.synchronous, () =>
      joinPeers(this.#key, {
        jobsAdded: () => this.#wakeUp(),
        jobsFinished: (ids) => this.#jobsFinished(ids),
      }),
    );
    this.#observer = new ChangeObserver({
      filename: this.filename,
      dataVersion: () => this.#connect().db.pragma('data_version', { simple: true }) as number,
      onChange: () => this.#externalChange(),
      pollInterval: this.#o.pollInterval,
      watch: this.#o.watch,
    });
    this.#waiters = new Waiters(
      (id) => this.#call(`wait for job \`${id}\``, ({ jobs }) => jobs.get(id)),
      () => {
        if (!this.#processor) this.#observer.stop();
      },
    );
  }

  /** The open connection; throws `ERR_BACKEND` once closed, SQLite's error when the file cannot be opened. */
  #connect(): Open {
    if (this.#closed) throw new TaskError('ERR_BACKEND', `The SQLite backend on \`${this.filename}\` is closed`);
    return this.#file.connect();
  }

  /** Runs `fn` on the open stores, retrying while the file is locked; any failure becomes `ERR_BACKEND`. */
  async #call<T>(what: string, fn: (open: Open) => T, transaction = false): Promise<T> {
    try {
      return await retryBusy(() => {
        const open = this.#connect();
        return transaction ? this.#immediate(open, () => fn(open)) : fn(open);
      }, this.#o.busyTimeout);
    } catch (error) {
      throw backendError(what, this.filename, error, this.#o.busyTimeout);
    }
  }

  /** `BEGIN IMMEDIATE`: takes the write lock first, so nothing in `fn` can fail half-way on a lock. */
  #immediate<T>(open: Open, fn: () => T): T {
    return open.db.transaction(fn).immediate();
  }

  add(job: NewJob): Promise<JobRecord> {
    if (this.#closed) {
      return Promise.reject(new TaskError('ERR_BACKEND', `The SQLite backend on \`${this.filename}\` is closed`));
    }
    // Written with the other enqueues of this turn of the event loop, in one transaction.
    return new Promise<JobRecord>((resolvePromise, reject) => {
      const id = job.id ?? randomUUID();
      const deadline = Date.now() + this.#o.busyTimeout;
      this.#pendingAdds.push({ job, id, deadline, resolve: resolvePromise, reject });
      this.#more = true; // a worker of this instance claims it in the same transaction
      this.#scheduleFlush();
    });
  }

  /**
   * Enqueues a job on **your** connection to this backend's file, inside the transaction you have
   * open on it: the job exists exactly when your writes do (rolled back with them, committed with
   * them). Synchronous, so it fits in a better-sqlite3 `db.transaction(() => …)` function; it
   * throws (rolling that transaction back) on bad input or a database error.
   *
   * @param connection - Your better-sqlite3 `Database` (or any {@link SqliteConnectionLike}) on `filename`.
   * @param task - A task defined on an app that uses this backend.
   * @example
   * ```ts
   * const db = new Database('app.db');
   * const jobs = sqliteBackend({ filename: 'app.db' });
   * const app = createTaskApp({ backend: jobs });
   * const notify = app.defineTask('notify', async ({ commentId }: { commentId: number }) => { … });
   * db.transaction(() => {
   *   const { lastInsertRowid } = db.prepare('INSERT INTO comments (body) VALUES (?)').run(body);
   *   jobs.enqueueIn(db, notify, { commentId: Number(lastInsertRowid) });
   * })();
   * ```
   */
  enqueueIn<Payload, Result>(
    connection: SqliteConnectionLike,
    task: Task<Payload, Result>,
    payload: Payload,
    options: EnqueueOptions = {},
  ): TaskHandle<Result> {
    if (this.#closed) throw new TaskError('ERR_BACKEND', `The SQLite backend on \`${this.filename}\` is closed`);
    const checked = checkConnection(connection, this.filename);
    if (typeof task?.prepare !== 'function' || task.backend !== this) {
      invalid('task', 'a task defined on an app whose backend is this SQLite backend', task);
    }
    const job = task.prepare(payload, options, []);
    const id = job.id ?? randomUUID();
    try {
      insertOn(checked, this.#o.queueName, job, id, Date.now());
    } catch (error) {
      throw backendError(`enqueue \`${task.name}\` in your transaction`, this.filename, error, 0);
    }
    // Committed by then unless the transaction spans an await: the watch on the file notices that commit.
    setImmediate(() => notifyAdded(this.#key));
    return new TaskHandle<Result>(this, id);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.#call(`read job \`${id}\``, ({ jobs }) => jobs.get(id));
  }

  async waitFinished(id: string, timeout: number): Promise<JobRecord> {
    const what = `wait for job \`${id}\``;
    const first = await this.#call(what, ({ jobs }) => jobs.get(id));
    if (!first) throw new TaskError('ERR_NOT_FOUND', `No job \`${id}\` is known to the SQLite backend`);
    if (FINISHED.has(first.status)) return first;
    if (this.#closing) throw this.#closedBeforeFinish(id);
    const finished = this.#waiters.wait(id, timeout);
    this.#observer.start();
    return finished;
  }

  #closedBeforeFinish(id: string): TaskError {
    return new TaskError(
      'ERR_BACKEND',
      `The SQLite backend was closed before job \`${id}\` finished (the job is kept: another worker, or this one after a restart, runs it)`,
    );
  }

  async cancel(id: string): Promise<boolean> {
    const cancelled = await this.#call(`cancel job \`${id}\``, ({ jobs }) => jobs.cancel(id, Date.now()));
    if (cancelled) notifyFinished(this.#key, [id]); // aborts it where this process runs it
    return cancelled;
  }

  async process(processor: (job: ActiveJob) => Promise<Outcome>, options: ProcessOptions): Promise<void> {
    if (this.#closing) throw new TaskError('ERR_BACKEND', 'The SQLite backend is closed');
    if (this.#processor) throw new TaskError('ERR_INVALID_OPTION', 'This SQLite backend already has a worker');
    const concurrency = checkInteger('concurrency', options.concurrency, 1);
    await this.#call('start the worker', () => undefined);
    this.#processor = processor;
    this.#concurrency = concurrency;
    this.#onError = options.onError ?? (() => {});
    this.#heartbeat = setInterval(() => this.#renewLeases(), Math.max(50, Math.floor(this.#o.leaseDuration / 3)));
    this.#heartbeat.unref();
    this.#observer.start();
    this.#wakeUp();
  }

  /** Something may be waiting: claim on the next turn of the event loop (one claim for a burst of enqueues). */
  #wakeUp(): void {
    this.#more = true;
    if (this.#processor && !this.#closing) this.#scheduleFlush();
  }

  #scheduleFlush(delay = 0): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    const run = () => {
      this.#flushQueued = false;
      this.#flush(false);
    };
    if (delay > 0) setTimeout(run, delay);
    else setImmediate(run);
  }

  /**
   * One write transaction for everything this process has to write on this turn of the event loop
   * (group commit: one WAL commit instead of one per job): the enqueued jobs, the outcomes of the
   * attempts that ended, and a claim pass (due schedule ticks fired, expired leases recovered, due
   * delayed jobs promoted, waiting jobs claimed for the free slots). `maintenance` claims even
   * without a wake-up, and re-arms the timer for the next due moment.
   */
  #flush(maintenance: boolean): void {
    const adds = this.#pendingAdds.splice(0);
    const outcomes = this.#pendingOutcomes.splice(0);
    const free = this.#concurrency - this.#running.size;
    const claiming = this.#processor !== undefined && !this.#closing && (maintenance || (this.#more && free > 0));
    if (adds.length === 0 && outcomes.length === 0 && !claiming) return;
    const now = Date.now();
    let records: { record: JobRecord; added: boolean }[] = [];
    let stored: boolean[] = [];
    let rows: ClaimedRow[] = [];
    try {
      const open = this.#connect();
      const { jobs, schedules } = open;
      this.#immediate(open, () => {
        records = adds.map((add) => jobs.insert(add.job, add.id, now));
        stored = outcomes.map(({ row, outcome, retryAt }) =>
          outcome.ok
            ? jobs.complete(row, this.#worker, outcome.value, now)
            : jobs.fail(row, this.#worker, serializeError(outcome.error), now, retryAt),
        );
        if (this.#finishedSincePrune >= PRUNE_EVERY) {
          this.#prune(jobs);
          this.#finishedSincePrune = 0;
        }
        if (claiming) {
          for (const job of schedules.fireDue(now)) jobs.insert(job, job.id, now);
          jobs.recoverStalled(now, this.#o.maxStalledCount);
          rows = jobs.claim(Math.max(0, free), now, now + this.#o.leaseDuration, this.#worker);
        }
      });
    } catch (error) {
      this.#flushFailed(error, adds, outcomes, claiming, now);
      return;
    }
    if (claiming) this.#more = rows.length === free && free > 0;
    for (let index = 0; index < adds.length; index++) adds[index]!.resolve(records[index]!.record);
    if (records.some((entry) => entry.added)) notifyAdded(this.#key);
    const finished: string[] = [];
    for (let index = 0; index < outcomes.length; index++) {
      const { row, retryAt, done } = outcomes[index]!;
      done();
      if (!stored[index]) continue; // cancelled meanwhile, or its lease was lost: not ours to record
      if (retryAt === undefined) finished.push(row.id);
      else if (!this.#wake || retryAt < this.#wake.at) this.#armWake(retryAt);
    }
    if (finished.length > 0) this.#finished(finished);
    for (const row of rows) void this.#run(row);
    if (claiming && (!this.#more || maintenance)) this.#rearm(now);
    if (this.#pendingAdds.length > 0 || this.#pendingOutcomes.length > 0) this.#scheduleFlush();
  }

  /** A locked database: the batch waits and goes again (each item up to `busyTimeout`). Anything else fails it. */
  #flushFailed(error: unknown, adds: PendingAdd[], outcomes: PendingOutcome[], claiming: boolean, now: number): void {
    const busy = isBusy(error);
    const failure = backendError('write jobs', this.filename, error, this.#o.busyTimeout);
    for (const add of adds) {
      if (busy && now < add.deadline) this.#pendingAdds.push(add);
      else add.reject(backendError(`enqueue \`${add.job.data.task}\``, this.filename, error, this.#o.busyTimeout));
    }
    for (const outcome of outcomes) {
      if (busy && now < outcome.deadline) this.#pendingOutcomes.push(outcome);
      else {
        // The job stays claimed: once its lease expires, a worker runs it again.
        this.#onError(failure);
        outcome.done();
      }
    }
    if (claiming && !busy) this.#onError(failure);
    if (busy) this.#scheduleFlush(1 + Math.random() * 4);
    else if (claiming) this.#armWake(now + 1000);
  }

  /** Arms the timer for the next due job, schedule tick or lease expiry. */
  #rearm(now = Date.now()): void {
    if (!this.#file.current || this.#closing) return;
    let next: number | undefined;
    try {
      const { jobs, schedules } = this.#file.current;
      for (const at of [jobs.nextDue(), schedules.nextFire(), jobs.nextLeaseExpiry()]) {
        if (at !== undefined && (next === undefined || at < next)) next = at;
      }
    } catch {
      next = now + 1000; // unreadable now: look again in a second
    }
    if (next === undefined) {
      this.#wake?.timer.clear();
      this.#wake = undefined;
    } else this.#armWake(next);
  }

  #armWake(at: number): void {
    if (this.#wake?.at === at) return;
    this.#wake?.timer.clear();
    const timer = setLongTimeout(
      () => {
        this.#wake = undefined;
        this.#more = true;
        this.#flush(true);
      },
      Math.max(0, at - Date.now() + 1),
      { unref: true },
    );
    this.#wake = { at, timer };
  }

  async #run(row: ClaimedRow): Promise<void> {
    const running = new Running(row);
    this.#running.set(row.id, running);
    let outcome: Outcome;
    try {
      outcome = await this.#processor!(new SqliteActiveJob(running));
    } catch (error) {
      outcome = { ok: false, error }; // the processor decides retries; if it broke, fail the job rather than crash
    }
    if (this.#running.get(row.id) === running) this.#running.delete(row.id);
    if (!this.#released.has(running)) {
      // Stored with the next flush, which also claims the next job for the slot this one freed.
      const now = Date.now();
      const retryAt = !outcome.ok && outcome.retryIn !== undefined ? now + outcome.retryIn : undefined;
      await new Promise<void>((done) => {
        this.#pendingOutcomes.push({ row, outcome, retryAt, deadline: now + this.#o.busyTimeout, done });
        this.#scheduleFlush();
      });
    }
    if (this.#running.size === 0) this.#drained?.();
  }

  /** Jobs this worker finished: tell waiters. */
  #finished(ids: string[]): void {
    notifyFinished(this.#key, ids);
    this.#finishedSincePrune += ids.length;
  }

  /** Drops the oldest finished jobs beyond the kept numbers (in the flush's transaction). */
  #prune(jobs: JobStore): void {
    const { keepCompleted, keepFailed } = this.#o;
    jobs.prune('completed', keepCompleted);
    jobs.prune('cancelled', keepCompleted);
    jobs.prune('failed', keepFailed);
  }

  /** Extends this worker's leases; aborts the jobs it no longer owns (cancelled by another process, or lost). */
  #renewLeases(): void {
    if (this.#running.size === 0) return;
    try {
      const { jobs } = this.#connect();
      const owned = jobs.renew(this.#worker, Date.now() + this.#o.leaseDuration);
      for (const running of this.#running.values()) {
        if (owned.get(running.row.seq) === running.row.claims) continue;
        const cancelled = jobs.get(running.row.id)?.status === 'cancelled';
        running.abort(
          cancelled
            ? new TaskError('ERR_CANCELLED', `Job \`${running.row.id}\` was cancelled`)
            : new TaskError('ERR_BACKEND', `Job \`${running.row.id}\` lost its lease (another worker runs it now)`),
        );
      }
    } catch (error) {
      // The next beat tries again, well before the lease ends.
      if (!isBusy(error)) this.#onError(backendError('renew leases', this.filename, error, this.#o.busyTimeout));
    }
  }

  /** Jobs finished through any instance of this process: settle waiters; abort ours (they were cancelled). */
  #jobsFinished(ids: readonly string[]): void {
    for (const id of ids) {
      this.#running.get(id)?.abort(new TaskError('ERR_CANCELLED', `Job \`${id}\` was cancelled`));
    }
    this.#waiters.finished(ids);
  }

  /** Another connection committed: look for work, re-arm the timers, and read the jobs someone waits for. */
  #externalChange(): void {
    if (this.#processor && !this.#closing) {
      if (this.#running.size < this.#concurrency) this.#wakeUp();
      else {
        this.#more = true;
        this.#rearm();
      }
    }
    const open = this.#file.current;
    if (open) this.#waiters.sweep((ids) => open.jobs.finishedAmong(ids));
  }

  stats(): Promise<TaskStats> {
    return this.#call('count jobs', ({ jobs }) => jobs.stats());
  }

  list(state: ListableState, start: number, end: number): Promise<JobRecord[]> {
    return this.#call(`list ${state} jobs`, ({ jobs }) => jobs.list(state, start, end));
  }

  async retry(id: string): Promise<void> {
    const moved = await this.#call(`retry job \`${id}\``, ({ jobs }) => jobs.retry(id, Date.now()));
    if (!moved) throw new TaskError('ERR_NOT_FOUND', `No failed job \`${id}\` to retry`);
    notifyAdded(this.#key);
  }

  async remove(id: string): Promise<RemoveResult> {
    const result = await this.#call(`remove job \`${id}\``, ({ jobs }) => jobs.remove(id), true);
    if (result === 'removed') notifyFinished(this.#key, [id]); // its waiters in this process read it: gone
    return result;
  }

  async pause(): Promise<void> {
    await this.#call('pause the queue', ({ jobs }) => jobs.setPaused(true));
  }

  async resume(): Promise<void> {
    if (await this.#call('resume the queue', ({ jobs }) => jobs.setPaused(false))) notifyAdded(this.#key);
  }

  isPaused(): Promise<boolean> {
    return this.#call('read whether the queue is paused', ({ jobs }) => jobs.paused());
  }

  async upsertSchedule(
    schedule: ScheduleRecord,
    template: { data: JobData; attempts: number; priority?: number },
  ): Promise<void> {
    const changed = await this.#call(
      `upsert schedule \`${schedule.id}\``,
      ({ schedules }) => schedules.upsert(schedule, template, Date.now()),
      true,
    );
    if (changed) notifyAdded(this.#key); // workers of this process re-arm for its next tick
  }

  removeSchedule(id: string): Promise<boolean> {
    return this.#call(`remove schedule \`${id}\``, ({ schedules }) => schedules.remove(id));
  }

  schedules(): Promise<ScheduleRecord[]> {
    return this.#call('list schedules', ({ schedules }) => schedules.list());
  }

  async ping(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#closing) throw new TaskError('ERR_BACKEND', 'The SQLite backend is closed');
    await this.#call('ping', ({ jobs }) => jobs.stats());
  }

  close(options: { timeout?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeout ?? 30_000);
    return this.#closing;
  }

  async #close(timeout: number): Promise<void> {
    this.#observer.stop();
    this.#wake?.timer.clear();
    this.#wake = undefined;
    if (this.#running.size > 0) {
      let timer: LongTimer | undefined;
      await new Promise<void>((done) => {
        this.#drained = done;
        timer = setLongTimeout(done, timeout);
      });
      timer?.clear();
    }
    clearInterval(this.#heartbeat);
    // Still running past the timeout: abort them and give their jobs back, unrun, for another worker.
    for (const running of this.#running.values()) {
      this.#released.add(running);
      running.abort(new TaskError('ERR_BACKEND', 'Worker shut down'));
      try {
        this.#file.current?.jobs.release(running.row, this.#worker, Date.now());
      } catch {
        // its lease expires instead
      }
    }
    this.#running.clear();
    // Enqueues (and outcomes) accepted before close() are written before the file is closed.
    while (this.#pendingAdds.length > 0 || this.#pendingOutcomes.length > 0) {
      this.#flush(false);
      if (this.#pendingAdds.length > 0 || this.#pendingOutcomes.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // locked: each waits up to its busyTimeout
      }
    }
    this.#waiters.failAll((id) => this.#closedBeforeFinish(id));
    this.#closed = true;
    this.#file.drop();
  }
}

/**
 * Creates the SQLite backend. `better-sqlite3` (12.x) is an optional peer dependency: install it to
 * use this backend. See {@link SqliteBackend}.
 *
 * @example
 * ```ts
 * import { createTaskApp } from '@adv/tasks';
 * import { sqliteBackend } from '@adv/tasks/sqlite';
 * const app = createTaskApp({ backend: sqliteBackend({ filename: './data/app.db' }) });
 * ```
 */
export function sqliteBackend(options: SqliteBackendOptions): SqliteBackend {
  return new SqliteBackend(options);
}
