import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSweeper, MAX_TIMER_DELAY, raceTimeout, setLongTimeout } from '../src/timers.js';

describe('timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('setLongTimeout waits past the 24.8-day setTimeout limit, and clear() stops it', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    setLongTimeout(() => fired.push('long'), MAX_TIMER_DELAY * 2 + 5);
    const cleared = setLongTimeout(() => fired.push('cleared'), MAX_TIMER_DELAY + 10);
    vi.advanceTimersByTime(MAX_TIMER_DELAY + 5); // the cleared one is 5 ms from firing
    cleared.clear();
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(MAX_TIMER_DELAY);
    expect(fired).toEqual(['long']);
    vi.advanceTimersByTime(MAX_TIMER_DELAY * 2);
    expect(fired).toEqual(['long']);
  });

  it('DeadlineSweeper passes results and errors through, times out the rest, and stops ticking when idle', async () => {
    vi.useFakeTimers();
    const sweeper = new DeadlineSweeper(50);
    await expect(sweeper.race(Promise.resolve(1), 1000, () => new Error('late'))).resolves.toBe(1);
    await expect(sweeper.race(Promise.reject(new Error('own')), 1000, () => new Error('late'))).rejects.toThrow('own');
    const never = sweeper.race(new Promise(() => {}), 200, () => new Error('late'));
    const outcome = never.catch((error: Error) => error.message);
    await vi.advanceTimersByTimeAsync(150);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(150);
    expect(await outcome).toBe('late');
    expect(vi.getTimerCount()).toBe(0);
    const raced = raceTimeout(new Promise(() => {}), 10, () => new Error('raced')).catch(
      (error: Error) => error.message,
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(await raced).toBe('raced');
  });
});
