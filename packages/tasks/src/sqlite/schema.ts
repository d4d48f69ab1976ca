/**
 * The tables of the SQLite backend. One `adv_tasks_jobs` row per job, whatever its state;
 * `run_at` is the time that matters in that state: when a waiting or delayed job is due, when an
 * active job's lease expires, when a finished job finished. So one index on
 * `(queue, state, run_at)` serves promotion of due jobs, recovery of expired leases, retention and
 * the lists, and a partial index serves the claim order (priority, then due time, then insertion).
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS adv_tasks_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS adv_tasks_jobs (
    seq INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    prio INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    attempts_made INTEGER NOT NULL DEFAULT 0,
    stalls INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    claims INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    result TEXT,
    error TEXT,
    UNIQUE (queue, id)
  )`,
  `CREATE INDEX IF NOT EXISTS adv_tasks_jobs_state ON adv_tasks_jobs (queue, state, run_at)`,
  `CREATE INDEX IF NOT EXISTS adv_tasks_jobs_ready ON adv_tasks_jobs (queue, prio, run_at, seq) WHERE state = 'waiting'`,
  `CREATE TABLE IF NOT EXISTS adv_tasks_schedules (
    queue TEXT NOT NULL,
    id TEXT NOT NULL,
    spec TEXT NOT NULL,
    task TEXT NOT NULL,
    payload TEXT,
    template TEXT NOT NULL,
    key TEXT NOT NULL,
    next INTEGER NOT NULL,
    PRIMARY KEY (queue, id)
  )`,
  // Added later (same schema version: created where missing, nothing else changes).
  `CREATE TABLE IF NOT EXISTS adv_tasks_paused (queue TEXT PRIMARY KEY)`,
  `CREATE TABLE IF NOT EXISTS adv_tasks_schedule_fired (
    queue TEXT NOT NULL,
    id TEXT NOT NULL,
    at INTEGER NOT NULL,
    job TEXT NOT NULL,
    PRIMARY KEY (queue, id)
  )`,
  `INSERT INTO adv_tasks_meta (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING`,
];

/** Inserts a job unless one with its id is kept (the dedupe of `jobId`). */
export const INSERT_JOB = `INSERT INTO adv_tasks_jobs (queue, id, state, data, prio, run_at, attempts, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (queue, id) DO NOTHING`;
