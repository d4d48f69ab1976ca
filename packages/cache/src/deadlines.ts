/**
 * Bounds operations by a deadline with one timer per bound, not one per operation: a
 * `setTimeout`, a `Promise.race` and a `clearTimeout` for every Redis `GET` were a measurable
 * part of a get-hit (#18). Every operation of one instance has the same bound, so deadlines come
 * in the order operations start: the pending list, in start order, is sorted by deadline, and
 * one timer armed for the earliest is enough. The list is linked through its entries (adding and
 * removing one is a few field writes): a `Set` of them cost about 0.8 us per operation in
 * identity hashing and table upkeep, a few percent of a Redis get-hit's CPU.
 */

interface Pending {
  /** `performance.now()` after which the operation has failed. */
  at: number;
  /** The result promise's own settle functions. */
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
  onFailure: ((error: unknown) => void) | undefined;
  recover: ((error: unknown) => unknown) | undefined;
  /** Neighbours in the pending list (undefined at its ends). */
  prev: Pending | undefined;
  next: Pending | undefined;
  /** Whether the entry is still in the list (it leaves when its operation settles or times out). */
  waiting: boolean;
}

export class Deadlines {
  /** Oldest pending operation: the first to time out. */
  #head: Pending | undefined;
  #tail: Pending | undefined;
  #count = 0;
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
   * `map`, when given, turns the answer into the result in the same step (one promise fewer than
   * a `.then` on the result); it is not called for an answer that came after the deadline, and
   * what it throws rejects the result without going through `onFailure` (it is not the backend's).
   * `recover`, when given, turns a failure (the operation's or the timeout, after `onFailure`)
   * into the result instead of a rejection; what it throws rejects the result.
   */
  bound<T, R = T>(
    promise: Promise<T>,
    onFailure?: (error: unknown) => void,
    map?: (value: T) => R | PromiseLike<R>,
    recover?: (error: unknown) => R | PromiseLike<R>,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = {
        at: performance.now() + this.#ms,
        resolve: resolve as (value: never) => void,
        reject,
        onFailure,
        recover,
        prev: this.#tail,
        next: undefined,
        waiting: true,
      };
      this.#append(entry);
      if (this.#timer === undefined) this.#arm(this.#ms);
      promise.then(
        (value) => {
          if (!this.#remove(entry)) return; // timed out already
          if (map === undefined) {
            resolve(value as unknown as R);
            return;
          }
          try {
            resolve(map(value));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          if (this.#remove(entry)) Deadlines.#fail(entry, error); // else it timed out already
        },
      );
    });
  }

  /** How many operations are waiting (for tests). */
  get pending(): number {
    return this.#count;
  }

  /** Adds `entry` (whose `prev` is the current tail) at the end of the list. */
  #append(entry: Pending): void {
    const tail = this.#tail;
    if (tail === undefined) this.#head = entry;
    else tail.next = entry;
    this.#tail = entry;
    this.#count++;
  }

  /** Takes `entry` out of the list; false when it had left already. */
  #remove(entry: Pending): boolean {
    if (!entry.waiting) return false;
    entry.waiting = false;
    const { prev, next } = entry;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
    this.#count--;
    return true;
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
    for (let entry = this.#head; entry !== undefined; entry = this.#head) {
      if (entry.at > now) {
        this.#arm(entry.at - now);
        return;
      }
      this.#remove(entry);
      const error = new Error(`no answer within ${this.#ms} ms`);
      this.#onTimeout(error);
      Deadlines.#fail(entry, error);
    }
  }

  /** Settles a failed operation's result: `onFailure` first, then `recover`'s answer or the rejection. */
  static #fail(entry: Pending, error: unknown): void {
    entry.onFailure?.(error);
    const recover = entry.recover;
    if (recover === undefined) {
      entry.reject(error);
      return;
    }
    try {
      entry.resolve(recover(error) as never);
    } catch (thrown) {
      entry.reject(thrown);
    }
  }
}
