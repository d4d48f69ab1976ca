/** The longest delay `setTimeout` honours (2 ** 31 - 1 ms, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** A timer that may run longer than {@link MAX_TIMER_DELAY}. */
export interface LongTimer {
  /** Stops it; the callback never runs. */
  clear(): void;
}

/**
 * `setTimeout` for any delay: Node fires a timer longer than about 24.8 days after 1 ms (with a
 * `TimeoutOverflowWarning`), which would run an ETA of next year at once. Longer delays are
 * waited in chunks against the wall clock. With `unref`, the timer does not keep the process alive.
 */
export function setLongTimeout(callback: () => void, delay: number, options: { unref?: boolean } = {}): LongTimer {
  const deadline = Date.now() + delay;
  let timer: NodeJS.Timeout;
  const arm = (ms: number) => {
    timer = setTimeout(tick, Math.min(Math.max(0, ms), MAX_TIMER_DELAY));
    if (options.unref) timer.unref();
  };
  const tick = () => {
    const left = deadline - Date.now();
    if (left > 0 && delay > MAX_TIMER_DELAY) arm(left);
    else callback();
  };
  arm(delay);
  return {
    clear: () => clearTimeout(timer),
  };
}

/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms` ms, whichever comes first (the
 * promise itself goes on; a late rejection of it is ignored).
 */
export function raceTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  promise.catch(() => {});
  let timer: LongTimer | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setLongTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timedOut]).finally(() => timer?.clear());
}

interface Pending {
  at: number;
  expire: () => void;
}

/**
 * Deadlines for many short calls at once, checked by one shared ticker rather than a timer per
 * call (a timer costs about 1 to 2 µs to arm and clear, on every enqueue). A call fails at most
 * `resolution` ms after its deadline; the ticker runs only while calls are pending (and, like the
 * timers it replaces, keeps the process alive meanwhile).
 */
export class DeadlineSweeper {
  readonly #pending = new Set<Pending>();
  readonly #resolution: number;
  #ticker: NodeJS.Timeout | undefined;

  constructor(resolution = 50) {
    this.#resolution = resolution;
  }

  /**
   * Settles like `promise`, or rejects with `onTimeout()` once `ms` ms have passed (the promise
   * itself goes on; a late rejection of it is ignored).
   */
  race<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { at: Date.now() + ms, expire: () => reject(onTimeout()) };
      this.#pending.add(pending);
      this.#ticker ??= setInterval(() => this.#sweep(), this.#resolution);
      promise.then(
        (value) => {
          this.#settle(pending);
          resolve(value);
        },
        (error: unknown) => {
          this.#settle(pending);
          reject(error);
        },
      );
    });
  }

  #settle(pending: Pending): void {
    this.#pending.delete(pending);
  }

  #sweep(): void {
    const now = Date.now();
    for (const pending of this.#pending) {
      if (pending.at > now) continue;
      this.#pending.delete(pending);
      pending.expire();
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }
}
