import type { NewJob } from '../types.js';
import type { OutboxRow } from './types.js';

/** The outbox table's name (one table per database; the target queue is the backend's). */
export const TABLE = 'adv_tasks_outbox';

/** The columns written for one job. */
export function rowValues(jobId: string, job: NewJob, now: number): [string, string, string, number, number] {
  const { id: _id, data, ...rest } = job;
  return [jobId, data.task, JSON.stringify({ data, ...rest }), now + job.delay, now];
}

/** A stored row back as the job to add. */
export function toRow(id: unknown, jobId: unknown, job: unknown, runAt: unknown): OutboxRow {
  const parsed = (typeof job === 'string' ? JSON.parse(job) : job) as Omit<NewJob, 'id'>;
  return { id: Number(id), jobId: String(jobId), job: { ...parsed, id: String(jobId) }, runAt: Number(runAt) };
}
