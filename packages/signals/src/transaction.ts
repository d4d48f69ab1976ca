import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger, OptionKeys } from '@adv/types';
import { describeValue, SignalError } from './errors.js';
import { signalOptions } from './options.js';
import { assertRunner, type TransactionRunner } from './runner.js';

/** Options of {@link atomic}. */
export interface AtomicOptions {
  /**
   * The database to run the block in. Without it, a nested block uses its enclosing block's
   * runner, and an outermost block is a callback scope only: `onCommit` callbacks run if
   * `fn` resolves, and are dropped if it rejects (wrap your ORM's own transaction in it).
   * @defaultValue the enclosing block's runner, else none
   */
  runner?: TransactionRunner | undefined;
  /**
   * Throw `ERR_NOT_DURABLE` if this block is nested in another one on the same runner
   * (Django's `atomic(durable=True)`): for code that must really commit when it returns.
   * @defaultValue `false`
   */
  durable?: boolean | undefined;
  /**
   * Called once when this outermost block's transaction has ended (after `COMMIT`, after
   * `ROLLBACK`, or when `BEGIN` failed), BEFORE any {@link onCommit} callback runs: give the
   * connection back to its pool or release a lock here, so callbacks (which may be slow, or
   * never settle while a server they call is down) hold neither. Only for an outermost block
   * (a nested block is a savepoint of the enclosing transaction). Its error propagates from
   * `atomic` after the callbacks (the data is committed), unless the block itself failed
   * (then the block's error does).
   * @defaultValue none
   * @example
   * ```ts
   * const client = await pool.connect();
   * const runner = sqlTransactionRunner((sql) => client.query(sql));
   * await atomic(work, { runner, release: () => client.release() });
   * ```
   */
  release?: (() => unknown) | undefined;
}

/** Options of {@link onCommit}. */
export interface OnCommitOptions {
  /**
   * Log this callback's error and go on with the next callbacks, instead of throwing it
   * from the outermost `atomic` (Django's `on_commit(robust=True)`).
   * @defaultValue `false`
   */
  robust?: boolean | undefined;
  /**
   * Where a robust callback's error is logged.
   * @defaultValue `console`
   */
  logger?: Pick<Logger, 'error'> | undefined;
  /**
   * Milliseconds the callback may take. When they pass, its `signal` aborts and it counts as
   * failed with `ERR_CALLBACK_TIMEOUT` (logged and skipped if `robust`, else thrown from the
   * outermost `atomic`), so the next callbacks and the caller of `atomic` go on. Bound a call
   * to a server that may be down (enqueue, broadcast) with it.
   * @defaultValue none: the outermost `atomic` waits as long as the callback takes
   */
  timeout?: number | undefined;
}

const ATOMIC_KEYS: OptionKeys<AtomicOptions> = { runner: true, durable: true, release: true };
const ON_COMMIT_KEYS: OptionKeys<OnCommitOptions> = { robust: true, logger: true, timeout: true };

