import type { PgRunner } from './connection.js';
import type { Statements } from './sql.js';

/** One job to insert: the values of `insertMany`'s arrays. */
export interface PendingInsert {
  id: string;
  data: string;
  priority: number;
  runAt: number;
  attempts: number;
  createdAt: number;
  /** `n` (due now) or `d:<ms>` (delayed), for the workers' NOTIFY. */
  wake: string;
}

interface Waiting {
  job: PendingInsert;
  resolve(inserted: boolean): void;
  reject(error: unknown): void;
}

/** The notifications a batch needs: `n` if any job is due now, and the earliest delayed time. */
function wakes(jobs: PendingInsert[]): string[] {
  let now = false;
  let earliest = Number.POSITIVE_INFINITY;
  for (const job of jobs) {
    if (job.wake === 'n') now = true;
    else earliest = Math.min(earliest, Number(job.wake.slice(2)));
  }
  const payloads = now ? ['n'] : [];
  if (earliest !== Number.POSITIVE_INFINITY) payloads.push(`d:${earliest}`);
  return payloads;
}

/**
 * Group insert: the first enqueue is written at once; enqueues made while it is on its way are
 * gathered and written together in one statement when it returns (as a database's group commit).
 * Under load this turns one statement per job into one per round trip; alone, a job waits for
 * nothing. The same statement NOTIFYs the workers (once per batch, delivered at its commit).
 * Each caller learns whether its job was added or its id was already kept.
 */
export class PgInserter {
  readonly #db: PgRunner;
  readonly #sql: Statements;
  readonly #queue: string;
  readonly #channel: string;
  #waiting: Waiting[] = [];
  #flushing = false;

  constructor(db: PgRunner, sql: Statements, queue: string, channel: string) {
    this.#db = db;
    this.#sql = sql;
    this.#queue = queue;
    this.#channel = channel;
  }

  /** Resolves `true` once the job is stored, `false` when a job with its id already was. */
  insert(job: PendingInsert, what: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ job, resolve, reject });
      if (!this.#flushing) void this.#flush(what);
    });
  }

  async #flush(what: string): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting;
        this.#waiting = [];
        const jobs = batch.map((item) => item.job);
        try {
          const rows: { id: string }[] = await this.#db.query(
            batch.length === 1 ? what : `enqueue ${batch.length} jobs`,
            this.#sql.insertMany,
            [
              this.#queue,
              jobs.map((job) => job.id),
              jobs.map((job) => job.data),
              jobs.map((job) => job.priority),
              jobs.map((job) => job.runAt),
              jobs.map((job) => job.attempts),
              jobs.map((job) => job.createdAt),
              this.#channel,
              wakes(jobs),
            ],
            { prepare: true },
          );
          const added = new Set(rows.map((row) => row.id));
          // the same id twice in one batch: the first one added it, the second finds it kept
          for (const item of batch) {
            const inserted = added.delete(item.job.id);
            item.resolve(inserted);
          }
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}
