import { describe, expect, it } from 'vitest';
import { atomic, inAtomicBlock, onCommit, type TransactionRunner } from '../src/index.js';
import { transactionContextEnabled } from '../src/transaction.js';

// The transaction context (an AsyncLocalStorage) is enabled only while a block is active or a
// rolled-back block's context can still be reached: on Node 20 an enabled storage costs every
// promise of the process a hook call. These tests pin both sides: it is off when nothing can
// observe it, and every semantic that needs it (nesting, concurrency, leftover work of a
// rolled-back block, re-enabling) still holds. Module state is per test file (vitest isolates
// files), and the tests that leave rolled-back frames behind come last.

const gc = (globalThis as { gc?: () => void }).gc;

// Node 20 (what CI runs) implements AsyncLocalStorage on async hooks, with an `enabled` flag.
// Newer Node versions built on AsyncContextFrame have neither the flag nor the per-promise
// cost: there the on/off checks are skipped and only the semantic checks run.
const hasEnabledFlag = transactionContextEnabled() !== undefined;
const expectEnabled = (value: boolean) => {
  if (hasEnabledFlag) expect(transactionContextEnabled()).toBe(value);
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function collectUntil(done: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 50 && !done(); attempt++) {
    await tick();
    gc!();
  }
}

describe('transaction context: enabled only while it can be observed', () => {
  it('is off before any block, on inside one, and off again once a committed block has ended', async () => {
    // So the on/off checks cannot be skipped by accident where they matter (Node <= 22).
    if (Number(process.versions.node.split('.')[0]) <= 22) expect(hasEnabledFlag).toBe(true);
    expectEnabled(false);
    const seen: (boolean | undefined)[] = [];
    await atomic(async () => {
      await tick();
      seen.push(transactionContextEnabled(), inAtomicBlock());
    });
    expect(seen).toEqual([hasEnabledFlag ? true : undefined, true]);
    expectEnabled(false);
    expect(inAtomicBlock()).toBe(false);
  });

  it('a second block after the context was turned off defers its callbacks as before', async () => {
    const calls: string[] = [];
    await atomic(async () => {
      onCommit(() => calls.push('first'));
    });
    expectEnabled(false);
    await atomic(async () => {
      await tick();
      onCommit(() => calls.push('second'));
      calls.push('body');
    });
    expect(calls).toEqual(['first', 'body', 'second']);
    expectEnabled(false);
  });

  it('stays on while a concurrent block is active after another has ended', async () => {
    const calls: string[] = [];
    let finishSlow!: () => void;
    const slowGate = new Promise<void>((resolve) => {
      finishSlow = resolve;
    });
    const slow = atomic(async () => {
      onCommit(() => calls.push('slow:before'));
      await slowGate;
      calls.push(`slow:inBlock=${inAtomicBlock()}`);
      onCommit(() => calls.push('slow:after'));
    });
    await atomic(async () => {
      onCommit(() => calls.push('fast'));
    });
    expect(calls).toEqual(['fast']);
    expectEnabled(true);
    finishSlow();
    await slow;
    expect(calls).toEqual(['fast', 'slow:inBlock=true', 'slow:before', 'slow:after']);
    expectEnabled(false);
  });

  it('nested blocks: a committed inner block hands its callbacks to the outer one, which runs them after it ends', async () => {
    const calls: string[] = [];
    await atomic(async () => {
      await atomic(async () => {
        onCommit(() => calls.push('inner'));
      });
      expectEnabled(true);
      expect(inAtomicBlock()).toBe(true);
      onCommit(() => calls.push('outer'));
      calls.push('body');
    });
    expect(calls).toEqual(['body', 'inner', 'outer']);
    expectEnabled(false);
  });

  it('work a committed block left running runs its onCommit at once, as outside any block', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let leftover!: Promise<void>;
    await atomic(() => {
      leftover = gate.then(() => {
        calls.push(`inBlock=${inAtomicBlock()}`);
        return onCommit(() => calls.push('leftover callback'));
      });
    });
    expectEnabled(false);
    release();
    await leftover;
    expect(calls).toEqual(['inBlock=false', 'leftover callback']);
  });

  it('a block whose BEGIN fails does not keep the context on', async () => {
    const failing: TransactionRunner = {
      begin: () => Promise.reject(new Error('no connection')),
      commit: async () => {},
      rollback: async () => {},
      savepoint: async () => {},
      releaseSavepoint: async () => {},
      rollbackToSavepoint: async () => {},
    };
    await expect(atomic(() => 'never', { runner: failing })).rejects.toThrow('no connection');
    expectEnabled(false);
  });

  it('stays on while work left by a rolled-back block can still run, so that work is refused; off once it is gone', async () => {
    expect(typeof gc).toBe('function');
    const fail = new Error('rolled back');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let leaked: Promise<unknown> | undefined;
    await expect(
      atomic(() => {
        leaked = gate.then(() => onCommit(() => {}));
        throw fail;
      }),
    ).rejects.toBe(fail);
    // No block is active, but the leftover work holds the rolled-back frame.
    expectEnabled(true);
    release();
    await expect(leaked).rejects.toThrowError(expect.objectContaining({ code: 'ERR_TRANSACTION_CLOSED' }));
    leaked = undefined;
    await collectUntil(() => transactionContextEnabled() !== true);
    expectEnabled(false);
    // And a block after that works as before.
    const calls: string[] = [];
    await atomic(async () => {
      await tick();
      onCommit(() => calls.push('after'));
      calls.push('body');
    });
    expect(calls).toEqual(['body', 'after']);
  });
});