interface Callback {
  fn: (signal: AbortSignal) => unknown;
  robust: boolean;
  logger: Pick<Logger, 'error'>;
  timeout: number | undefined;
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

/*
 * The storage is enabled only while some work could see a frame that means something. On
 * Node 20 an enabled AsyncLocalStorage runs its `_propagate` on every promise and async
 * resource the process creates, so leaving it enabled after one transaction (a seed or a
 * migration at startup) taxes every request of the process for its lifetime.
 *
 * What can work see? An active frame (a block running: counted by `activeBlocks`), a
 * rolled-back one (work left running after its block failed must get ERR_TRANSACTION_CLOSED:
 * such a frame is counted by `rolledBackFrames` until the garbage collector finds it
 * unreachable, i.e. until no async resource holds it any more), or a committed one, whose walk
 * in `currentFrame` ends in `undefined` once nothing is active or rolled back. So with both
 * counts at 0, `getStore()` returning `undefined` everywhere (what a disabled storage does)
 * changes no answer, and the storage is disabled; the next `storage.run` enables it again.
 */
let activeBlocks = 0;
let rolledBackFrames = 0;
const rolledBackRegistry = new FinalizationRegistry<undefined>(() => {
  rolledBackFrames--;
  disableWhenIdle();
});

function disableWhenIdle(): void {
  if (activeBlocks === 0 && rolledBackFrames === 0) storage.disable();
}

function rollBack(frame: Frame): void {
  frame.state = 'rolledBack';
  rolledBackFrames++;
  rolledBackRegistry.register(frame, undefined);
}

/**
 * Whether the transaction context is enabled now (for tests of when it is turned off), or
 * `undefined` where AsyncLocalStorage has no such state (the AsyncContextFrame implementation
 * of newer Node versions, which runs no per-promise hook to save).
 */
export function transactionContextEnabled(): boolean | undefined {
  return (storage as unknown as { enabled?: boolean }).enabled;
}
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
  const { runner, durable, release } = signalOptions('atomic', options, ATOMIC_KEYS, { durable: false });
  if (typeof durable !== 'boolean') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`durable\` to be a boolean, got ${describeValue(durable)}`);
  }
  if (runner !== undefined) assertRunner(runner);
  if (release !== undefined && typeof release !== 'function') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`release\` to be a function, got ${describeValue(release)}`);
  }
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
  if (release !== undefined && parent !== undefined) {
    throw new SignalError(
      'ERR_INVALID_OPTION',
      'Expected `release` only on an outermost atomic block: this one is nested in a block on the same runner, whose transaction (and connection) it shares. Pass `release` to the outermost block',
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
  activeBlocks++;
  try {
    return await runBlock(frame, parent, fn, release);
  } finally {
    activeBlocks--;
    disableWhenIdle();
  }
}

async function runBlock<T>(
  frame: Frame,
  parent: Frame | undefined,
  fn: () => T | Promise<T>,
  release: (() => unknown) | undefined,
): Promise<T> {
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
  const { result, releaseError } =
    key === undefined
      ? await runOutermost(frame, fn, release)
      : await serialized(
          outerLocks.get(key),
          (tail) => outerLocks.set(key, tail),
          () => runOutermost(frame, fn, release),
        );
  // After the commit, after `release` and outside the runner's lock (a callback may open its
  // own transaction on the same runner, and a slow one holds no connection or lock), and
  // outside this block: an onCommit inside a callback runs at once.
  await storage.run(frame.enclosing as Frame, () => runCallbacks(frame.callbacks));
  if (releaseError !== undefined) throw releaseError;
  return result;
}

/**
 * Runs the transaction, then `release` (whether it committed, rolled back or never began).
 * A failing `release` after a commit is handed back, not thrown: the data is committed, so its
 * callbacks still run, and `atomic` throws the error after them.
 */
async function runOutermost<T>(
  frame: Frame,
  fn: () => T | Promise<T>,
  release: (() => unknown) | undefined,
): Promise<{ result: T; releaseError?: unknown }> {
  if (release === undefined) return { result: await transact(frame, fn) };
  let result: T;
  try {
    result = await transact(frame, fn);
  } catch (error) {
    await Promise.resolve()
      .then(release)
      .catch(() => {});
    throw error;
  }
  try {
    await release();
  } catch (releaseError) {
    return { result, releaseError };
  }
  return { result };
}

async function transact<T>(frame: Frame, fn: () => T | Promise<T>): Promise<T> {
  const runner = frame.runner;
  await runner?.begin();
  let result: T;
  try {
    result = await storage.run(frame, fn);
  } catch (error) {
    rollBack(frame);
    await undo(error, () => runner?.rollback());
    throw error;
  }
  try {
    await runner?.commit();
  } catch (error) {
    rollBack(frame);
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
    rollBack(frame);
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

/** Passed to callbacks without a `timeout`: never aborts. */
const NEVER_ABORTED = new AbortController().signal;

/** Runs one callback, failing it with `ERR_CALLBACK_TIMEOUT` (and aborting its signal) after `timeout` ms. */
function runCallback(callback: Callback): unknown {
  const { fn, timeout } = callback;
  if (timeout === undefined) return fn(NEVER_ABORTED);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new SignalError(
        'ERR_CALLBACK_TIMEOUT',
        `An onCommit callback did not settle within its timeout of ${timeout} ms; its signal was aborted and the next callbacks run`,
      );
      controller.abort(error);
      reject(error);
    }, timeout);
  });
  return Promise.race([Promise.resolve().then(() => fn(controller.signal)), expired]).finally(() =>
    clearTimeout(timer),
  );
}

async function runCallbacks(callbacks: readonly Callback[]): Promise<void> {
  for (const callback of callbacks) {
    try {
      await runCallback(callback);
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
 * @param fn - The callback; may be async (the outermost `atomic` awaits it, up to `timeout`).
 *   It receives an `AbortSignal` that aborts when its `timeout` passes.
 * @param options - `robust`, `logger` and `timeout`: see {@link OnCommitOptions}.
 * @returns A promise that settles when `fn` ran (outside a block) or at once (inside one).
 * @example
 * ```ts
 * postSave.connect(({ instance }) => onCommit(() => cache.delete(`article:${(instance as Article).id}`)), { sender: Article });
 * ```
 */
export function onCommit(fn: (signal: AbortSignal) => unknown, options: OnCommitOptions = {}): Promise<void> {
  if (typeof fn !== 'function') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`fn\` to be a function, got ${describeValue(fn)}`);
  }
  const { robust, logger, timeout } = signalOptions('onCommit', options, ON_COMMIT_KEYS, {
    robust: false,
    logger: console,
  });
  if (typeof robust !== 'boolean') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`robust\` to be a boolean, got ${describeValue(robust)}`);
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0)) {
    throw new SignalError(
      'ERR_INVALID_OPTION',
      `Expected \`timeout\` to be a number of milliseconds above 0, got ${describeValue(timeout)}`,
    );
  }
  const callback: Callback = { fn, robust, logger, timeout };
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
