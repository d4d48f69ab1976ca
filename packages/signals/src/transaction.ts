import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '@adv/types';
import { describeValue, SignalError } from './errors.js';
import { assertRunner, type TransactionRunner } from './runner.js';

/** Options of {@link atomic}. */
export interface AtomicOptions {
  /**
   * The database to run the block in. Without it, a nested block uses its enclosing block's
   * runner, and an outermost block is a callback scope only: `onCommit` callbacks run if
   * `fn` resolves, and are dropped if it rejects (wrap your ORM's own transaction in it).
   * @defaultValue the enclosing block's runner, else none
   */
  runner?: TransactionRunner;
  /**
   * Throw `ERR_NOT_DURABLE` if this block is nested in another one on the same runner
   * (Django's `atomic(durable=True)`): for code that must really commit when it returns.
   * @defaultValue `false`
   */
  durable?: boolean;
}

/** Options of {@link onCommit}. */
export interface OnCommitOptions {
  /**
   * Log this callback's error and go on with the next callbacks, instead of throwing it
   * from the outermost `atomic` (Django's `on_commit(robust=True)`).
   * @defaultValue `false`
   */
  robust?: boolean;
  /**
   * Where a robust callback's error is logged.
   * @defaultValue `console`
   */
  logger?: Pick<Logger, 'error'>;
}

interface Callback {
  fn: () => unknown;
  robust: boolean;
  logger: Pick<Logger, 'error'>;
}

interface Frame {
  readonly runner: TransactionRunner | undefined;
  /** The block this one is a savepoint of; `undefined` when outermost for its runner. */
  readonly parent: Frame | undefined;
  /** The block this one runs in, whatever its runner (for contexts of callbacks). */
  readonly enclosing: Frame | undefined;
  readonly callbacks: Callback[];
  state: 'active' | 'committed' | 'rolledBack';
  /** Serializes this block's nested savepoints (one connection, one savepoint stack). */
  children: Promise<unknown>;
}

const storage = new AsyncLocalStorage<Frame>();
const outerLocks = new WeakMap<TransactionRunner, Promise<unknown>>();
let savepointCounter = 0;
const ignore = () => {};

/** The block that work running now belongs to: committed savepoints pass to their parent. */
function currentFrame(): Frame | undefined {
  let frame = storage.getStore();
  while (frame !== undefined && frame.state === 'committed') frame = frame.parent ?? frame.enclosing;
  if (frame?.state === 'rolledBack') {
    throw new SignalError(
      'ERR_TRANSACTION_CLOSED',
      'This work started inside an atomic block that has been rolled back; it cannot register onCommit callbacks or open nested blocks. Await the work inside the block instead of leaving it running',
    );
  }
  return frame;
}

/** Runs `task` after the previous holder of the lock held in `get`/`set` has finished. */
function serialized<T>(
  previous: Promise<unknown> | undefined,
  save: (tail: Promise<unknown>) => void,
  task: () => Promise<T>,
) {
  const result = (previous ?? Promise.resolve()).then(task);
  save(result.then(ignore, ignore));
  return result;
}

/**
 * Runs `fn` in a transaction (Django's `transaction.atomic`): commits if it resolves and
 * then runs the {@link onCommit} callbacks registered inside, in order; rolls back and drops
 * them if it rejects. Nested blocks are savepoints: a nested block that rejects undoes only
 * its own work and drops only its own callbacks; one that resolves hands its callbacks to
 * the enclosing block. The transaction follows the async context (`AsyncLocalStorage`), so
 * code deep in the call stack needs no transaction argument.
 *
 * Blocks on the same runner are serialized (outermost blocks with each other, nested
 * blocks within their parent), because one connection has one transaction.
 *
 * @param fn - The block; may be sync or async.
 * @param options - `runner` (the database) and `durable`: see {@link AtomicOptions}.
 * @returns What `fn` returned, after the commit and the callbacks.
 * @example
 * ```ts
 * const runner = sqlTransactionRunner((sql) => db.exec(sql));
 * await atomic(async () => {
 *   const order = await orders.save({ total: 42 });
 *   onCommit(() => receipts.enqueue({ orderId: order.id }));
 * }, { runner });
 * ```
 */
