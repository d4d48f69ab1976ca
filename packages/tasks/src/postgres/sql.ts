/**
 * The backend's SQL, per schema. Times are ms since epoch (bigint) from the caller's clock, as
 * the memory and BullMQ backends use it; keep the machines' clocks in sync (NTP), as with any
 * lease-based queue. Every statement is safe to send twice: the outage handling may resend one
 * whose answer was lost.
 *
 * Job states stored: `queued` (reported as `waiting`, or `delayed` while `run_at` is ahead),
 * `active`, `completed`, `failed`, `cancelled`.
 */

/** Bumped when the tables change; stored in `<schema>.meta`. */
export const SCHEMA_VERSION = 1;

export function migration(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.jobs (
  queue text NOT NULL,
  id text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  data json NOT NULL,
  status text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  run_at bigint NOT NULL,
  attempts integer NOT NULL,
  attempts_made integer NOT NULL DEFAULT 0,
  stalls integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  finished_at bigint,
  locked_by text,
  locked_until bigint,
  result json,
  error json,
  PRIMARY KEY (queue, id)
);
CREATE INDEX IF NOT EXISTS jobs_claim ON ${s}.jobs (queue, priority, run_at, seq) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS jobs_lease ON ${s}.jobs (queue, locked_until) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS jobs_finished ON ${s}.jobs (queue, status, finished_at);
CREATE TABLE IF NOT EXISTS ${s}.schedules (
  queue text NOT NULL,
  id text NOT NULL,
  spec json NOT NULL,
  task text NOT NULL,
  payload json,
  template json NOT NULL,
  key text NOT NULL,
  next_at bigint NOT NULL,
  PRIMARY KEY (queue, id)
);
CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.paused (queue text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ${s}.schedule_fired (
  queue text NOT NULL,
  id text NOT NULL,
  at bigint NOT NULL,
  job text NOT NULL,
  PRIMARY KEY (queue, id)
);
INSERT INTO ${s}.meta (key, value) VALUES ('version', '${SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING;
`;
}

const JOB_COLUMNS = 'id, data, status, run_at, attempts, attempts_made, created_at, finished_at, result, error';

/** The statements of one schema. `$1` is always the queue name. */
export function statements(s: string) {
  return { ...writeStatements(s), ...workerStatements(s), ...viewStatements(s), ...scheduleStatements(s) };
}

export type Statements = ReturnType<typeof statements>;

/** Enqueue, read, and what a caller does to one job. */
function writeStatements(s: string) {
  return {
    /** $2 id, $3 data, $4 priority, $5 run_at, $6 attempts, $7 created_at, $8 channel, $9 notify payload ('' = none). */
    insert: `WITH added AS (
  INSERT INTO ${s}.jobs (queue, id, data, status, priority, run_at, attempts, created_at)
  VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7)
  ON CONFLICT (queue, id) DO NOTHING RETURNING id
) SELECT id, CASE WHEN $9::text = '' THEN NULL ELSE pg_notify($8, $9) END AS notified FROM added`,
    /**
     * Many jobs in one statement, in array order, and one NOTIFY per payload when any was added
     * (in the same transaction: no extra round trip). $2 ids, $3 data, $4 priorities, $5 run_at,
     * $6 attempts, $7 created_at, $8 channel, $9 notify payloads.
     */
    insertMany: `WITH added AS (
  INSERT INTO ${s}.jobs (queue, id, data, status, priority, run_at, attempts, created_at)
  SELECT $1, t.id, t.data::json, 'queued', t.priority, t.run_at, t.attempts, t.created_at
  FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[], $6::int[], $7::bigint[])
    AS t(id, data, priority, run_at, attempts, created_at)
  ON CONFLICT (queue, id) DO NOTHING RETURNING id
), woken AS (
  SELECT pg_notify($8, payload) FROM unnest($9::text[]) AS payload WHERE EXISTS (SELECT 1 FROM added)
)
SELECT added.id, w.n FROM added CROSS JOIN (SELECT count(*) AS n FROM woken) w`,
    get: `SELECT ${JOB_COLUMNS} FROM ${s}.jobs WHERE queue = $1 AND id = $2`,
    /** $2 ids: those in a final state, and those gone (every column but `id` null). */
    finished: `SELECT w.id, j.data, j.status, j.run_at, j.attempts, j.attempts_made, j.created_at, j.finished_at,
  j.result, j.error FROM unnest($2::text[]) AS w(id) LEFT JOIN ${s}.jobs j ON j.queue = $1 AND j.id = w.id
WHERE j.id IS NULL OR j.status IN ('completed', 'failed', 'cancelled')`,
    /** $2 id, $3 now: the state the job was in when cancelled (no row: nothing to cancel). */
    cancel: `UPDATE ${s}.jobs j SET status = 'cancelled', finished_at = $3, run_at = j.run_at
FROM (SELECT id, status FROM ${s}.jobs WHERE queue = $1 AND id = $2 AND status IN ('queued', 'active') FOR UPDATE) old
WHERE j.queue = $1 AND j.id = old.id
RETURNING old.status`,
    /** $2 id, $3 now. */
    retry: `UPDATE ${s}.jobs SET status = 'queued', attempts_made = 0, stalls = 0, error = NULL, finished_at = NULL,
  result = NULL, run_at = $3, locked_by = NULL, locked_until = NULL
WHERE queue = $1 AND id = $2 AND status = 'failed' RETURNING id`,
    /** $2 id: the job's status (no row: no such job), and whether it was deleted (not while active). */
    remove: `WITH target AS (SELECT id, status FROM ${s}.jobs WHERE queue = $1 AND id = $2 FOR UPDATE),
gone AS (DELETE FROM ${s}.jobs j USING target t WHERE j.queue = $1 AND j.id = t.id AND t.status <> 'active' RETURNING j.id)
SELECT target.status, EXISTS (SELECT 1 FROM gone) AS removed FROM target`,
  };
}

/** What workers run: claims, outcomes, leases. */
function workerStatements(s: string) {
  return {
    /** $2 worker, $3 now, $4 lease, $5 how many. Nothing while the queue is paused. */
    claim: `UPDATE ${s}.jobs j SET status = 'active', locked_by = $2, locked_until = $3::bigint + $4::bigint
FROM (
  SELECT id FROM ${s}.jobs WHERE queue = $1 AND status = 'queued' AND run_at <= $3
    AND NOT EXISTS (SELECT 1 FROM ${s}.paused WHERE queue = $1)
  ORDER BY priority, run_at, seq LIMIT $5 FOR UPDATE SKIP LOCKED
) next
WHERE j.queue = $1 AND j.id = next.id
RETURNING j.id, j.data, j.attempts, j.attempts_made, j.priority, j.run_at, j.seq`,
    /** Earliest queued job's run_at (for the worker's timer). */
    nextDue: `SELECT min(run_at)::float8 AS at FROM ${s}.jobs WHERE queue = $1 AND status = 'queued'`,
    /** $2 worker, $3 ids, $4 results (json text), $5 now. */
    complete: `UPDATE ${s}.jobs j SET status = 'completed', result = r.result::json, attempts_made = j.attempts_made + 1,
  finished_at = $5, locked_by = NULL, locked_until = NULL
FROM unnest($3::text[], $4::text[]) AS r(id, result)
WHERE j.queue = $1 AND j.id = r.id AND j.locked_by = $2 AND j.status = 'active'`,
    /** $2 id, $3 worker, $4 error, $5 now. */
    fail: `UPDATE ${s}.jobs SET status = 'failed', error = $4, attempts_made = attempts_made + 1, finished_at = $5,
  locked_by = NULL, locked_until = NULL
WHERE queue = $1 AND id = $2 AND locked_by = $3 AND status = 'active'`,
    /** $2 id, $3 worker, $4 error, $5 run_at. */
    retryLater: `UPDATE ${s}.jobs SET status = 'queued', error = $4, attempts_made = attempts_made + 1, run_at = $5,
  locked_by = NULL, locked_until = NULL
WHERE queue = $1 AND id = $2 AND locked_by = $3 AND status = 'active'`,
    /** A job this worker gives back unfinished (shutdown): no attempt counted. $2 id, $3 worker, $4 now. */
    release: `UPDATE ${s}.jobs SET status = 'queued', run_at = $4, locked_by = NULL, locked_until = NULL
WHERE queue = $1 AND id = $2 AND locked_by = $3 AND status = 'active'`,
    /** $2 worker, $3 until, $4 the ids the worker runs (a claim whose answer it lost is not renewed). */
    heartbeat: `UPDATE ${s}.jobs SET locked_until = $3
WHERE queue = $1 AND locked_by = $2 AND status = 'active' AND id = ANY($4::text[])`,
    /** Jobs claimed by this worker that it does not run (a claim's answer lost): back to the queue. $2 worker, $3 ids it runs. */
    releaseUntracked: `UPDATE ${s}.jobs SET status = 'queued', locked_by = NULL, locked_until = NULL
WHERE queue = $1 AND locked_by = $2 AND status = 'active' AND NOT (id = ANY($3::text[]))`,
    /** Expired leases: back to the queue, or failed after too many stalls. $2 now, $3 max stalls, $4 error json. */
    recover: `UPDATE ${s}.jobs SET
  status = CASE WHEN stalls >= $3 THEN 'failed' ELSE 'queued' END,
  error = CASE WHEN stalls >= $3 THEN $4::json ELSE error END,
  finished_at = CASE WHEN stalls >= $3 THEN $2::bigint ELSE NULL END,
  stalls = stalls + 1, run_at = $2, locked_by = NULL, locked_until = NULL
WHERE queue = $1 AND status = 'active' AND locked_until < $2
RETURNING status`,
  };
}

/** Counts, lists, retention and pausing: what the app and the dashboard read. */
function viewStatements(s: string) {
  return {
    /** $2 now. */
    stats: `SELECT status, (status = 'queued' AND run_at > $2) AS later, count(*)::int AS n
FROM ${s}.jobs WHERE queue = $1 GROUP BY 1, 2`,
    /** $2 statuses, $3 now, $4 'waiting' | 'delayed' | '', $5 offset, $6 limit. */
    list: `SELECT ${JOB_COLUMNS} FROM ${s}.jobs
WHERE queue = $1 AND status = ANY($2::text[])
  AND ($4::text = '' OR ($4::text = 'delayed') = (run_at > $3))
ORDER BY coalesce(finished_at, created_at) DESC, seq DESC OFFSET $5 LIMIT $6`,
    /** Drops the oldest finished jobs past `keep`. $2 statuses, $3 keep. */
    trim: `DELETE FROM ${s}.jobs WHERE queue = $1 AND status = ANY($2::text[]) AND finished_at < (
  SELECT finished_at FROM ${s}.jobs WHERE queue = $1 AND status = ANY($2::text[])
  ORDER BY finished_at DESC OFFSET $3 LIMIT 1)`,
    pause: `INSERT INTO ${s}.paused (queue) VALUES ($1) ON CONFLICT (queue) DO NOTHING`,
    resume: `DELETE FROM ${s}.paused WHERE queue = $1 RETURNING queue`,
    paused: `SELECT queue FROM ${s}.paused WHERE queue = $1`,
  };
}

/** Periodic schedules: stored with their next fire time (and their last tick), fired under a row lock. */
function scheduleStatements(s: string) {
  return {
    /** $2 id, $3 spec, $4 task, $5 payload, $6 template, $7 key, $8 next_at. */
    upsertSchedule: `INSERT INTO ${s}.schedules (queue, id, spec, task, payload, template, key, next_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (queue, id) DO UPDATE SET spec = EXCLUDED.spec, task = EXCLUDED.task, payload = EXCLUDED.payload,
  template = EXCLUDED.template, key = EXCLUDED.key, next_at = EXCLUDED.next_at
WHERE ${s}.schedules.key <> EXCLUDED.key`,
    removeSchedule: `WITH forgotten AS (DELETE FROM ${s}.schedule_fired WHERE queue = $1 AND id = $2)
DELETE FROM ${s}.schedules WHERE queue = $1 AND id = $2 RETURNING id`,
    schedules: `SELECT s.id, s.spec, s.task, s.payload, s.next_at::float8 AS next_at, f.at::float8 AS last_at, f.job AS last_job
FROM ${s}.schedules s LEFT JOIN ${s}.schedule_fired f ON f.queue = s.queue AND f.id = s.id WHERE s.queue = $1 ORDER BY s.id`,
    /** Due schedules, locked so that one worker fires each tick. $2 now. */
    dueSchedules: `SELECT id, spec, template, next_at::float8 AS next_at FROM ${s}.schedules
WHERE queue = $1 AND next_at <= $2 FOR UPDATE SKIP LOCKED`,
    /** $2 id, $3 next_at, $4 the tick fired, $5 its job's id. */
    advanceSchedule: `WITH fired AS (
  INSERT INTO ${s}.schedule_fired (queue, id, at, job) VALUES ($1, $2, $4, $5)
  ON CONFLICT (queue, id) DO UPDATE SET at = EXCLUDED.at, job = EXCLUDED.job
) UPDATE ${s}.schedules SET next_at = $3 WHERE queue = $1 AND id = $2`,
    nextSchedule: `SELECT min(next_at)::float8 AS at FROM ${s}.schedules WHERE queue = $1`,
  };
}
