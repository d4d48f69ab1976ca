import { serializeError, TaskError } from '../errors.js';
import type { ActiveJob, JobData, Outcome } from '../types.js';
import type { PgRunner } from './connection.js';
import type { ResolvedPostgresOptions } from './options.js';
import { PgActiveJob } from './records.js';
import type { Statements } from './sql.js';

interface ConsumerDeps {
  options: ResolvedPostgresOptions;
  sql: Statements;
  db: PgRunner;
  /** This worker's id, stored in `locked_by` of the jobs it claims. */
  workerId: string;
  processor: (job: ActiveJob) => Promise<Outcome>;
  concurrency: number;
  onError(error: unknown): void;
  /** A job reached a final state here (for `result()` waiters in this process). */
  onFinished(id: string): void;
}

interface ClaimedRow {
  id: string;
  data: JobData;
  attempts: number;
  attempts_made: number;
  priority: number;
  run_at: string;
  seq: string;
}

interface PendingCompletion {
  id: string;
  result: string;
  done: (error?: unknown) => void;
}

const byQueueOrder = (a: ClaimedRow, b: ClaimedRow) =>
  a.priority - b.priority || Number(a.run_at) - Number(b.run_at) || Number(a.seq) - Number(b.seq);

/**
 * The worker side: claims due jobs with `FOR UPDATE SKIP LOCKED` (as many as it has free slots,
 * in one statement), runs them, writes their outcome (completions batched into one statement),
 * renews their leases, and takes back the jobs of workers whose leases expired.
 */
export class PgConsumer {
  readonly #deps: ConsumerDeps;
  /** Jobs whose handler runs now: what `concurrency` bounds. */
  readonly #active = new Map<string, PgActiveJob>();
  /** Ids of the jobs claimed whose outcome is not written yet (their handler may be done). */
  readonly #tracked = new Set<string>();
  /** A claim failed: it may have been applied with its answer lost, leaving jobs locked to us. */
  #orphans = false;
  /** Whether due jobs may be waiting: set by notifications, timers and full claims. */
  #maybeMore = true;
  /** Counts wake-ups, so a claim that started before one does not clear `#maybeMore` it set. */
  #wakes = 0;
  #fetching = false;
  /** The claim loop running now, if any. */
  #pumping: Promise<void> = Promise.resolve();
  #again = false;
  #stopping = false;
  #wakeAt = Number.POSITIVE_INFINITY;
  #wakeTimer: NodeJS.Timeout | undefined;
  readonly #intervals: NodeJS.Timeout[] = [];
  #completions: PendingCompletion[] = [];
  #flushing = false;
  /** Resolves when the last active job settled (for close). */
  #idle: (() => void) | undefined;
  #lastErrorAt = 0;
  /** Jobs finished here since the last trim of old finished jobs. */
  #finishedSinceTrim = 0;

  constructor(deps: ConsumerDeps) {
    this.#deps = deps;
  }

