import type { OptionKeys } from '@adv/types';
import PQueue from 'p-queue';
import { abortError, checkFunction, checkOptionKeys, checkSignal, invalidOption } from '../validate.js';

/** Options of one call through a {@link Limit}. */
export interface LimitCallOptions {
  /** Cancels the call while it waits in the queue (a running call receives the signal to honour). */
  signal?: AbortSignal | undefined;
}

const CALL_KEYS: OptionKeys<LimitCallOptions> = { signal: true };

/** A concurrency limiter, as returned by {@link limit}. */
export interface Limit {
  /** Runs `fn` when a slot is free; resolves or rejects with its result. `fn` receives the call's signal. */
  <T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, options?: LimitCallOptions): Promise<T>;
  /** Calls running now. */
  readonly activeCount: number;
  /** Calls waiting for a slot. */
  readonly pendingCount: number;
  /** Drops every waiting call (they stay pending forever: prefer `signal` to cancel). */
  clearQueue(): void;
}

/**
 * Bounded concurrency on p-queue (`p-limit`'s job): at most `concurrency` calls run at once.
 *
 * @param concurrency - Calls allowed at once, from 1 (or `Infinity`).
 * @example
 * ```ts
 * const fetchLimited = limit(4);
 * const pages = await Promise.all(urls.map((url) => fetchLimited(() => fetch(url))));
 * ```
 */
export function limit(concurrency: number): Limit {
  if (
    !(
      typeof concurrency === 'number' &&
      concurrency >= 1 &&
      (Number.isInteger(concurrency) || concurrency === Number.POSITIVE_INFINITY)
    )
  ) {
    throw invalidOption('concurrency', 'a number from 1 and up', concurrency);
  }
  const queue = new PQueue({ concurrency });
  const run = <T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, options?: LimitCallOptions): Promise<T> => {
    checkFunction('fn', fn);
    checkOptionKeys('limit(concurrency)', options, CALL_KEYS);
    const signal = options?.signal;
    checkSignal('signal', signal);
    if (signal?.aborted) return Promise.reject(abortError(signal, 'limit() call'));
    const task = queue.add(() => fn(signal), signal ? { signal } : {}) as Promise<T>;
    return signal
      ? task.catch((error: unknown) => Promise.reject(signal.aborted ? abortError(signal, 'limit() call') : error))
      : task;
  };
  return Object.defineProperties(run, {
    activeCount: { get: () => queue.pending },
    pendingCount: { get: () => queue.size },
    clearQueue: { value: () => queue.clear() },
  }) as Limit;
}
