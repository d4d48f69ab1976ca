import type { OptionKeys } from '@adv/types';
import PQueue from 'p-queue';
import { AsyncError } from '../errors.js';
import { abortError, asyncOptions, checkCount, checkSignal, invalidOption } from '../validate.js';

/** A task for {@link gather}: receives a signal that aborts when the gather fails, times out or is cancelled. */
export type GatherTask<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/** What a task resolves with: a tuple of tasks gathers into a tuple of these, each its own type. */
export type TaskResult<Task> = Task extends (signal: AbortSignal) => infer R ? Awaited<R> : never;

/** Options of {@link gather}. */
export interface GatherOptions {
  /** Tasks running at once. @defaultValue `Infinity` */
  concurrency?: number | undefined;
  /** Milliseconds for the whole gather; then it rejects with `ERR_TIMEOUT` and aborts the tasks. */
  timeout?: number | undefined;
  /** Cancels the whole gather (rejects with `ERR_ABORTED`, aborts running tasks, skips queued ones). */
  signal?: AbortSignal | undefined;
  /**
   * Like asyncio's `return_exceptions`: settle every task and resolve with
   * `PromiseSettledResult`s instead of rejecting on the first failure.
   * @defaultValue `false`
   */
  settle?: boolean | undefined;
}

const GATHER_KEYS: OptionKeys<GatherOptions> = { concurrency: true, timeout: true, signal: true, settle: true };

/** Defaults of {@link GatherOptions}. */
const GATHER_DEFAULTS = { concurrency: Number.POSITIVE_INFINITY, settle: false };

/**
 * Runs tasks with a concurrency limit and resolves with their results in order (asyncio.gather
 * with limits and cancellation). The first failure rejects and aborts the others' signal.
 *
 * @param tasks - Functions `(signal) => value | Promise`; an array literal of tasks gathers
 *   into a tuple typed task by task (`const [user, orders] = await gather([…, …])`).
 * @param options - `concurrency`, `timeout`, `signal`, `settle`.
 * @example
 * ```ts
 * const users = await gather(ids.map((id) => (signal) => fetch(`/users/${id}`, { signal }).then((r) => r.json())), {
 *   concurrency: 5, timeout: 2_000, signal: request.signal,
 * });
 * ```
 */
export function gather<const Tasks extends readonly GatherTask<unknown>[]>(
  tasks: Tasks,
  options: GatherOptions & { settle: true },
): Promise<{ -readonly [K in keyof Tasks]: PromiseSettledResult<TaskResult<Tasks[K]>> }>;
export function gather<const Tasks extends readonly GatherTask<unknown>[]>(
  tasks: Tasks,
  options?: GatherOptions,
): Promise<{ -readonly [K in keyof Tasks]: TaskResult<Tasks[K]> }>;
export function gather<T>(
  tasks: Iterable<GatherTask<T>>,
  options: GatherOptions & { settle: true },
): Promise<PromiseSettledResult<T>[]>;
export function gather<T>(tasks: Iterable<GatherTask<T>>, options?: GatherOptions): Promise<T[]>;
export async function gather<T>(tasks: Iterable<GatherTask<T>>, options?: GatherOptions): Promise<unknown[]> {
  if (tasks === null || typeof (tasks as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw invalidOption('tasks', 'an iterable of functions', tasks);
  }
  const list = [...tasks];
  for (const [index, task] of list.entries()) {
    if (typeof task !== 'function') throw invalidOption(`tasks[${index}]`, 'a function (signal) => value', task);
  }
  const { concurrency, timeout, signal, settle } = asyncOptions('gather', options, GATHER_KEYS, GATHER_DEFAULTS);
  if (
    !(
      typeof concurrency === 'number' &&
      concurrency >= 1 &&
      (Number.isInteger(concurrency) || concurrency === Number.POSITIVE_INFINITY)
    )
  ) {
    throw invalidOption('concurrency', 'a number from 1 and up', concurrency);
  }
  checkCount('timeout', timeout, { unit: 'number of milliseconds' });
  checkSignal('signal', signal);
  if (typeof settle !== 'boolean') throw invalidOption('settle', 'a boolean', settle);
  if (signal?.aborted) throw abortError(signal, 'gather()');

  const controller = new AbortController();
  const queue = new PQueue({ concurrency });
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const stop = (error: AsyncError) => {
      queue.clear();
      controller.abort(error);
      reject(error);
    };
    if (timeout !== undefined) {
      timer = setTimeout(
        () => stop(new AsyncError('ERR_TIMEOUT', `gather() did not finish within \`timeout\` (${timeout} ms)`)),
        timeout,
      );
    }
    signal?.addEventListener('abort', () => stop(abortError(signal, 'gather()')), { once: true });
  });
  stopped.catch(() => {});
  const runs = list.map((task) => queue.add(() => task(controller.signal)) as Promise<T>);
  try {
    if (settle) return await Promise.race([Promise.allSettled(runs), stopped]);
    return await Promise.race([Promise.all(runs), stopped]);
  } catch (error) {
    if (!controller.signal.aborted) controller.abort(error);
    queue.clear();
    for (const run of runs) run.catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