  /** Starts the timers and the first claim. */
  start(): void {
    const { leaseDuration, pollInterval } = this.#deps.options;
    this.#intervals.push(
      setInterval(() => this.#poll(), pollInterval),
      setInterval(() => this.#heartbeat(), Math.max(50, Math.floor(leaseDuration / 3))),
      setInterval(() => this.#recover(), Math.max(50, Math.floor(leaseDuration / 2))),
      setInterval(() => this.#trim(), Math.max(1000, pollInterval)),
    );
    this.#poll();
  }

  /** A notification or a timer says due jobs may be waiting. */
  wake(): void {
    this.#maybeMore = true;
    this.#wakes += 1;
    void this.#pump();
  }

  /** A job becomes due at `at` (ms since epoch): claim then. */
  wakeAt(at: number): void {
    if (at >= this.#wakeAt) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    const delay = Math.max(0, Math.min(at - Date.now(), this.#deps.options.pollInterval));
    this.#wakeTimer = setTimeout(() => {
      this.#wakeAt = Number.POSITIVE_INFINITY;
      // a timer may fire a millisecond before the wall clock reaches `at`: a claim then would
      // find the job not yet due, and nothing would wake this worker again before the poll
      if (Date.now() < at && !this.#stopping) this.wakeAt(at);
      else this.wake();
    }, delay);
  }

  /** Aborts the job if this worker runs it; returns whether it did. */
  abort(id: string, reason: TaskError): boolean {
    const job = this.#active.get(id);
    if (!job) return false;
    job.abort(reason);
    return true;
  }

  /**
   * Stops claiming; lets active jobs finish for up to `timeout` ms, then aborts them and gives
   * them back to the queue unfinished (another worker runs them; no attempt is counted).
   */
  async stop(timeout: number): Promise<void> {
    this.#stopping = true;
    for (const interval of this.#intervals) clearInterval(interval);
    clearTimeout(this.#wakeTimer);
    // a claim on its way returns jobs this worker must give back before the pool closes
    await this.#pumping;
    if (this.#tracked.size === 0) return;
    const idle = new Promise<void>((resolve) => {
      this.#idle = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeout);
    });
    const heartbeat = setInterval(
      () => this.#heartbeat(),
      Math.max(50, Math.floor(this.#deps.options.leaseDuration / 3)),
    );
    try {
      if ((await Promise.race([idle, late])) === 'late') {
        for (const job of this.#active.values()) {
          job.released = true;
          job.abort(new TaskError('ERR_BACKEND', `Job ${job.id} was interrupted by a worker shutdown`));
        }
        // their outcome is a release back to the queue: give it a moment to reach the server
        await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      }
    } finally {
      clearTimeout(timer);
      clearInterval(heartbeat);
    }
  }

  #report(error: unknown): void {
    // a lost server fails every timer tick: report it once a second at most
    const now = Date.now();
    if (now - this.#lastErrorAt < 1000) return;
    this.#lastErrorAt = now;
    this.#deps.onError(error);
  }

  /** The fallback tick: claims, and re-arms the timer for the next delayed job. */
  #poll(): void {
    if (this.#stopping) return;
    this.wake();
    const { db, sql, options } = this.#deps;
    db.query('find the next delayed job', sql.nextDue, [options.queueName], { wait: options.pollInterval }).then(
      (rows) => {
        const at = rows[0]?.at;
        if (typeof at === 'number') this.wakeAt(at);
      },
      (error: unknown) => this.#report(error),
    );
  }

  #pump(): Promise<void> {
    if (this.#fetching) {
      this.#again = true;
      return this.#pumping;
    }
    this.#fetching = true;
    this.#pumping = this.#pumpLoop();
    return this.#pumping;
  }

  async #pumpLoop(): Promise<void> {
    try {
      do {
        this.#again = false;
        const free = this.#deps.concurrency - this.#active.size;
        if (free <= 0 || this.#stopping || !this.#maybeMore) break;
        const wakes = this.#wakes;
        const rows = await this.#claim(free);
        // drained, unless a notification came while the claim ran (its job may have missed it)
        if (rows.length < free && wakes === this.#wakes) this.#maybeMore = false;
        else this.#again = true;
        for (const row of rows.sort(byQueueOrder)) this.#run(row);
      } while (this.#again);
    } catch (error) {
      this.#report(error);
    } finally {
      this.#fetching = false;
    }
  }

  async #claim(count: number): Promise<ClaimedRow[]> {
    const { db, sql, options, workerId } = this.#deps;
    const queue = options.queueName;
    const wait = options.unavailableTimeout;
    if (this.#orphans) {
      await db.query('release lost claims', sql.releaseUntracked, [queue, workerId, [...this.#tracked]], { wait });
      this.#orphans = false;
    }
    try {
      return await db.query('claim jobs', sql.claim, [queue, workerId, Date.now(), options.leaseDuration, count], {
        wait,
        prepare: true,
      });
    } catch (error) {
      this.#orphans = true;
      throw error;
    }
  }

  #run(row: ClaimedRow): void {
    if (this.#stopping) {
      // claimed as the worker began to stop: give it back (close() waits for this)
      this.#tracked.add(row.id);
      this.#release(row.id)
        .catch((error: unknown) => this.#report(error))
        .finally(() => {
          this.#tracked.delete(row.id);
          if (this.#tracked.size === 0) this.#idle?.();
        });
      return;
    }
    const job = new PgActiveJob(row);
    this.#active.set(job.id, job);
    this.#tracked.add(job.id);
    let outcome: Promise<Outcome>;
    try {
      outcome = this.#deps.processor(job);
    } catch (error) {
      outcome = Promise.resolve({ ok: false, error });
    }
    outcome
      .catch((error: unknown): Outcome => ({ ok: false, error })) // the processor decides retries; if it broke, fail the job
      .then((result) => {
        // the slot is free once the handler is done: the next claim need not wait for this write
        this.#active.delete(job.id);
        if (this.#maybeMore) void this.#pump();
        return this.#settle(job, result);
      })
      .catch((error: unknown) => this.#report(error))
      .finally(() => {
        this.#active.delete(job.id);
        this.#tracked.delete(job.id);
        if (this.#tracked.size === 0) this.#idle?.();
      });
  }

  async #settle(job: PgActiveJob, outcome: Outcome): Promise<void> {
    const { db, sql, options, workerId } = this.#deps;
    const queue = options.queueName;
    // Written for up to a lease: past it, another worker may already run the job again.
    const wait = options.leaseDuration;
    if (job.released) {
      await this.#release(job.id);
      return;
    }
    if (outcome.ok) {
      await this.#complete(job.id, JSON.stringify(outcome.value ?? null));
      this.#finishedSinceTrim += 1;
      this.#deps.onFinished(job.id);
      return;
    }
    const error = JSON.stringify(serializeError(outcome.error));
    if (outcome.retryIn !== undefined && !this.#stopping) {
      const at = Date.now() + outcome.retryIn;
      await db.query(`retry job \`${job.id}\``, sql.retryLater, [queue, job.id, workerId, error, at], { wait });
      this.wakeAt(at);
      return;
    }
    await db.query(`fail job \`${job.id}\``, sql.fail, [queue, job.id, workerId, error, Date.now()], { wait });
    this.#finishedSinceTrim += 1;
    this.#deps.onFinished(job.id);
  }

  #release(id: string): Promise<void> {
    const { db, sql, options, workerId } = this.#deps;
    return db
      .query(`release job \`${id}\``, sql.release, [options.queueName, id, workerId, Date.now()], {
        wait: options.unavailableTimeout,
      })
      .then(() => {});
  }

  /** Queues a completion; one statement writes all completions queued meanwhile. */
  #complete(id: string, result: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#completions.push({ id, result, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    const { db, sql, options, workerId } = this.#deps;
    try {
      while (this.#completions.length > 0) {
        const batch = this.#completions;
        this.#completions = [];
        try {
          await db.query(
            'complete jobs',
            sql.complete,
            [options.queueName, workerId, batch.map((c) => c.id), batch.map((c) => c.result), Date.now()],
            { wait: options.leaseDuration, prepare: true },
          );
          for (const item of batch) item.done();
        } catch (error) {
          for (const item of batch) item.done(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #heartbeat(): void {
    if (this.#tracked.size === 0) return;
    const { db, sql, options, workerId } = this.#deps;
    const interval = Math.floor(options.leaseDuration / 3);
    db.query(
      'renew leases',
      sql.heartbeat,
      [options.queueName, workerId, Date.now() + options.leaseDuration, [...this.#tracked]],
      {
        wait: interval,
      },
    ).catch((error: unknown) => this.#report(error));
  }

  /** Drops the oldest finished jobs past `keepCompleted` / `keepFailed` (cancelled ones count as completed). */
  #trim(): void {
    if (this.#finishedSinceTrim === 0 || this.#stopping) return;
    this.#finishedSinceTrim = 0;
    const { db, sql, options } = this.#deps;
    const wait = Math.max(1000, options.pollInterval);
    void (async () => {
      await db.query(
        'trim finished jobs',
        sql.trim,
        [options.queueName, ['completed', 'cancelled'], options.keepCompleted],
        {
          wait,
        },
      );
      await db.query('trim failed jobs', sql.trim, [options.queueName, ['failed'], options.keepFailed], { wait });
    })().catch((error: unknown) => this.#report(error));
  }

  #recover(): void {
    if (this.#stopping) return;
    const { db, sql, options } = this.#deps;
    const error = JSON.stringify({
      name: 'TaskError',
      code: 'ERR_BACKEND',
      message: `The job's worker stopped renewing its lease more than ${options.maxStalledCount} time(s) (it died or hung)`,
    });
    db.query('recover stalled jobs', sql.recover, [options.queueName, Date.now(), options.maxStalledCount, error], {
      wait: Math.floor(options.leaseDuration / 2),
    }).then(
      (rows: { status: string }[]) => {
        if (rows.some((row) => row.status === 'queued')) this.wake();
      },
      (error: unknown) => this.#report(error),
    );
  }
}
