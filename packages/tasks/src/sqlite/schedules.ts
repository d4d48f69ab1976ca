import type { Statement } from 'better-sqlite3';
import { nextFireTime } from '../schedule.js';
import type { JobData, NewJob, ScheduleRecord, ScheduleSpec } from '../types.js';
import type { Connection } from './connection.js';
import { toJson } from './store.js';

/** What each tick of a schedule enqueues. */
export interface ScheduleTemplate {
  data: JobData;
  attempts: number;
  priority?: number;
}

interface ScheduleRow {
  id: string;
  spec: string;
  task: string;
  payload: string | null;
  template: string;
  key: string;
  next: number;
  last_at: number | null;
  last_job: string | null;
}

/** The periodic schedules of one queue: stored with their next fire time, fired in a write transaction. */
export class ScheduleStore {
  readonly queue: string;
  readonly #s: Record<string, Statement>;

  constructor(db: Connection, queue: string) {
    this.queue = queue;
    this.#s = {
      key: db.prepare(`SELECT key FROM adv_tasks_schedules WHERE queue = ? AND id = ?`).pluck(),
      upsert: db.prepare(
        `INSERT INTO adv_tasks_schedules (queue, id, spec, task, payload, template, key, next)
         VALUES (@queue, @id, @spec, @task, @payload, @template, @key, @next)
         ON CONFLICT (queue, id) DO UPDATE SET spec = excluded.spec, task = excluded.task,
           payload = excluded.payload, template = excluded.template, key = excluded.key, next = excluded.next`,
      ),
      remove: db.prepare(`DELETE FROM adv_tasks_schedules WHERE queue = ? AND id = ?`),
      forget: db.prepare(`DELETE FROM adv_tasks_schedule_fired WHERE queue = ? AND id = ?`),
      all: db.prepare(
        `SELECT s.*, f.at AS last_at, f.job AS last_job FROM adv_tasks_schedules s
         LEFT JOIN adv_tasks_schedule_fired f ON f.queue = s.queue AND f.id = s.id WHERE s.queue = ? ORDER BY s.id`,
      ),
      fired: db.prepare(
        `INSERT INTO adv_tasks_schedule_fired (queue, id, at, job) VALUES (?, ?, ?, ?)
         ON CONFLICT (queue, id) DO UPDATE SET at = excluded.at, job = excluded.job`,
      ),
      due: db.prepare(`SELECT * FROM adv_tasks_schedules WHERE queue = ? AND next <= ?`),
      setNext: db.prepare(`UPDATE adv_tasks_schedules SET next = ? WHERE queue = ? AND id = ?`),
      nextFire: db.prepare(`SELECT min(next) FROM adv_tasks_schedules WHERE queue = ?`).pluck(),
    };
  }

  /** Creates or replaces a schedule; an identical one keeps its next fire time (so a restart never skips or doubles a tick). */
  upsert(schedule: ScheduleRecord, template: ScheduleTemplate, now: number): boolean {
    const key = JSON.stringify([schedule.spec, schedule.task, schedule.payload ?? null, template]);
    if (this.#s.key!.get(this.queue, schedule.id) === key) return false;
    this.#s.upsert!.run({
      queue: this.queue,
      id: schedule.id,
      spec: JSON.stringify(schedule.spec),
      task: schedule.task,
      payload: toJson(schedule.payload),
      template: JSON.stringify(template),
      key,
      next: nextFireTime(schedule.spec, now),
    });
    return true;
  }

  remove(id: string): boolean {
    this.#s.forget!.run(this.queue, id);
    return this.#s.remove!.run(this.queue, id).changes > 0;
  }

  list(): ScheduleRecord[] {
    return (this.#s.all!.all(this.queue) as ScheduleRow[]).map((row) => ({
      id: row.id,
      spec: JSON.parse(row.spec) as ScheduleSpec,
      task: row.task,
      payload: row.payload === null ? undefined : JSON.parse(row.payload),
      next: row.next,
      ...(row.last_at === null || row.last_job === null ? {} : { last: { at: row.last_at, jobId: row.last_job } }),
    }));
  }

  /**
   * The jobs of every tick due by `now`, each with the id `sched-<schedule>-<tick time>` (so a tick
   * never runs twice), moving each schedule to its next fire time. Run it in a write transaction:
   * two workers then never fire the same tick.
   */
  fireDue(now: number): (NewJob & { id: string })[] {
    const jobs: (NewJob & { id: string })[] = [];
    for (const row of this.#s.due!.all(this.queue, now) as ScheduleRow[]) {
      const template = JSON.parse(row.template) as ScheduleTemplate;
      const id = `sched-${row.id}-${row.next}`;
      this.#s.fired!.run(this.queue, row.id, row.next, id);
      jobs.push({
        id,
        data: template.data,
        delay: 0,
        attempts: template.attempts,
        ...(template.priority === undefined ? {} : { priority: template.priority }),
      });
      this.#s.setNext!.run(nextFireTime(JSON.parse(row.spec) as ScheduleSpec, now), this.queue, row.id);
    }
    return jobs;
  }

  /** The earliest next fire time, if any schedule exists. */
  nextFire(): number | undefined {
    return (this.#s.nextFire!.get(this.queue) as number | null) ?? undefined;
  }
}
