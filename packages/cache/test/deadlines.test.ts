/**
 * `Deadlines`: the one timer that bounds a backend's operations by `timeout` (#18 replaced a
 * setTimeout + Promise.race per operation). Fake timers: the test waits for nothing real.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../src/deadlines.js';

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes results and errors through, and forgets settled operations', async () => {
    const deadlines = new Deadlines(1000, () => {});
    await expect(deadlines.bound(Promise.resolve('ok'))).resolves.toBe('ok');
    const failure = new Error('refused');
    await expect(deadlines.bound(Promise.reject(failure))).rejects.toBe(failure);
    expect(deadlines.pending).toBe(0);
    await vi.advanceTimersByTimeAsync(5000); // the timer fires with nothing pending: nothing happens
    expect(deadlines.pending).toBe(0);
  });

  it('rejects each operation that got no answer at its own deadline, once, with a recognisable error', async () => {
    const timedOut: Error[] = [];
    const deadlines = new Deadlines(1000, (error) => timedOut.push(error));
    const never = new Promise<never>(() => {});
    const first = deadlines.bound(never);
    first.catch(() => {});
    await vi.advanceTimersByTimeAsync(600);
    let answer: (value: string) => void = () => {};
    const second = deadlines.bound(new Promise<string>((resolve) => (answer = resolve)));
    const third = deadlines.bound(never);
    third.catch(() => {});
    await vi.advanceTimersByTimeAsync(400);
    await expect(first).rejects.toThrow('no answer within 1000 ms');
    expect(timedOut).toHaveLength(1);
    expect(deadlines.pending).toBe(2); // the later ones wait on: the timer was armed again for them
    answer('late but in time');
    await expect(second).resolves.toBe('late but in time');
    await vi.advanceTimersByTimeAsync(599);
    expect(timedOut).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    await expect(third).rejects.toThrow('no answer within 1000 ms');
    expect(timedOut).toHaveLength(2);
    expect(deadlines.pending).toBe(0);
  });

  it("lets onFailure see each failure, the operation's or the timeout, once, before the caller", async () => {
    const deadlines = new Deadlines(100, () => {});
    const seen: unknown[] = [];
    const failure = new Error('refused');
    const refused = deadlines.bound(Promise.reject(failure), (error) => seen.push(error));
    await expect(refused).rejects.toBe(failure);
    expect(seen).toEqual([failure]);
    let fail: (error: Error) => void = () => {};
    const late = deadlines.bound(new Promise<never>((_, reject) => (fail = reject)), (error) => seen.push(error));
    late.catch(() => {});
    await vi.advanceTimersByTimeAsync(150);
    await expect(late).rejects.toThrow('no answer within 100 ms');
    fail(new Error('too late to matter'));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toHaveLength(2);
    expect((seen[1] as Error).message).toBe('no answer within 100 ms');
  });

  it('an answer after the deadline changes nothing', async () => {
    const deadlines = new Deadlines(50, () => {});
    let answer: (value: string) => void = () => {};
    const bounded = deadlines.bound(new Promise<string>((resolve) => (answer = resolve)));
    bounded.catch(() => {});
    await vi.advanceTimersByTimeAsync(60);
    answer('too late');
    await expect(bounded).rejects.toThrow('no answer within 50 ms');
  });

  it('map turns the answer into the result, is skipped for an answer after the deadline, and its throw is not a backend failure', async () => {
    const deadlines = new Deadlines(100, () => {});
    const seen: unknown[] = [];
    const onFailure = (error: unknown) => seen.push(error);
    await expect(deadlines.bound(Promise.resolve(2), onFailure, (n) => n * 21)).resolves.toBe(42);
    await expect(deadlines.bound(Promise.resolve(2), onFailure, async (n) => n + 1)).resolves.toBe(3);
    const broken = new Error('cannot map');
    await expect(
      deadlines.bound(Promise.resolve(2), onFailure, () => {
        throw broken;
      }),
    ).rejects.toBe(broken);
    expect(seen).toEqual([]);
    let answer: (value: number) => void = () => {};
    const mapped: number[] = [];
    const late = deadlines.bound(new Promise<number>((resolve) => (answer = resolve)), onFailure, (n) => {
      mapped.push(n);
      return n;
    });
    late.catch(() => {});
    await vi.advanceTimersByTimeAsync(150);
    answer(7);
    await vi.advanceTimersByTimeAsync(0);
    await expect(late).rejects.toThrow('no answer within 100 ms');
    expect(mapped).toEqual([]);
    expect(deadlines.pending).toBe(0);
  });

  it('recover answers a failure or a timeout (after onFailure) instead of rejecting; its throw rejects', async () => {
    const deadlines = new Deadlines(100, () => {});
    const order: string[] = [];
    const onFailure = (error: unknown) => order.push(`failure: ${(error as Error).message}`);
    const recover = (error: unknown) => {
      order.push(`recover: ${(error as Error).message}`);
      return 'fallback';
    };
    await expect(deadlines.bound(Promise.reject(new Error('refused')), onFailure, undefined, recover)).resolves.toBe(
      'fallback',
    );
    expect(order).toEqual(['failure: refused', 'recover: refused']);
    await expect(deadlines.bound(Promise.resolve('answer'), onFailure, undefined, recover)).resolves.toBe('answer');
    const late = deadlines.bound(new Promise<string>(() => {}), onFailure, undefined, recover);
    await vi.advanceTimersByTimeAsync(150);
    await expect(late).resolves.toBe('fallback');
    expect(order.slice(2)).toEqual(['failure: no answer within 100 ms', 'recover: no answer within 100 ms']);
    const strict = new Error('strict');
    const rethrow = () => {
      throw strict;
    };
    await expect(deadlines.bound(Promise.reject(new Error('refused')), undefined, undefined, rethrow)).rejects.toBe(
      strict,
    );
    const timedOut = deadlines.bound(new Promise<string>(() => {}), undefined, undefined, rethrow);
    timedOut.catch(() => {});
    await vi.advanceTimersByTimeAsync(150);
    await expect(timedOut).rejects.toBe(strict);
    expect(deadlines.pending).toBe(0);
  });

  it('operations settling out of order leave the list consistent: only the unsettled ones time out', async () => {
    const timedOut: Error[] = [];
    const deadlines = new Deadlines(1000, (error) => timedOut.push(error));
    const answers: Array<(value: number) => void> = [];
    const bounded = Array.from({ length: 6 }, (_, index) =>
      deadlines.bound(
        new Promise<number>((resolve) => {
          answers[index] = resolve;
        }),
      ),
    );
    for (const promise of bounded) promise.catch(() => {});
    expect(deadlines.pending).toBe(6);
    // Settle the last, the first and one in the middle: the list loses its tail, head and an inner entry.
    for (const index of [5, 0, 2]) answers[index]?.(index);
    await vi.advanceTimersByTimeAsync(0);
    expect(deadlines.pending).toBe(3);
    await expect(Promise.all([bounded[0], bounded[2], bounded[5]])).resolves.toEqual([0, 2, 5]);
    await vi.advanceTimersByTimeAsync(1001);
    expect(timedOut).toHaveLength(3);
    for (const index of [1, 3, 4]) await expect(bounded[index]).rejects.toThrow('no answer within 1000 ms');
    expect(deadlines.pending).toBe(0);
    // The emptied list takes new operations again.
    await expect(deadlines.bound(Promise.resolve('again'))).resolves.toBe('again');
    expect(deadlines.pending).toBe(0);
  });
});

describe('Deadlines timer', () => {
  it("never keeps the process alive: a pending operation adds no ref'd timer", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const before = timers();
    const deadlines = new Deadlines(60_000, () => {});
    const pending = deadlines.bound(new Promise<never>(() => {}));
    pending.catch(() => {});
    expect(deadlines.pending).toBe(1);
    // getActiveResourcesInfo lists the timers that keep the loop alive; an unref'd one is not among them.
    expect(timers()).toBe(before);
  });
});
