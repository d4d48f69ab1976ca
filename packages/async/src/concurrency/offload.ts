import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { OptionKeys } from '@adv/types';
import { AsyncError } from '../errors.js';
import { abortError, asyncOptions, checkCount, checkOptionKeys, checkSignal, invalidOption } from '../validate.js';
import { WORKER_SOURCE } from './worker-source.js';

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Worker threads. @defaultValue `max(1, availableParallelism() - 1)` */
  size?: number | undefined;
}

/** Options of one offloaded call. */
export interface OffloadOptions {
  /** Cancels the call: a queued call is dropped; a running one terminates its worker (a fresh one replaces it). */
  signal?: AbortSignal | undefined;
}

/** A pool of worker threads running self-contained functions off the event loop. */
export interface WorkerPool {
  /**
   * Runs `fn(...args)` in a worker thread. `fn` must be self-contained (its source is sent, not
   * its closure); `args` and the result must be structured-cloneable.
   */
  run<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    args?: A,
    options?: OffloadOptions,
  ): Promise<Awaited<R>>;
  /** Threads in the pool. */
  readonly size: number;
  /** Calls waiting for a free thread. */
  readonly pending: number;
  /** Terminates every thread; pending and running calls reject with `ERR_CLOSED`. */
  destroy(): Promise<void>;
}

const POOL_KEYS: OptionKeys<WorkerPoolOptions> = { size: true };
const OFFLOAD_KEYS: OptionKeys<OffloadOptions> = { signal: true };

interface Job {
  id: number;
  source: string;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * Creates a worker-thread pool. Written by hand (about 100 lines) because `offload(fn)` sends
 * a function's source to an eval'd worker: pools such as piscina (5.x runs on Node 20) load a
 * worker *file*, which cannot run an arbitrary inline function without the same eval shim.
 *
 * @param options - `size` (threads).
 * @example
 * ```ts
 * const pool = createWorkerPool({ size: 2 });
 * const digest = await pool.run((text: string) => require('node:crypto').createHash('sha256').update(text).digest('hex'), ['hi']);
 * ```
 */
export function createWorkerPool(options?: WorkerPoolOptions): WorkerPool {
  const o = asyncOptions('createWorkerPool', options, POOL_KEYS, {});
  checkCount('size', o.size, { min: 1 });
  const size = o.size ?? Math.max(1, availableParallelism() - 1);
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 0;
  let destroyed = false;

  const finish = (job: Job) => {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
  };
  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(WORKER_SOURCE, { eval: true }), job: undefined };
    slot.worker.on(
      'message',
      (reply: {
        id: number;
        ok: boolean;
        value?: unknown;
        error?: { name: string; message: string; stack?: string };
      }) => {
        const job = slot.job;
        if (job === undefined || job.id !== reply.id) return;
        slot.job = undefined;
        slot.worker.unref(); // idle: an idle pool never keeps the process alive
        finish(job);
        if (reply.ok) job.resolve(reply.value);
        else {
          const error = new Error(reply.error?.message ?? 'worker task failed');
          error.name = reply.error?.name ?? 'Error';
          if (reply.error?.stack) error.stack = reply.error.stack;
          job.reject(error);
        }
        dispatch();
      },
    );
    const replace = (error: Error) => {
      const job = slot.job;
      slot.job = undefined;
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      if (job) {
        finish(job);
        job.reject(new AsyncError('ERR_WORKER', `offload() worker failed: ${error.message}`, { cause: error }));
      }
      if (!destroyed) {
        slots.push(spawn());
        dispatch();
      }
    };
    slot.worker.on('error', replace);
    slot.worker.on('exit', (code) => {
      if (slots.includes(slot)) replace(new Error(`worker exited with code ${code}`));
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    slot.worker.unref();
    return slot;
  };
  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.job !== undefined) continue;
      const job = queue.shift()!;
      slot.job = job;
      slot.worker.ref(); // a call in flight keeps the process alive until it answers
      slot.worker.postMessage({ id: job.id, source: job.source, args: job.args });
    }
  }

  return {
    size,
    get pending() {
      return queue.length;
    },
    run(fn, args, callOptions) {
      if (typeof fn !== 'function') return Promise.reject(invalidOption('fn', 'a self-contained function', fn));
      if (args !== undefined && !Array.isArray(args))
        return Promise.reject(invalidOption('args', 'an array of arguments', args));
      try {
        checkOptionKeys('pool.run', callOptions, OFFLOAD_KEYS);
        checkSignal('signal', callOptions?.signal);
      } catch (error) {
        return Promise.reject(error);
      }
      if (destroyed) return Promise.reject(new AsyncError('ERR_CLOSED', 'The worker pool was destroyed'));
      const signal = callOptions?.signal;
      if (signal?.aborted) return Promise.reject(abortError(signal, 'offload()'));
      if (slots.length === 0) for (let index = 0; index < size; index += 1) slots.push(spawn());
      return new Promise((resolve, reject) => {
        const job: Job = {
          id: nextId++,
          source: fn.toString(),
          args: args ?? [],
          resolve: resolve as (value: unknown) => void,
          reject,
          signal,
        };
        if (signal) {
          job.onAbort = () => {
            const queued = queue.indexOf(job);
            if (queued >= 0) queue.splice(queued, 1);
            const slot = slots.find((candidate) => candidate.job === job);
            if (slot) {
              slot.job = undefined;
              slots.splice(slots.indexOf(slot), 1);
              void slot.worker.terminate();
              if (!destroyed) slots.push(spawn());
            }
            reject(abortError(signal, 'offload()'));
            dispatch();
          };
          signal.addEventListener('abort', job.onAbort, { once: true });
        }
        queue.push(job);
        dispatch();
      });
    },
    async destroy() {
      destroyed = true;
      const error = new AsyncError('ERR_CLOSED', 'The worker pool was destroyed');
      for (const job of queue.splice(0)) {
        finish(job);
        job.reject(error);
      }
      const running = slots.splice(0);
      for (const slot of running) {
        if (slot.job) {
          finish(slot.job);
          slot.job.reject(error);
        }
      }
      await Promise.all(running.map((slot) => slot.worker.terminate()));
    },
  };
}

let shared: WorkerPool | undefined;

/**
 * Runs a CPU-bound, self-contained function on a shared worker-thread pool so the event loop
 * stays responsive (Django's `sync_to_async`, the Node way). The pool starts on first use and
 * its threads do not keep the process alive.
 *
 * @param fn - A function whose source is self-contained (use `require` inside for modules).
 * @param args - Structured-cloneable arguments.
 * @example
 * ```ts
 * const primes = await offload((limit: number) => { let n = 0; for (let i = 2; i < limit; i++) { let p = true; for (let j = 2; j * j <= i; j++) if (i % j === 0) { p = false; break; } if (p) n++; } return n; }, [200_000]);
 * ```
 */
export function offload<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  args?: A,
  options?: OffloadOptions,
): Promise<Awaited<R>> {
  try {
    checkOptionKeys('offload', options, OFFLOAD_KEYS);
  } catch (error) {
    return Promise.reject(error);
  }
  shared ??= createWorkerPool();
  return shared.run(fn, args, options);
}
