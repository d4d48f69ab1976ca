import { describe, expect, it } from 'vitest';
import { atomic, inAtomicBlock, onCommit, SignalError } from '../src/index.js';

// These blocks have no runner: they are callback scopes only (the database side is in
// sqlite.test.ts, against a real SQLite database).

const fail = new Error('rolled back');

describe('onCommit without a database', () => {
  it('outside any atomic block runs the callback at once (autocommit)', async () => {
    const calls: string[] = [];
    const done = onCommit(() => {
      calls.push('now');
    });
    expect(calls).toEqual(['now']);
    await done;
    expect(inAtomicBlock()).toBe(false);
  });

  it('runs callbacks in registration order once the block resolves, and returns its value', async () => {
    const calls: string[] = [];
    const value = await atomic(async () => {
      expect(inAtomicBlock()).toBe(true);
      onCommit(() => calls.push('first'));
      await new Promise((resolve) => setImmediate(resolve));
      onCommit(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        calls.push('second (async, awaited)');
      });
      expect(calls).toEqual([]);
      return 42;
    });
    expect(value).toBe(42);
    expect(calls).toEqual(['first', 'second (async, awaited)']);
  });

  it('drops the callbacks when the block rejects, and rethrows', async () => {
    const calls: string[] = [];
    await expect(
      atomic(() => {
        onCommit(() => calls.push('never'));
        throw fail;
      }),
    ).rejects.toBe(fail);
    expect(calls).toEqual([]);
  });

  it('nested blocks are savepoints: a failed inner block drops only its own callbacks', async () => {
    const calls: string[] = [];
    await atomic(async () => {
      onCommit(() => calls.push('outer'));
      await atomic(() => {
        onCommit(() => calls.push('inner kept'));
      });
      await expect(
        atomic(() => {
          onCommit(() => calls.push('inner dropped'));
          throw fail;
        }),
      ).rejects.toBe(fail);
      onCommit(() => calls.push('outer after'));
      expect(calls).toEqual([]);
    });
    expect(calls).toEqual(['outer', 'inner kept', 'outer after']);
  });

  it('a committed inner block still loses its callbacks when the outer block rolls back', async () => {
    const calls: string[] = [];
    await expect(
      atomic(async () => {
        await atomic(() => onCommit(() => calls.push('inner')));
        throw fail;
      }),
    ).rejects.toBe(fail);
    expect(calls).toEqual([]);
  });

  it('a callback that throws propagates from the outermost block and stops the rest; robust ones are logged', async () => {
    const calls: string[] = [];
    const logged: unknown[] = [];
    const logger = { error: (fields: unknown) => logged.push(fields) };
    const boom = new Error('callback failed');
    await expect(
      atomic(() => {
        onCommit(
          () => {
            throw new Error('robust failure');
          },
          { robust: true, logger },
        );
        onCommit(() => calls.push('after robust'));
        onCommit(() => {
          throw boom;
        });
        onCommit(() => calls.push('never'));
      }),
    ).rejects.toBe(boom);
    expect(calls).toEqual(['after robust']);
    expect(logged).toEqual([{ err: expect.objectContaining({ message: 'robust failure' }) }]);
  });

  it('callbacks run outside the block: onCommit inside one runs at once', async () => {
    const calls: string[] = [];
    await atomic(() => {
      onCommit(() => {
        expect(inAtomicBlock()).toBe(false);
        onCommit(() => calls.push('nested, immediate'));
        calls.push('outer callback');
      });
    });
    expect(calls).toEqual(['nested, immediate', 'outer callback']);
  });

  it('concurrent outermost blocks keep their callbacks apart (AsyncLocalStorage)', async () => {
    const calls: string[] = [];
    const block = (name: string, ok: boolean) =>
      atomic(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        onCommit(() => calls.push(name));
        await new Promise((resolve) => setImmediate(resolve));
        if (!ok) throw fail;
      });
    const results = await Promise.allSettled([block('a', true), block('b', false), block('c', true)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls.sort()).toEqual(['a', 'c']);
  });

  it('work left running after a rolled-back block cannot register callbacks', async () => {
    let leaked!: Promise<unknown>;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await expect(
      atomic(() => {
        leaked = gate.then(() => onCommit(() => {}));
        throw fail;
      }),
    ).rejects.toBe(fail);
    release();
    await expect(leaked).rejects.toThrowError(expect.objectContaining({ code: 'ERR_TRANSACTION_CLOSED' }));
    let inBlock: boolean | undefined;
    await atomic(() => {
      leaked = gate.then(() => {
        inBlock = inAtomicBlock();
      });
      throw fail;
    }).catch(() => {});
    await leaked;
    expect(inBlock).toBe(false);
  });

  it('work left running after a committed block runs its callbacks at once', async () => {
    let leaked!: Promise<unknown>;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls: string[] = [];
    await atomic(() => {
      leaked = gate.then(() => onCommit(() => calls.push('late')));
    });
    release();
    await leaked;
    expect(calls).toEqual(['late']);
  });

  it('durable blocks refuse to nest', async () => {
    await expect(atomic(() => atomic(() => 1, { durable: true }))).rejects.toThrowError(
      expect.objectContaining({ code: 'ERR_NOT_DURABLE' }),
    );
    await expect(atomic(() => 1, { durable: true })).resolves.toBe(1);
  });

  it('rejects bad arguments with SignalError', async () => {
    expect(() => onCommit('nope' as never)).toThrowError(SignalError);
    expect(() => onCommit(() => {}, { robust: 'yes' as never })).toThrowError(
      'Expected `robust` to be a boolean, got `yes` (string)',
    );
    await expect(atomic(42 as never)).rejects.toThrowError('Expected `fn` to be a function, got `42` (number)');
    await expect(atomic(() => {}, { runner: { begin() {} } as never })).rejects.toThrowError(
      /Expected `runner` to be a TransactionRunner \(missing commit, rollback, savepoint/,
    );
  });
});
