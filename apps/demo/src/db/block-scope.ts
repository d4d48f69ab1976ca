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
  return storage.run(scope, () => fn(scope));
}
