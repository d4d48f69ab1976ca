import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTaskApp, type TaskApp } from '../src/index.js';

const DAY = 86_400_000;

// Node fires a timer longer than 2 ** 31 - 1 ms (about 24.8 days) after 1 ms; vitest's fake
// timers do the same, so these tests fail on a backend that hands such delays to setTimeout.
describe('memory backend: delays longer than setTimeout allows', () => {
  let app: TaskApp;
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-06-01T00:00:00Z') });
    app = createTaskApp();
  });
  afterEach(async () => {
    await app.close({ timeout: 0 });
    vi.useRealTimers();
  });

  it('runs a job with a 40-day ETA once, when it is due, not at once', async () => {
    let runs = 0;
    const later = app.defineTask('later', () => ++runs);
    await app.process();
    const handle = await later.enqueue(undefined, { at: Date.now() + 40 * DAY });
    const result = handle.result({ timeout: 60 * DAY });
    await vi.advanceTimersByTimeAsync(DAY);
    expect(runs).toBe(0);
    expect(await handle.status()).toBe('delayed');
    await vi.advanceTimersByTimeAsync(39 * DAY - 1000);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await result).toBe(1);
    await vi.advanceTimersByTimeAsync(40 * DAY);
    expect(runs).toBe(1);
  });

  it('fires a yearly cron schedule once on its day, without spinning before it', async () => {
    const ticks: string[] = [];
    const tick = app.defineTask('new-year', (_: undefined, { id }) => {
      ticks.push(id);
    });
    app.schedule('new-year', { cron: '0 0 1 1 *', tz: 'UTC' }, tick);
    await app.process();
    expect((await app.schedules())[0]?.next).toBe(Date.parse('2031-01-01T00:00:00Z'));
    await vi.advanceTimersByTimeAsync(DAY);
    expect(ticks).toEqual([]);
    expect(vi.getTimerCount()).toBeLessThan(5); // one timer waiting, not a 1 ms loop
    await vi.advanceTimersByTimeAsync(Date.parse('2031-01-01T00:00:01Z') - Date.now());
    expect(ticks).toEqual([`sched-new-year-${Date.parse('2031-01-01T00:00:00Z')}`]);
    expect((await app.schedules())[0]?.next).toBe(Date.parse('2032-01-01T00:00:00Z'));
  });

  it('fires a cron schedule in its time zone (03:00 in Paris is 01:00 UTC in summer, 02:00 in winter)', async () => {
    const ticks: number[] = [];
    const tick = app.defineTask('paris', () => {
      ticks.push(Date.now());
    });
    app.schedule('paris-3am', { cron: '0 3 * * *', tz: 'Europe/Paris' }, tick);
    await app.process();
    await vi.advanceTimersByTimeAsync(Date.parse('2030-06-01T01:00:00.500Z') - Date.now());
    expect(ticks.map((at) => new Date(at).toISOString().slice(0, 16))).toEqual(['2030-06-01T01:00']);
    vi.setSystemTime(new Date('2030-12-01T00:00:00Z')); // jump ahead without running each tick
    await app.syncSchedules(); // same spec: kept as is, re-armed only by its own timer
    await vi.advanceTimersByTimeAsync(DAY); // the June 2 timer fires late, once, and re-arms from now
    expect(ticks).toHaveLength(2);
    expect((await app.schedules())[0]?.next).toBe(Date.parse('2030-12-02T02:00:00Z'));
  });

  it('waits for a result with a timeout longer than 24.8 days', async () => {
    const idle = app.defineTask('idle', () => 1);
    const handle = await idle.enqueue(undefined); // no worker: it never finishes
    let settled = false;
    const waiting = handle.result({ timeout: 30 * DAY }).catch((error: unknown) => {
      settled = true;
      return error;
    });
    await vi.advanceTimersByTimeAsync(DAY);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(30 * DAY);
    expect(await waiting).toMatchObject({ code: 'ERR_RESULT_TIMEOUT' });
  });
});
