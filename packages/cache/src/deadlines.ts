/**
 * Bounds operations by a deadline with one timer per bound, not one per operation: a
 * `setTimeout`, a `Promise.race` and a `clearTimeout` for every Redis `GET` were a measurable
 * part of a get-hit (#18). Every operation of one instance has the same bound, so deadlines come
 * in the order operations start: the pending set, in insertion order, is sorted by deadline, and
 * one timer armed for the earliest is enough.
 */

interface Pending {
  /** `performance.now()` after which the operation has failed. */
  at: number;
  reject: (error: unknown) => void;
}

export class Deadlines {
  readonly #pending = new Set<Pending>();
  readonly #ms: number;
  readonly #onTimeout: (error: Error) => void;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param ms - The bound of every operation, in ms.
   * @param onTimeout - Called with each timeout error before it rejects (to recognise it later).
   */
  constructor(ms: number, onTimeout: (error: Error) => void) {
    this.#ms = ms;
    this.#onTimeout = onTimeout;
  }

  /**
   * `promise`, or a rejection `no answer within <ms> ms` once the bound passed first.
   * `onFailure` sees every rejection (the operation's or the timeout) before the caller does.
   */
  bound<R>(promise: Promise<R>, onFailure?: (error: unknown) => void): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const fail = (error: unknown) => {
        onFailure?.(error);
        reject(error);
      };
      const entry: Pending = { at: performance.now() + this.#ms, reject: fail };
      this.#pending.add(entry);
      if (this.#timer === undefined) this.#arm(this.#ms);
      promise.then(
        (value) => {
          this.#pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          if (!this.#pending.delete(entry)) return; // timed out already
          fail(error);
        },
      );
    });
  }

  /** How many operations are waiting (for tests). */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Arms the timer. Unref'd: an operation waiting on a socket keeps the process alive through the
   * socket; a timer left over from operations that already settled must not.
   */
  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(delay)));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.at > now) {
        this.#arm(entry.at - now);
        return;
      }
      this.#pending.delete(entry);
      const error = new Error(`no answer within ${this.#ms} ms`);
      this.#onTimeout(error);
      entry.reject(error);
    }
  }
}
