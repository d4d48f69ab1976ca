import { TaskError } from '../errors.js';
import { setLongTimeout } from '../timers.js';
import type { JobRecord } from '../types.js';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

interface Waiter {
  /** Reads the job again; settles when it finished. */
  check(): void;
  fail(error: TaskError): void;
}

/**
 * The `result()` callers of one backend, by job id. They are told to read their job again when it
 * finished through this process, or when another process committed and one query found it finished.
 */
export class Waiters {
  readonly #byId = new Map<string, Set<Waiter>>();
  readonly #read: (id: string) => Promise<JobRecord | undefined>;
  readonly #onEmpty: () => void;
  #sweepQueued = false;

  /**
   * @param read - Reads one job (rejecting with the backend's error).
   * @param onEmpty - Called when the last waiter left (to stop watching for changes).
   */
  constructor(read: (id: string) => Promise<JobRecord | undefined>, onEmpty: () => void) {
    this.#read = read;
    this.#onEmpty = onEmpty;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Resolves with the job once it is finished; rejects after `timeout` ms, or when it vanished. */
  wait(id: string, timeout: number): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      let reading = false;
      const settle = (error: TaskError | undefined, record?: JobRecord) => {
        timer.clear();
        this.#remove(id, waiter);
        if (error) reject(error);
        else resolve(record!);
      };
      const waiter: Waiter = {
        check: () => {
          if (reading) return;
          reading = true;
          this.#read(id).then(
            (record) => {
              reading = false;
              if (!record) settle(new TaskError('ERR_NOT_FOUND', `Job \`${id}\` was removed before it finished`));
              else if (FINISHED.has(record.status)) settle(undefined, record);
            },
            (error: TaskError) => {
              reading = false;
              settle(error);
            },
          );
        },
        fail: (error) => settle(error),
      };
      const timer = setLongTimeout(() => {
        settle(new TaskError('ERR_RESULT_TIMEOUT', `Job \`${id}\` did not finish within ${timeout} ms`));
      }, timeout);
      let set = this.#byId.get(id);
      if (!set) {
        set = new Set();
        this.#byId.set(id, set);
      }
      set.add(waiter);
      waiter.check(); // it may have finished between the caller's first read and now
    });
  }

  /** These jobs finished: their waiters read them. */
  finished(ids: readonly string[]): void {
    for (const id of ids) {
      const set = this.#byId.get(id);
      if (set) for (const waiter of set) waiter.check();
    }
  }

  /**
   * Another connection committed: on the next turn, `finishedAmong` (one query per 500 ids) says
   * which awaited jobs are finished now, and only their waiters read them.
   */
  sweep(finishedAmong: (ids: string[]) => string[]): void {
    if (this.#byId.size === 0 || this.#sweepQueued) return;
    this.#sweepQueued = true;
    setImmediate(() => {
      this.#sweepQueued = false;
      const ids = [...this.#byId.keys()];
      let finished: string[] = [];
      try {
        for (let start = 0; start < ids.length; start += 500) {
          finished = finished.concat(finishedAmong(ids.slice(start, start + 500)));
        }
      } catch {
        return; // unreadable now: the waiters' own reads report a broken database
      }
      this.finished(finished);
    });
  }

  /** Rejects every waiter. */
  failAll(error: (id: string) => TaskError): void {
    for (const [id, set] of this.#byId) for (const waiter of set) waiter.fail(error(id));
    this.#byId.clear();
  }

  #remove(id: string, waiter: Waiter): void {
    const set = this.#byId.get(id);
    set?.delete(waiter);
    if (set?.size === 0) this.#byId.delete(id);
    if (this.#byId.size === 0) this.#onEmpty();
  }
}
