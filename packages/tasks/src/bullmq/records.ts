import type { Job, JobSchedulerJson } from 'bullmq';
import type { JobData, JobRecord, JobStatus, ScheduleRecord } from '../types.js';

/** Maps a BullMQ state to ours. */
export function toStatus(state: string, data: JobData | undefined): JobStatus {
  switch (state) {
    case 'wait':
    case 'waiting':
    case 'prioritized':
    case 'paused':
    case 'waiting-children':
      return 'waiting';
    case 'delayed':
    case 'active':
    case 'completed':
      return state;
    case 'failed':
      return data?.error?.code === 'ERR_CANCELLED' ? 'cancelled' : 'failed';
    default:
      return 'unknown';
  }
}

/** A BullMQ job as a {@link JobRecord}, in the given BullMQ state. */
export function toRecord(job: Job<JobData>, state: string): JobRecord {
  const status = toStatus(state, job.data);
  const { error, ...data } = job.data;
  const record: JobRecord = {
    id: job.id ?? '',
    status,
    data,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    createdAt: job.timestamp,
  };
  if (job.finishedOn) record.finishedAt = job.finishedOn;
  if (status === 'completed') record.result = job.returnvalue;
  const failure = error ?? (job.failedReason ? { name: 'Error', message: job.failedReason } : undefined);
  if (failure && status !== 'completed') record.error = failure;
  return record;
}

/** A BullMQ job scheduler as a {@link ScheduleRecord}. */
export function toScheduleRecord(json: JobSchedulerJson<JobData>, fired?: string): ScheduleRecord {
  const spec = json.every
    ? { every: Number(json.every) }
    : { cron: json.pattern ?? '', ...(json.tz ? { tz: json.tz } : {}) };
  return {
    id: json.key,
    spec,
    task: json.template?.data?.task ?? json.name,
    payload: json.template?.data?.payload,
    ...(json.next === undefined ? {} : { next: json.next }),
    ...(fired === undefined ? {} : { last: JSON.parse(fired) as { at: number; jobId: string } }),
  };
}
