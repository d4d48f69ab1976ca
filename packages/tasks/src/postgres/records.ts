import type { TaskError } from '../errors.js';
import type { ActiveJob, JobData, JobRecord, JobStatus, ScheduleRecord, ScheduleSpec } from '../types.js';

/** A `jobs` row as `pg` returns it (bigint columns come back as strings). */
export interface JobRow {
  id: string;
  data: JobData;
  status: string;
  run_at: string | number;
  attempts: number;
  attempts_made: number;
  created_at: string | number;
  finished_at: string | number | null;
  result: unknown;
  error: NonNullable<JobRecord['error']> | null;
}

/** The status a row stands for at `now`: a queued job is `delayed` until its run time. */
export function toStatus(row: Pick<JobRow, 'status' | 'run_at'>, now: number): JobStatus {
  if (row.status === 'queued') return Number(row.run_at) > now ? 'delayed' : 'waiting';
  return row.status as JobStatus;
}

export function toRecord(row: JobRow, now: number): JobRecord {
  const status = toStatus(row, now);
  const record: JobRecord = {
    id: row.id,
    status,
    data: row.data,
    attemptsMade: row.attempts_made,
    attempts: row.attempts,
    createdAt: Number(row.created_at),
  };
  if (row.finished_at !== null) record.finishedAt = Number(row.finished_at);
  if (status === 'completed') record.result = row.result ?? undefined;
  if (row.error !== null && status !== 'completed') record.error = row.error;
  return record;
}

export function toScheduleRecord(row: {
  id: string;
  spec: ScheduleSpec;
  task: string;
  payload: unknown;
  next_at: number;
  last_at?: number | null;
  last_job?: string | null;
}): ScheduleRecord {
  return {
    id: row.id,
    spec: row.spec,
    task: row.task,
    payload: row.payload ?? undefined,
    next: Number(row.next_at),
    ...(row.last_at == null || row.last_job == null ? {} : { last: { at: Number(row.last_at), jobId: row.last_job } }),
  };
}

/**
 * A claimed job as the processor sees it. Its AbortSignal is created on first use only (most
 * handlers never look at it); `abort()` records the reason for then.
 */
export class PgActiveJob implements ActiveJob {
  readonly id: string;
  readonly data: JobData;
  readonly attemptsMade: number;
  readonly attempts: number;
  /** Set when this worker gives the job back unfinished (shutdown timeout). */
  released = false;
  #controller: AbortController | undefined;
  #reason: TaskError | undefined;

  constructor(row: { id: string; data: JobData; attempts: number; attempts_made: number }) {
    this.id = row.id;
    this.data = row.data;
    this.attempts = row.attempts;
    this.attemptsMade = row.attempts_made;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#reason) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  abort(reason: TaskError): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
