import { TaskError } from '../errors.js';
import type { JobRecord } from '../types.js';
import type { PgRunner } from './connection.js';
import { type JobRow, toRecord } from './records.js';
import type { Statements } from './sql.js';

interface WaiterDeps {
  db: PgRunner;
  sql: Statements;
  queue: string;
  /** How often pending waits look for finished jobs (ms). */
  interval: number;
}

interface Waiter {
  resolve(record: JobRecord): void;
  reject(error: unknown): void;
}

/**
 * `result()` waits of this process: one query every `interval` ms asks for all of them at once
 * which jobs reached a final state (or were removed), and a job finished or cancelled by this process is asked
 * about at once (`kick`). Waits go on through an outage: their own timeout bounds them.
 */
export class PgWaiters {
  readonly #deps: WaiterDeps;
  readonly #waiting = new Map<string, Set<Waiter>>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #again = false;

  constructor(deps: WaiterDeps) {
    this.#deps = deps;
  }

  /** Resolves once job `id` is final; the caller bounds the wait (and calls nothing on timeout). */
  wait(id: string, timeout: number): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      let set = this.#waiting.get(id);
      if (!set) {
        set = new Set();
        this.#waiting.set(id, set);
      }
      const waiter: Waiter = { resolve, reject };
      set.add(waiter);
      // drop the waiter at its deadline (the caller has rejected by then)
      const expire = setTimeout(() => this.#remove(id, waiter), timeout + 50);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          clearTimeout(expire);
          fn(value);
        };
      waiter.resolve = settle(resolve);
      waiter.reject = settle(reject);
      this.#arm();
    });
  }

  /** Job `id` may have just finished: look now. */
  kick(id: string): void {
    if (!this.#waiting.has(id)) return;
    void this.#check();
  }

  /** Rejects every pending wait. */
  close(error: (id: string) => TaskError): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [id, set] of this.#waiting) for (const waiter of set) waiter.reject(error(id));
    this.#waiting.clear();
  }

  #remove(id: string, waiter: Waiter): void {
    const set = this.#waiting.get(id);
    if (!set) return;
    set.delete(waiter);
    if (set.size === 0) this.#waiting.delete(id);
  }

  #arm(): void {
    if (this.#timer || this.#waiting.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#check();
    }, this.#deps.interval);
  }

  async #check(): Promise<void> {
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = true;
    try {
      do {
        this.#again = false;
        const ids = [...this.#waiting.keys()];
        if (ids.length === 0) break;
        const { db, sql, queue, interval } = this.#deps;
        let rows: JobRow[];
        try {
          rows = await db.query('wait for jobs', sql.finished, [queue, ids], {
            wait: Math.max(1000, interval * 10),
            prepare: true,
          });
        } catch {
          break; // unreachable for now: look again at the next tick
        }
        const now = Date.now();
        for (const row of rows) {
          const set = this.#waiting.get(row.id);
          if (!set) continue;
          this.#waiting.delete(row.id);
          if ((row.status as string | null) === null) {
            const gone = new TaskError('ERR_NOT_FOUND', `Job \`${row.id}\` was removed before it finished`);
            for (const waiter of set) waiter.reject(gone);
            continue;
          }
          const record = toRecord(row, now);
          for (const waiter of set) waiter.resolve(record);
        }
      } while (this.#again);
    } finally {
      this.#checking = false;
      this.#arm();
    }
  }
}
