import { randomUUID } from 'node:crypto';
import { serializeError, TaskError } from '../errors.js';
import { nextFireTime } from '../schedule.js';
import { jsonCopy } from '../serialize.js';
import { type LongTimer, setLongTimeout } from '../timers.js';
import type {
  ActiveJob,
  Defined,
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
import { checkInteger, readOptions } from '../validate.js';
import { MEMORY_DEFAULTS, type MemoryBackendOptions } from './options.js';
import { RunQueue } from './run-queue.js';

interface Entry {
  record: JobRecord;
  /** The job's `priority` (0 when it has none): the lowest runs first. */
  priority: number;
  timer?: LongTimer | undefined;
  controller?: AbortController | undefined;
  /** Set when the active job is cancelled or interrupted, whether or not its signal exists yet. */
  aborted?: boolean;
  abortReason?: TaskError;
  /** Callers of `waitFinished`, created on first use (most jobs have none). */
  waiters?: Set<(error?: TaskError) => void> | undefined;
}

interface ScheduleEntry {
  record: ScheduleRecord;
  template: { data: JobData; attempts: number; priority?: number };
  key: string;
  timer?: LongTimer;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

function closedBeforeFinish(id: string): TaskError {
  return new TaskError(
    'ERR_BACKEND',
    `The memory backend was closed before job \`${id}\` finished (memory jobs do not survive a close or a restart)`,
  );
}

/** Aborts a job's signal, or records the reason for when its signal is first created. */
function abortEntry(entry: Entry, reason: TaskError): void {
  entry.aborted = true;
  entry.abortReason = reason;
  entry.controller?.abort(reason);
}

/**
 * A job as the processor sees it. A class with prototype getters rather than an object literal
 * with getters, which would allocate two closures per job; the AbortSignal is created on first
 * use only, as most handlers never look at it.
 */
class MemoryActiveJob implements ActiveJob {
  readonly id: string;
  readonly data: JobData;
  readonly attemptsMade: number;
  readonly attempts: number;
  readonly #entry: Entry;

  constructor(entry: Entry) {
    this.#entry = entry;
    this.id = entry.record.id;
    const { data } = entry.record;
    // The handler gets its own copy, as from Redis: changing it must not change the stored job or a retry.
    this.data =
      typeof data.payload === 'object' && data.payload !== null ? { ...data, payload: jsonCopy(data.payload) } : data;
    this.attemptsMade = entry.record.attemptsMade;
    this.attempts = entry.record.attempts;
  }

  get signal(): AbortSignal {
    const entry = this.#entry;
    if (!entry.controller) {
      entry.controller = new AbortController();
      if (entry.aborted) entry.controller.abort(entry.abortReason);
    }
    return entry.controller.signal;
  }

  get aborted(): boolean {
    return this.#entry.aborted === true;
  }
}

/**
 * The embedded default backend: jobs live in this process's memory and run on a p-queue with a
 * concurrency limit. Delays, retries, priorities, schedules and results all work, but **nothing
 * survives a restart** and other processes cannot see the jobs. Its timers do not keep the
 * process alive on their own (`startWorker()` does).
 */
export class MemoryBackend implements TaskBackend {
  readonly backendInfo = { name: '@adv/tasks:memory', sharedAcrossProcesses: false } as const;
  readonly #options: Defined<MemoryBackendOptions>;
  readonly #jobs = new Map<string, Entry>();
  /**
   * Completed and cancelled jobs, oldest first from `#completedHead` (both states are final, so a
   * FIFO array does: evicting from a `Set` would skip over its deleted slots every time). Entries,
   * not ids: a job removed and enqueued again under its id is not the entry evicted here.
   */
  #completed: Entry[] = [];
  #completedHead = 0;
  readonly #failed = new Set<string>();
  readonly #schedules = new Map<string, ScheduleEntry>();
  readonly #queue = new RunQueue<Entry>((entry) => this.#run(entry));
  #processor: ((job: ActiveJob) => Promise<Outcome>) | undefined;
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    this.#options = readOptions('memoryBackend', options, { keepCompleted: true, keepFailed: true }, MEMORY_DEFAULTS);
    checkInteger('keepCompleted', this.#options.keepCompleted, 0);
    checkInteger('keepFailed', this.#options.keepFailed, 0);
  }

  async add(job: NewJob): Promise<JobRecord> {
    this.#assertOpen();
    if (job.id !== undefined) {
      const existing = this.#jobs.get(job.id);
      if (existing) return { ...existing.record };
    }
    const id = job.id ?? randomUUID();
    const record: JobRecord = {
      id,
      status: job.delay > 0 ? 'delayed' : 'waiting',
      data: jsonCopy(job.data),
      attemptsMade: 0,
      attempts: job.attempts,
      createdAt: Date.now(),
    };
    const entry: Entry = { record, priority: job.priority ?? 0 };
    this.#jobs.set(id, entry);
    if (job.delay > 0) this.#delay(entry, job.delay);
    else this.#push(entry);
    return { ...record };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const entry = this.#jobs.get(id);
    return entry ? { ...entry.record } : undefined;
  }

  waitFinished(id: string, timeout: number): Promise<JobRecord> {
    const entry = this.#jobs.get(id);
    if (!entry)
      return Promise.reject(new TaskError('ERR_NOT_FOUND', `No job \`${id}\` is known to the memory backend`));
    if (FINISHED.has(entry.record.status)) return Promise.resolve({ ...entry.record });
    if (this.#closed) return Promise.reject(closedBeforeFinish(id));
    return new Promise((resolve, reject) => {
      const timer = setLongTimeout(() => {
        entry.waiters?.delete(done);
        reject(new TaskError('ERR_RESULT_TIMEOUT', `Job \`${id}\` did not finish within ${timeout} ms`));
      }, timeout);
      const done = (error?: TaskError) => {
        timer.clear();
        if (error) reject(error);
        else resolve({ ...entry.record });
      };
      entry.waiters ??= new Set();
      entry.waiters.add(done);
    });
  }

  async cancel(id: string): Promise<boolean> {
    const entry = this.#jobs.get(id);
    if (!entry || FINISHED.has(entry.record.status)) return false;
    entry.timer?.clear();
    abortEntry(entry, new TaskError('ERR_CANCELLED', `Job \`${id}\` was cancelled`));
    this.#finish(entry, 'cancelled');
    return true;
  }

  async process(processor: (job: ActiveJob) => Promise<Outcome>, options: ProcessOptions): Promise<void> {
    this.#assertOpen();
    this.#processor = processor;
    this.#queue.concurrency = checkInteger('concurrency', options.concurrency, 1);
    this.#queue.start();
  }

  async stats(): Promise<TaskStats> {
    const stats: TaskStats = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const { record } of this.#jobs.values()) {
      if (record.status in stats) stats[record.status as keyof TaskStats] += 1;
    }
    return stats;
  }

  async list(state: ListableState, start: number, end: number): Promise<JobRecord[]> {
    const matching: JobRecord[] = [];
    for (const { record } of this.#jobs.values()) if (record.status === state) matching.push(record);
    const at = (record: JobRecord) => record.finishedAt ?? record.createdAt;
    // Map order is insertion order: a stable sort keeps later-added jobs later among equal times.
    return matching
      .reverse()
      .sort((a, b) => at(b) - at(a))
      .slice(start, end + 1)
      .map((record) => ({ ...record }));
  }

  async retry(id: string): Promise<void> {
    const entry = this.#jobs.get(id);
    if (entry?.record.status !== 'failed') {
      throw new TaskError('ERR_NOT_FOUND', `No failed job \`${id}\` to retry`);
    }
    this.#failed.delete(id);
    Object.assign(entry.record, { status: 'waiting', attemptsMade: 0, error: undefined, finishedAt: undefined });
    this.#push(entry);
  }

  async remove(id: string): Promise<RemoveResult> {
    const entry = this.#jobs.get(id);
    if (!entry) return 'not-found';
    if (entry.record.status === 'active') return 'active';
    entry.timer?.clear();
    entry.record.status = 'unknown'; // a copy still in the run queue is skipped
    this.#jobs.delete(id);
    this.#failed.delete(id);
    if (entry.waiters) {
      const error = new TaskError('ERR_NOT_FOUND', `Job \`${id}\` was removed before it finished`);
      for (const waiter of entry.waiters) waiter(error);
      entry.waiters = undefined;
    }
    return 'removed';
  }

  async pause(): Promise<void> {
    this.#assertOpen();
    this.#queue.pause();
  }

  async resume(): Promise<void> {
    this.#assertOpen();
    this.#queue.resume();
  }

  async isPaused(): Promise<boolean> {
    return this.#queue.paused;
  }

  async upsertSchedule(schedule: ScheduleRecord, template: ScheduleEntry['template']): Promise<void> {
    this.#assertOpen();
    const key = JSON.stringify([schedule.spec, schedule.task, schedule.payload, template]);
    const current = this.#schedules.get(schedule.id);
    if (current?.key === key) return; // identical: keep the running timer, so re-registering never skips or doubles a tick
    current?.timer?.clear();
    const entry: ScheduleEntry = { record: jsonCopy(schedule), template: jsonCopy(template), key };
    if (current?.record.last) entry.record.last = current.record.last;
    this.#schedules.set(schedule.id, entry);
    this.#arm(entry);
  }

  async removeSchedule(id: string): Promise<boolean> {
    const entry = this.#schedules.get(id);
    if (!entry) return false;
    entry.timer?.clear();
    this.#schedules.delete(id);
    return true;
  }

  async schedules(): Promise<ScheduleRecord[]> {
    return [...this.#schedules.values()].map((entry) => jsonCopy(entry.record));
  }

  async ping(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.#assertOpen();
  }

  async close(options: { timeout?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#schedules.values()) entry.timer?.clear();
    for (const entry of this.#jobs.values()) entry.timer?.clear();
    this.#queue.clear();
    const idle = this.#queue.onIdle();
    let timer: LongTimer | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setLongTimeout(() => resolve('timeout'), options.timeout ?? 30_000);
    });
    if ((await Promise.race([idle, timedOut])) === 'timeout') {
      for (const entry of this.#jobs.values())
        if (entry.record.status === 'active') abortEntry(entry, new TaskError('ERR_BACKEND', 'Worker shut down'));
    }
    timer?.clear();
    // Jobs that will never finish now (dropped, or a handler that ignores its signal): say so
    // rather than let `result()` wait out its timeout.
    for (const entry of this.#jobs.values()) {
      if (!entry.waiters || FINISHED.has(entry.record.status)) continue;
      const error = closedBeforeFinish(entry.record.id);
      for (const waiter of entry.waiters) waiter(error);
      entry.waiters = undefined;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new TaskError('ERR_BACKEND', 'The memory backend is closed');
  }

  #delay(entry: Entry, ms: number): void {
    entry.record.status = 'delayed';
    entry.timer = setLongTimeout(
      () => {
        entry.timer = undefined;
        if (entry.record.status === 'delayed') this.#push(entry);
      },
      ms,
      { unref: true },
    );
  }

  #push(entry: Entry): void {
    entry.record.status = 'waiting';
    this.#queue.push(entry, entry.priority);
  }

  async #run(entry: Entry): Promise<void> {
    const { record } = entry;
    if (record.status !== 'waiting' || !this.#processor) return;
    record.status = 'active';
    entry.aborted = false;
    let outcome: Outcome;
    try {
      outcome = await this.#processor(new MemoryActiveJob(entry));
    } catch (error) {
      outcome = { ok: false, error }; // the processor decides retries; if it broke, fail the job rather than crash
    }
    entry.controller = undefined;
    if (record.status !== 'active') return; // cancelled while running
    record.attemptsMade += 1;
    if (outcome.ok) {
      record.result = jsonCopy(outcome.value);
      this.#finish(entry, 'completed');
    } else {
      record.error = serializeError(outcome.error);
      if (outcome.retryIn !== undefined && !this.#closed) this.#delay(entry, outcome.retryIn);
      else this.#finish(entry, 'failed');
    }
  }

  #finish(entry: Entry, status: 'completed' | 'failed' | 'cancelled'): void {
    entry.record.status = status;
    entry.record.finishedAt = Date.now();
    if (status === 'failed') this.#keepFailed(entry.record.id);
    else this.#keepCompleted(entry); // cancelled jobs share the completed jobs' retention
    if (entry.waiters) {
      for (const waiter of entry.waiters) waiter();
      entry.waiters = undefined;
    }
  }

  #keepCompleted(entry: Entry): void {
    const ids = this.#completed;
    ids.push(entry);
    while (ids.length - this.#completedHead > this.#options.keepCompleted) {
      const old = ids[this.#completedHead]!;
      if (this.#jobs.get(old.record.id) === old) this.#jobs.delete(old.record.id);
      this.#completedHead += 1;
    }
    if (this.#completedHead >= 1024 && this.#completedHead * 2 >= ids.length) {
      this.#completed = ids.slice(this.#completedHead);
      this.#completedHead = 0;
    }
  }

  /** Failed jobs can leave that state (`retry()`), so they are kept in an insertion-ordered set. */
  #keepFailed(id: string): void {
    const kept = this.#failed;
    kept.add(id);
    for (const old of kept) {
      if (kept.size <= this.#options.keepFailed) break;
      kept.delete(old);
      this.#jobs.delete(old);
    }
  }

  #arm(entry: ScheduleEntry): void {
    const now = Date.now();
    const next = nextFireTime(entry.record.spec, now);
    entry.record.next = next;
    entry.timer = setLongTimeout(
      () => {
        if (this.#schedules.get(entry.record.id) !== entry || this.#closed) return;
        const { data, attempts, priority } = entry.template;
        const job = { id: `sched-${entry.record.id}-${next}`, data, delay: 0, attempts };
        entry.record.last = { at: next, jobId: job.id };
        void this.add(priority === undefined ? job : { ...job, priority }).catch(() => {});
        this.#arm(entry);
      },
      next - now,
      { unref: true },
    );
  }
}

/** Creates the in-process backend (the default). See {@link MemoryBackend}. */
export function memoryBackend(options?: MemoryBackendOptions): MemoryBackend {
  return new MemoryBackend(options);
}
