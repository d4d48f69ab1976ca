import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionRunner } from '@adv/signals';

/** An open `atomic` block of one database: its runner, and on PostgreSQL its connection. */
export interface BlockScope<Connection = undefined> {
  readonly owner: object;
  readonly runner: TransactionRunner;
  readonly connection: Connection;
  /** Turns false when the block ends, so work it left running stops joining it. */
  open: boolean;
  /** The block (of another database) this one runs inside. */
  readonly parent: BlockScope<unknown> | undefined;
}

/**
 * One storage for every database's blocks, not one per database: each active
 * AsyncLocalStorage adds work to every promise the process creates (measured on the uncached
 * article list, whose LiquidJS render makes thousands).
 */
const storage = new AsyncLocalStorage<BlockScope<unknown>>();

/** The open block of `owner` that the running code is part of, if any. */
export function openBlockOf<Connection>(owner: object): BlockScope<Connection> | undefined {
  for (let scope = storage.getStore(); scope !== undefined; scope = scope.parent) {
    if (scope.owner === owner) return scope.open ? (scope as BlockScope<Connection>) : undefined;
  }
  return undefined;
}

/** Runs `fn` as part of a new block of `owner`. */
export function runInBlock<Connection, T>(
  owner: object,
  runner: TransactionRunner,
  connection: Connection,
  fn: (scope: BlockScope<Connection>) => T,
): T {
  const scope: BlockScope<Connection> = { owner, runner, connection, open: true, parent: storage.getStore() };
  running += 1;
  let result: T;
  try {
    result = storage.run(scope, () => fn(scope));
  } catch (error) {
    blockDone();
    throw error;
  }
  if (!(result instanceof Promise)) {
    blockDone();
    return result;
  }
  return result.finally(blockDone) as T;
}

/** Blocks whose function has not settled yet. */
let running = 0;

/**
 * Once no block runs, the storage is switched off (`disable()`): an enabled AsyncLocalStorage
 * costs every promise of the process a hook, and the start-up migrations had left this one on
 * for good. Nothing changes for any code: with no block running, every scope is closed
 * (`open` turned false at COMMIT or ROLLBACK, before the block's function settles), so
 * {@link openBlockOf} answered `undefined` everywhere already. The next block turns it on again.
 */
function blockDone(): void {
  running -= 1;
  if (running === 0) storage.disable();
}
