import type { Statement } from 'better-sqlite3';
import type { SerializedError } from '../errors.js';
import type { JobData, JobRecord, JobStatus, ListableState, NewJob, RemoveResult, TaskStats } from '../types.js';
import type { Connection } from './connection.js';
import { INSERT_JOB } from './schema.js';

/** A job row as claimed: what the worker needs to run it and to prove it still owns it. */
export interface ClaimedRow {
  seq: number;
  id: string;
  data: string;
  attempts: number;
  attempts_made: number;
  claims: number;
}

interface JobRow extends ClaimedRow {
  state: string;
  created_at: number;
  finished_at: number | null;
  result: string | null;
  error: string | null;
}

/** JSON text of a value, `null` for `undefined` (a result or payload may be absent). */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

/** The row as the record every backend returns. */
export function toRecord(row: JobRow): JobRecord {
  const record: JobRecord = {
    id: row.id,
    status: row.state as JobStatus,
    data: JSON.parse(row.data) as JobData,
    attemptsMade: row.attempts_made,
    attempts: row.attempts,
    createdAt: row.created_at,
  };
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  if (row.state === 'completed') record.result = fromJson(row.result);
  else if (row.error !== null) record.error = JSON.parse(row.error) as SerializedError;
  return record;
}

const COLUMNS = 'seq, id, state, data, attempts, attempts_made, claims, created_at, finished_at, result, error';
const FINISHED = `state IN ('completed', 'failed', 'cancelled')`;

/**
 * The SQL of one queue on one connection, prepared once. Every method is synchronous and runs
 * in the caller's transaction (or its own implicit one); the backend decides the transactions.
 */
export class JobStore {
  readonly db: Connection;
  readonly queue: string;
  readonly #s: Record<string, Statement>;

