import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomic, onCommit, SignalError, sqlTransactionRunner, type TransactionRunner } from '../src/index.js';

// A real SQLite file: a connection that holds a lock until its onCommit work finishes would
// stall every other query of the process while a server a callback calls is down.

let directory: string;
let db: Database.Database;
let runner: TransactionRunner;
const never = () => new Promise<never>(() => {});

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'adv-signals-release-'));
  db = new Database(join(directory, 'app.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  runner = sqlTransactionRunner((sql) => db.exec(sql));
});

afterAll(() => {
  db?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** A lock like a pool's connection or a process-wide SQLite lock: taken before BEGIN, given back by `release`. */
function processLock() {
  let held: Promise<void> | undefined;
  let free: (() => void) | undefined;
  return {
    async take() {
      while (held) await held;
      held = new Promise<void>((resolve) => {
        free = resolve;
      });
    },
    release() {
      const wake = free;
      held = undefined;
      free = undefined;
      wake?.();
    },
    get held() {
      return held !== undefined;
    },
  };
}

describe('atomic({ release }): the transaction ends before its onCommit work runs', () => {
  it('releases after COMMIT, before the callbacks; a callback that never settles stalls no other block or query', async () => {
    const lock = processLock();
    const events: string[] = [];
    const write = async (body: string, callback: () => unknown) => {
      await lock.take();
      return atomic(
        () => {
          db.prepare('INSERT INTO note (body) VALUES (?)').run(body);
          onCommit(callback);
        },
        {
          runner,
          release: () => {
            events.push(`release ${body} inTransaction=${db.inTransaction}`);
            lock.release();
          },
        },
      );
    };
    // Its callback never settles (a broadcast to a server that is down): the write's caller waits, nobody else does.
    let calledStuck = false;
    const stuck = write('first', () => {
      calledStuck = true;
      events.push('callback first');
      return never();
    });
    await expect.poll(() => calledStuck).toBe(true);
    expect(lock.held).toBe(false);
    // Another block on the same runner, behind the same lock, commits and runs its callback.
    await write('second', () => events.push('callback second'));
    expect(db.prepare('SELECT body FROM note ORDER BY id').all()).toEqual([{ body: 'first' }, { body: 'second' }]);
    expect(events).toEqual([
      'release first inTransaction=false',
      'callback first',
      'release second inTransaction=false',
      'callback second',
    ]);
    void stuck;
  });

  it('releases after ROLLBACK, and when BEGIN fails; the block error wins over a failing release', async () => {
    const released: string[] = [];
    await expect(
      atomic(
        () => {
          db.prepare('INSERT INTO note (body) VALUES (?)').run('rolled back');
          throw new Error('block failed');
        },
        {
          runner,
          release: () => {
            released.push(`rollback inTransaction=${db.inTransaction}`);
            throw new Error('release failed too');
          },
        },
      ),
    ).rejects.toThrow('block failed');
    const failingBegin: TransactionRunner = {
      ...runner,
      begin: () => {
        throw new Error('database is down');
      },
    };
    await expect(
      atomic(() => 1, { runner: failingBegin, release: () => released.push('begin failed') }),
    ).rejects.toThrow('database is down');
    expect(released).toEqual(['rollback inTransaction=false', 'begin failed']);
    expect(db.prepare("SELECT count(*) AS n FROM note WHERE body = 'rolled back'").get()).toEqual({ n: 0 });
  });

  it('a failing release after a commit propagates (the data is committed) and the callbacks still run', async () => {
    const calls: string[] = [];
    await expect(
      atomic(() => onCommit(() => calls.push('callback')), {
        runner,
        release: () => {
          throw new Error('could not return the connection');
        },
      }),
    ).rejects.toThrow('could not return the connection');
    expect(calls).toEqual(['callback']);
  });

  it('refuses `release` on a nested block, and a non-function', async () => {
    await atomic(
      async () => {
        await expect(atomic(() => 1, { runner, release: () => {} })).rejects.toMatchObject({
          code: 'ERR_INVALID_OPTION',
          message: expect.stringContaining('only on an outermost atomic block'),
        });
      },
      { runner },
    );
    await expect(atomic(() => 1, { runner, release: 'no' as never })).rejects.toThrow(
      'Expected `release` to be a function, got `no` (string)',
    );
  });
});

describe('onCommit(fn, { timeout })', () => {
  it('a callback past its timeout is aborted and logged (robust); the next callbacks and the caller go on', async () => {
    const logged: unknown[] = [];
    const calls: string[] = [];
    let signal: AbortSignal | undefined;
    await atomic(
      () => {
        onCommit(
          (s) => {
            signal = s;
            return never();
          },
          { robust: true, timeout: 20, logger: { error: (fields: unknown) => logged.push(fields) } },
        );
        onCommit(() => calls.push('next'));
      },
      { runner },
    );
    expect(calls).toEqual(['next']);
    expect(signal?.aborted).toBe(true);
    expect(logged).toEqual([{ err: expect.objectContaining({ code: 'ERR_CALLBACK_TIMEOUT' }) }]);
  });

  it('without robust, the timeout error propagates from atomic; a callback within its timeout is not aborted', async () => {
    let signal: AbortSignal | undefined;
    await atomic(
      () =>
        onCommit(
          (s) => {
            signal = s;
            return 'quick';
          },
          { timeout: 60_000 },
        ),
      { runner },
    );
    expect(signal?.aborted).toBe(false);
    const error = await atomic(() => onCommit(never, { timeout: 20 }), { runner }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalError);
    expect(error).toMatchObject({ code: 'ERR_CALLBACK_TIMEOUT', message: expect.stringContaining('20 ms') });
  });

  it('rejects a timeout that is not a positive number', () => {
    for (const timeout of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      expect(() => onCommit(() => {}, { timeout: timeout as number })).toThrow(
        /Expected `timeout` to be a number of milliseconds above 0/,
      );
    }
  });
});
