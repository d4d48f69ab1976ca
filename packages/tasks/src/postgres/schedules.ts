import { nextFireTime } from '../schedule.js';
import type { JobData, ScheduleSpec } from '../types.js';
import type { PgQueryable, PgRunner } from './connection.js';
import type { ResolvedPostgresOptions } from './options.js';
import type { Statements } from './sql.js';

interface ScheduleDeps {
  options: ResolvedPostgresOptions;
  sql: Statements;
  db: PgRunner;
  channel: string;
  onError(error: unknown): void;
}

interface DueRow {
  id: string;
  spec: ScheduleSpec;
  template: { data: JobData; attempts: number; priority?: number };
  next_at: number;
}

/**
 * Fires the queue's periodic schedules from the worker processes. A due schedule row is locked
 * (`FOR UPDATE SKIP LOCKED`) while its tick's job is inserted and its next time written, in one
 * transaction, so each tick enqueues one job however many workers run; the job id
 * `sched-<id>-<time>` makes even a resent statement add it once.
 */
export class PgScheduler {
  readonly #deps: ScheduleDeps;
  #timer: NodeJS.Timeout | undefined;
  #interval: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(deps: ScheduleDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#interval = setInterval(() => this.fire(), this.#deps.options.pollInterval);
    this.fire();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#interval);
    clearTimeout(this.#timer);
  }

  /** Fires what is due, then arms a timer for the next tick. */
  fire(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#fire()
      .catch((error: unknown) => this.#deps.onError(error))
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.fire();
        }
      });
  }

  async #fire(): Promise<void> {
    const { db, sql, options, channel } = this.#deps;
    const queue = options.queueName;
    const wait = options.pollInterval;
    await db.transaction(
      'fire schedules',
      async (client: PgQueryable) => {
        const now = Date.now();
        const due = (await client.query(sql.dueSchedules, [queue, now])).rows as DueRow[];
        for (const row of due) {
          const { data, attempts, priority } = row.template;
          const id = `sched-${row.id}-${row.next_at}`;
          await client.query(sql.insert, [
            queue,
            id,
            JSON.stringify(data),
            priority ?? 0,
            now,
            attempts,
            now,
            channel,
            'n',
          ]);
          const next = nextFireTime(row.spec, Math.max(now, row.next_at));
          await client.query(sql.advanceSchedule, [queue, row.id, next, row.next_at, id]);
        }
      },
      wait,
    );
    const next = (await db.query('find the next schedule tick', sql.nextSchedule, [queue], { wait }))[0]?.at;
    if (typeof next === 'number') this.#arm(next);
  }

  #arm(at: number): void {
    if (this.#stopped || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // at most a poll interval: a schedule replaced meanwhile is seen at the next look anyway
    const delay = Math.max(0, Math.min(at - Date.now(), this.#deps.options.pollInterval));
    this.#timer = setTimeout(() => {
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.fire();
    }, delay);
  }
}