  constructor(db: Connection, queue: string) {
    this.db = db;
    this.queue = queue;
    const q = 'queue = @queue';
    const prepare = (sql: string) => db.prepare(sql);
    this.#s = {
      insert: prepare(INSERT_JOB),
      get: prepare(`SELECT ${COLUMNS} FROM adv_tasks_jobs WHERE ${q} AND id = @id`),
      promote: prepare(
        `UPDATE adv_tasks_jobs SET state = 'waiting' WHERE ${q} AND state = 'delayed' AND run_at <= @now`,
      ),
      ready: prepare(
        `SELECT seq, id, data, attempts, attempts_made, claims FROM adv_tasks_jobs
         WHERE ${q} AND state = 'waiting' ORDER BY prio, run_at, seq LIMIT @limit`,
      ),
      claim: prepare(
        `UPDATE adv_tasks_jobs SET state = 'active', run_at = @until, worker = @worker, claims = claims + 1
         WHERE seq IN (SELECT value FROM json_each(@seqs))`,
      ),
      stalled: prepare(`SELECT seq, stalls FROM adv_tasks_jobs WHERE ${q} AND state = 'active' AND run_at < @now`),
      requeue: prepare(
        `UPDATE adv_tasks_jobs SET state = 'waiting', run_at = @now, worker = NULL, stalls = stalls + 1 WHERE seq = @seq`,
      ),
      failStalled: prepare(
        `UPDATE adv_tasks_jobs SET state = 'failed', run_at = @now, finished_at = @now, worker = NULL, error = @error
         WHERE seq = @seq`,
      ),
      nextDue: prepare(`SELECT min(run_at) FROM adv_tasks_jobs WHERE ${q} AND state = 'delayed'`).pluck(),
      nextLease: prepare(`SELECT min(run_at) FROM adv_tasks_jobs WHERE ${q} AND state = 'active'`).pluck(),
      complete: prepare(
        `UPDATE adv_tasks_jobs SET state = 'completed', run_at = @now, finished_at = @now, worker = NULL,
           attempts_made = attempts_made + 1, result = @result, error = NULL
         WHERE seq = @seq AND state = 'active' AND worker = @worker AND claims = @claims`,
      ),
      fail: prepare(
        `UPDATE adv_tasks_jobs SET state = @state, run_at = @runAt, finished_at = @finishedAt, worker = NULL,
           attempts_made = attempts_made + 1, error = @error
         WHERE seq = @seq AND state = 'active' AND worker = @worker AND claims = @claims`,
      ),
      release: prepare(
        `UPDATE adv_tasks_jobs SET state = 'waiting', run_at = @now, worker = NULL
         WHERE seq = @seq AND state = 'active' AND worker = @worker AND claims = @claims`,
      ),
      renew: prepare(`UPDATE adv_tasks_jobs SET run_at = @until WHERE ${q} AND state = 'active' AND worker = @worker`),
      owned: prepare(`SELECT seq, claims FROM adv_tasks_jobs WHERE ${q} AND state = 'active' AND worker = @worker`),
      cancel: prepare(
        `UPDATE adv_tasks_jobs SET state = 'cancelled', run_at = @now, finished_at = @now, worker = NULL
         WHERE ${q} AND id = @id AND state IN ('waiting', 'delayed', 'active')`,
      ),
      retry: prepare(
        `UPDATE adv_tasks_jobs SET state = 'waiting', run_at = @now, attempts_made = 0, stalls = 0,
           finished_at = NULL, error = NULL, result = NULL
         WHERE ${q} AND id = @id AND state = 'failed'`,
      ),
      state: prepare(`SELECT state FROM adv_tasks_jobs WHERE ${q} AND id = @id`).pluck(),
      remove: prepare(`DELETE FROM adv_tasks_jobs WHERE ${q} AND id = @id AND state <> 'active'`),
      paused: prepare(`SELECT 1 FROM adv_tasks_paused WHERE queue = @queue`).pluck(),
      pause: prepare(`INSERT INTO adv_tasks_paused (queue) VALUES (@queue) ON CONFLICT (queue) DO NOTHING`),
      resume: prepare(`DELETE FROM adv_tasks_paused WHERE queue = @queue`),
      counts: prepare(`SELECT state, count(*) AS n FROM adv_tasks_jobs WHERE ${q} GROUP BY state`),
      listByCreated: prepare(
        `SELECT ${COLUMNS} FROM adv_tasks_jobs WHERE ${q} AND state = @state
         ORDER BY created_at DESC, seq DESC LIMIT @limit OFFSET @offset`,
      ),
      listByFinished: prepare(
        `SELECT ${COLUMNS} FROM adv_tasks_jobs WHERE ${q} AND state = @state
         ORDER BY run_at DESC, seq DESC LIMIT @limit OFFSET @offset`,
      ),
      cutoff: prepare(
        `SELECT run_at FROM adv_tasks_jobs WHERE ${q} AND state = @state ORDER BY run_at DESC LIMIT 1 OFFSET @keep`,
      ).pluck(),
      prune: prepare(`DELETE FROM adv_tasks_jobs WHERE ${q} AND state = @state AND run_at < @cutoff`),
      // Finished, or gone (removed): either way its waiters have something to read.
      finished: prepare(
        `SELECT value FROM json_each(@ids) WHERE NOT EXISTS (
           SELECT 1 FROM adv_tasks_jobs WHERE ${q} AND id = value AND NOT (${FINISHED}))`,
      ).pluck(),
    };
  }

  /** Adds a job (or finds the one kept under its id); `added` says which. */
  insert(job: NewJob, id: string, now: number): { record: JobRecord; added: boolean } {
    const delayed = job.delay > 0;
    const data = JSON.stringify(job.data);
    const state = delayed ? 'delayed' : 'waiting';
    const info = this.#s.insert!.run(
      this.queue,
      id,
      state,
      data,
      job.priority ?? 0,
      delayed ? now + job.delay : now,
      job.attempts,
      now,
    );
    if (info.changes === 0) return { record: this.get(id)!, added: false };
    const record: JobRecord = {
      id,
      status: state,
      data: JSON.parse(data) as JobData,
      attemptsMade: 0,
      attempts: job.attempts,
      createdAt: now,
    };
    return { record, added: true };
  }

  get(id: string): JobRecord | undefined {
    const row = this.#s.get!.get({ queue: this.queue, id }) as JobRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Moves due delayed jobs to waiting, then claims up to `limit` of the first waiting ones. */
  claim(limit: number, now: number, until: number, worker: string): ClaimedRow[] {
    const queue = this.queue;
    this.#s.promote!.run({ queue, now });
    if (limit <= 0 || this.paused()) return [];
    const rows = this.#s.ready!.all({ queue, limit }) as ClaimedRow[];
    if (rows.length === 0) return rows;
    this.#s.claim!.run({ until, worker, seqs: JSON.stringify(rows.map((row) => row.seq)) });
    for (const row of rows) row.claims += 1;
    return rows;
  }

  /** Jobs whose lease expired go back to waiting, or fail after `maxStalls` expiries. Returns ids failed. */
  recoverStalled(now: number, maxStalls: number): number {
    const stalled = this.#s.stalled!.all({ queue: this.queue, now }) as { seq: number; stalls: number }[];
    let failed = 0;
    for (const { seq, stalls } of stalled) {
      if (stalls < maxStalls) {
        this.#s.requeue!.run({ seq, now });
        continue;
      }
      const error: SerializedError = {
        name: 'TaskError',
        code: 'ERR_BACKEND',
        message: `The job's worker stopped renewing its lease ${stalls + 1} time(s) (killed or stuck); it is not run again`,
      };
      this.#s.failStalled!.run({ seq, now, error: JSON.stringify(error) });
      failed += 1;
    }
    return failed;
  }

  /** When the first delayed job is due, if any. */
  nextDue(): number | undefined {
    return (this.#s.nextDue!.get({ queue: this.queue }) as number | null) ?? undefined;
  }

  /** When the first active job's lease expires, if any. */
  nextLeaseExpiry(): number | undefined {
    return (this.#s.nextLease!.get({ queue: this.queue }) as number | null) ?? undefined;
  }

  /** Records a success, if `worker` still owns this claim. */
  complete(row: ClaimedRow, worker: string, result: unknown, now: number): boolean {
    const params = { seq: row.seq, worker, claims: row.claims, now, result: toJson(result) };
    return this.#s.complete!.run(params).changes > 0;
  }

  /** Records a failure, final or to retry at `retryAt`, if `worker` still owns this claim. */
  fail(row: ClaimedRow, worker: string, error: SerializedError, now: number, retryAt?: number): boolean {
    const retry = retryAt !== undefined;
    return (
      this.#s.fail!.run({
        seq: row.seq,
        worker,
        claims: row.claims,
        state: retry ? 'delayed' : 'failed',
        runAt: retry ? retryAt : now,
        finishedAt: retry ? null : now,
        error: JSON.stringify(error),
      }).changes > 0
    );
  }

  /** Gives a claimed job back, unrun (at shutdown). */
  release(row: ClaimedRow, worker: string, now: number): void {
    this.#s.release!.run({ seq: row.seq, worker, claims: row.claims, now });
  }

  /** Extends the leases of every job `worker` holds; returns the claims it still holds (`seq -> claims`). */
  renew(worker: string, until: number): Map<number, number> {
    this.#s.renew!.run({ queue: this.queue, worker, until });
    const owned = this.#s.owned!.all({ queue: this.queue, worker }) as { seq: number; claims: number }[];
    return new Map(owned.map((row) => [row.seq, row.claims]));
  }

  cancel(id: string, now: number): boolean {
    return this.#s.cancel!.run({ queue: this.queue, id, now }).changes > 0;
  }

  /** Deletes a job that is not active (run it in a write transaction). */
  remove(id: string): RemoveResult {
    const state = this.#s.state!.get({ queue: this.queue, id }) as string | undefined;
    if (state === undefined) return 'not-found';
    if (state === 'active') return 'active';
    this.#s.remove!.run({ queue: this.queue, id });
    return 'removed';
  }

  /** Whether the queue is paused (workers claim nothing). */
  paused(): boolean {
    return this.#s.paused!.get({ queue: this.queue }) !== undefined;
  }

  /** Pauses (`true`) or resumes the queue; returns whether that changed anything. */
  setPaused(paused: boolean): boolean {
    return (paused ? this.#s.pause! : this.#s.resume!).run({ queue: this.queue }).changes > 0;
  }

  retry(id: string, now: number): boolean {
    return this.#s.retry!.run({ queue: this.queue, id, now }).changes > 0;
  }

  stats(): TaskStats {
    const stats: TaskStats = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const { state, n } of this.#s.counts!.all({ queue: this.queue }) as { state: string; n: number }[]) {
      if (state in stats) stats[state as keyof TaskStats] = n;
    }
    return stats;
  }

  list(state: ListableState, start: number, end: number): JobRecord[] {
    const finished = state === 'completed' || state === 'failed';
    const statement = finished ? this.#s.listByFinished! : this.#s.listByCreated!;
    const rows = statement.all({ queue: this.queue, state, limit: end - start + 1, offset: start }) as JobRow[];
    return rows.map(toRecord);
  }

  /** Drops the oldest jobs in `state` beyond the newest `keep`. */
  prune(state: 'completed' | 'cancelled' | 'failed', keep: number): void {
    // Keeps every job finished in the same millisecond as the newest dropped one's successor: at
    // least `keep`, never fewer.
    const cutoff =
      keep === 0
        ? Number.MAX_SAFE_INTEGER
        : (this.#s.cutoff!.get({ queue: this.queue, state, keep: keep - 1 }) as number | undefined);
    if (cutoff !== undefined) this.#s.prune!.run({ queue: this.queue, state, cutoff });
  }

  /** Which of `ids` are finished (completed, failed or cancelled) or no longer exist. */
  finishedAmong(ids: readonly string[]): string[] {
    return this.#s.finished!.all({ queue: this.queue, ids: JSON.stringify(ids) }) as string[];
  }
}
