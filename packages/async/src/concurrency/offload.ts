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

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; stack?: string };
}

/** A pool's threads, its queue and whether it was destroyed. */
interface PoolState {
  readonly size: number;
  readonly slots: Slot[];
  readonly queue: Job[];
  nextId: number;
  destroyed: boolean;
}

function finish(job: Job): void {
  if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
}

/** Settles the slot's job with a worker's reply and gives the slot the next job. */
function onReply(pool: PoolState, slot: Slot, reply: Reply): void {
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
  dispatch(pool);
}

/** A worker that failed or exited: its job rejects with `ERR_WORKER`, a fresh worker takes its place. */
function replace(pool: PoolState, slot: Slot, error: Error): void {
  const job = slot.job;
  slot.job = undefined;
  const index = pool.slots.indexOf(slot);
  if (index >= 0) pool.slots.splice(index, 1);
  if (job) {
    finish(job);
    job.reject(new AsyncError('ERR_WORKER', `offload() worker failed: ${error.message}`, { cause: error }));
  }
  if (!pool.destroyed) {
    pool.slots.push(spawn(pool));
    dispatch(pool);
  }
}

function spawn(pool: PoolState): Slot {
  const slot: Slot = { worker: new Worker(WORKER_SOURCE, { eval: true }), job: undefined };
  slot.worker.on('message', (reply: Reply) => onReply(pool, slot, reply));
  slot.worker.on('error', (error) => replace(pool, slot, error));
  slot.worker.on('exit', (code) => {
    if (pool.slots.includes(slot)) replace(pool, slot, new Error(`worker exited with code ${code}`));
  });
  // After the listeners: adding a 'message' listener refs the worker's port again.
  slot.worker.unref();
  return slot;
}

function dispatch(pool: PoolState): void {
  for (const slot of pool.slots) {
    if (pool.queue.length === 0) return;
    if (slot.job !== undefined) continue;
    const job = pool.queue.shift()!;
    slot.job = job;
    slot.worker.ref(); // a call in flight keeps the process alive until it answers
    slot.worker.postMessage({ id: job.id, source: job.source, args: job.args });
  }
}

/** Queues a checked call; `signal` drops it from the queue or terminates (and replaces) its worker. */
function enqueue(pool: PoolState, source: string, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> {
  if (pool.slots.length === 0) for (let index = 0; index < pool.size; index += 1) pool.slots.push(spawn(pool));
  return new Promise((resolve, reject) => {
    const job: Job = { id: pool.nextId++, source, args, resolve, reject, signal };
    if (signal) {
      job.onAbort = () => {
        const queued = pool.queue.indexOf(job);
        if (queued >= 0) pool.queue.splice(queued, 1);
        const slot = pool.slots.find((candidate) => candidate.job === job);
        if (slot) {
          slot.job = undefined;
          pool.slots.splice(pool.slots.indexOf(slot), 1);
          void slot.worker.terminate();
          if (!pool.destroyed) pool.slots.push(spawn(pool));
        }
        reject(abortError(signal, 'offload()'));
        dispatch(pool);
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
    }
    pool.queue.push(job);
    dispatch(pool);
  });
}

async function destroyPool(pool: PoolState): Promise<void> {
  pool.destroyed = true;
  const error = new AsyncError('ERR_CLOSED', 'The worker pool was destroyed');
  for (const job of pool.queue.splice(0)) {
    finish(job);
    job.reject(error);
  }
  const running = pool.slots.splice(0);
  for (const slot of running) {
    if (slot.job) {
      finish(slot.job);
      slot.job.reject(error);
    }
  }
  await Promise.all(running.map((slot) => slot.worker.terminate()));
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
  const pool: PoolState = { size, slots: [], queue: [], nextId: 0, destroyed: false };
  return {
    size,
    get pending() {
      return pool.queue.length;
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
      if (pool.destroyed) return Promise.reject(new AsyncError('ERR_CLOSED', 'The worker pool was destroyed'));
      const signal = callOptions?.signal;
      if (signal?.aborted) return Promise.reject(abortError(signal, 'offload()'));
      // The worker replies with what `fn` returned (structured-cloned): the awaited `R`.
      return enqueue(pool, fn.toString(), args ?? [], signal) as Promise<never>;
    },
    destroy: () => destroyPool(pool),
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
