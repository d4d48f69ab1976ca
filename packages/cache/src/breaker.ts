import type { Logger } from '@adv/types';
import { CacheError } from './errors.js';

/** First wait before probing a backend that went down; it doubles after each failed probe. */
export const PROBE_FIRST_DELAY_MS = 100;
/** Longest wait between two probes of a backend that is down. */
export const PROBE_MAX_DELAY_MS = 2000;

/** Options of a {@link Breaker}. */
export interface BreakerOptions {
  /** Backend name for messages (`redis`, `memcached`). */
  kind: string;
  /** One bounded round trip to the backend: resolves when it answers. */
  probe: () => Promise<void>;
  logger: Logger;
}

/**
 * The "known down" state of a network backend (a circuit breaker). The first call that finds
 * the server unreachable (refused, connection lost, no answer within `timeout`) marks it down;
 * from then on every call fails at once with `ERR_BACKEND` instead of waiting, while a
 * background probe (unref'd timers: it never keeps a process alive) retries with a backoff of
 * 0.1 s doubling up to 2 s. The first probe that gets an answer lets calls through again.
 */
export class Breaker {
  readonly #options: BreakerOptions;
  #down: { since: Date; cause: unknown } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  /** Whether the backend is known to be down. */
  get down(): boolean {
    return this.#down !== undefined;
  }

  /** Since when the backend is known down; undefined while it is up. */
  get since(): Date | undefined {
    return this.#down?.since;
  }

  /** A fresh error for a call made while the backend is known down; undefined when calls may go through. */
  refusal(): CacheError | undefined {
    const down = this.#down;
    if (down === undefined) return undefined;
    const reason = (down.cause as Error | undefined)?.message ?? String(down.cause);
    return new CacheError(
      'ERR_BACKEND',
      `Cache backend (${this.#options.kind}) is unreachable since ${down.since.toISOString()} (${reason}): failing at once until it answers again`,
      { cause: down.cause },
    );
  }

  /** Marks the backend down after a call found it unreachable, and starts probing it. */
  trip(cause: unknown): void {
    if (this.#down !== undefined || this.#closed) return;
    this.#down = { since: new Date(), cause };
    this.#failures = 0;
    this.#options.logger.warn(
      { err: cause },
      `@adv/cache: the ${this.#options.kind} backend is unreachable; calls fail at once until it answers again`,
    );
    this.#schedule();
  }

  /** Stops probing (the cache was closed). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const delay = Math.min(PROBE_FIRST_DELAY_MS * 2 ** this.#failures, PROBE_MAX_DELAY_MS);
    this.#timer = setTimeout(() => this.#probe(), delay);
    this.#timer.unref();
  }

  #probe(): void {
    this.#timer = undefined;
    this.#options.probe().then(
      () => {
        if (this.#closed || this.#down === undefined) return;
        const since = this.#down.since;
        this.#down = undefined;
        this.#options.logger.info(
          `@adv/cache: the ${this.#options.kind} backend answers again (it was unreachable for ${Date.now() - since.getTime()} ms)`,
        );
      },
      (error: unknown) => {
        if (this.#closed || this.#down === undefined) return;
        this.#down.cause = error;
        this.#failures++;
        this.#schedule();
      },
    );
  }
}