export async function atomic<T>(fn: () => T | Promise<T>, options: AtomicOptions = {}): Promise<T> {
  if (typeof fn !== 'function') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`fn\` to be a function, got ${describeValue(fn)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  const { runner, durable = false } = options;
  if (runner !== undefined) assertRunner(runner);
  const current = currentFrame();
  let parent: Frame | undefined;
  if (runner === undefined) parent = current;
  else
    for (let frame = current; frame !== undefined && parent === undefined; frame = frame.enclosing) {
      if (frame.runner === runner && frame.state === 'active') parent = frame;
    }
  if (durable && parent !== undefined) {
    throw new SignalError(
      'ERR_NOT_DURABLE',
      'A durable atomic block was nested in another atomic block on the same runner, so it would not commit when it returns',
    );
  }
  const frame: Frame = {
    runner: runner ?? parent?.runner,
    parent,
    enclosing: current,
    callbacks: [],
    state: 'active',
    children: Promise.resolve(),
  };
  if (parent !== undefined) {
    return serialized(
      parent.children,
      (tail) => {
        parent.children = tail;
      },
      () => runSavepoint(frame, parent, fn),
    );
  }
  const key = frame.runner;
  const result =
    key === undefined
      ? await runOutermost(frame, fn)
      : await serialized(
          outerLocks.get(key),
          (tail) => outerLocks.set(key, tail),
          () => runOutermost(frame, fn),
        );
  // After the commit and outside the runner's lock (a callback may open its own transaction
  // on the same runner), and outside this block: an onCommit inside a callback runs at once.
  await storage.run(frame.enclosing as Frame, () => runCallbacks(frame.callbacks));
  return result;
}

async function runOutermost<T>(frame: Frame, fn: () => T | Promise<T>): Promise<T> {
  const runner = frame.runner;
  await runner?.begin();
  let result: T;
  try {
    result = await storage.run(frame, fn);
  } catch (error) {
    frame.state = 'rolledBack';
    await undo(error, () => runner?.rollback());
    throw error;
  }
  try {
    await runner?.commit();
  } catch (error) {
    frame.state = 'rolledBack';
    await undo(error, () => runner?.rollback());
    throw error;
  }
  frame.state = 'committed';
  return result;
}

async function runSavepoint<T>(frame: Frame, parent: Frame, fn: () => T | Promise<T>): Promise<T> {
  const runner = frame.runner;
  const name = `adv_sp_${++savepointCounter}`;
  await runner?.savepoint(name);
  let result: T;
  try {
    result = await storage.run(frame, fn);
  } catch (error) {
    frame.state = 'rolledBack';
    await undo(error, async () => {
      await runner?.rollbackToSavepoint(name);
      await runner?.releaseSavepoint(name);
    });
    throw error;
  }
  await runner?.releaseSavepoint(name);
  frame.state = 'committed';
  parent.callbacks.push(...frame.callbacks);
  return result;
}

async function undo(error: unknown, rollback: () => unknown): Promise<void> {
  try {
    await rollback();
  } catch (rollbackError) {
    throw new SignalError('ERR_ROLLBACK_FAILED', 'Rolling back failed after the atomic block failed', {
      cause: new AggregateError([error, rollbackError], 'The block failed, then its rollback failed'),
    });
  }
}

async function runCallbacks(callbacks: readonly Callback[]): Promise<void> {
  for (const callback of callbacks) {
    try {
      await callback.fn();
    } catch (error) {
      if (!callback.robust) throw error;
      callback.logger.error({ err: error }, '@adv/signals: a robust onCommit callback failed');
    }
  }
}

/**
 * Defers `fn` until the enclosing {@link atomic} block's transaction commits (Django's
 * `transaction.on_commit`), so a receiver never enqueues a task or invalidates a cache for
 * data that was rolled back. Dropped if the block (or the nested block it was registered
 * in) rolls back. Outside any atomic block, runs `fn` at once, like Django in autocommit.
 *
 * @param fn - The callback; may be async (the outermost `atomic` awaits it).
 * @param options - `robust` and `logger`: see {@link OnCommitOptions}.
 * @returns A promise that settles when `fn` ran (outside a block) or at once (inside one).
 * @example
 * ```ts
 * postSave.connect(({ instance }) => onCommit(() => cache.delete(`article:${(instance as Article).id}`)), { sender: Article });
 * ```
 */
export function onCommit(fn: () => unknown, options: OnCommitOptions = {}): Promise<void> {
  if (typeof fn !== 'function') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`fn\` to be a function, got ${describeValue(fn)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  const { robust = false, logger = console } = options;
  if (typeof robust !== 'boolean') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`robust\` to be a boolean, got ${describeValue(robust)}`);
  }
  const callback: Callback = { fn, robust, logger };
  const frame = currentFrame();
  if (frame === undefined) return runCallbacks([callback]);
  frame.callbacks.push(callback);
  return Promise.resolve();
}

/** Whether the code running now is inside an active {@link atomic} block. */
export function inAtomicBlock(): boolean {
  let frame = storage.getStore();
  while (frame !== undefined && frame.state === 'committed') frame = frame.parent ?? frame.enclosing;
  return frame?.state === 'active';
}

/**
 * Runs `work` in its own `atomic` block on `runner` unless the code running now is already
 * inside an active block on that runner (then it just joins it, like Django's
 * `atomic(savepoint=False)` in `Model.save`). Used by the repository wrappers' `runner` option.
 */
export function inTransactionOn<T>(runner: TransactionRunner | undefined, work: () => Promise<T>): Promise<T> {
  if (runner === undefined) return work();
  let frame = storage.getStore();
  while (frame !== undefined && frame.state === 'committed') frame = frame.parent ?? frame.enclosing;
  for (let open = frame; open !== undefined; open = open.enclosing) {
    if (open.runner === runner && open.state === 'active') return work();
  }
  return atomic(work, { runner });
}
