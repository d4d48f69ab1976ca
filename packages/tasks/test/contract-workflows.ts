import { CronExpressionParser } from 'cron-parser';
import { expect, it } from 'vitest';
import { chain, createTaskApp, group, TaskError } from '../src/index.js';
import { rejection, type SuiteContext, sleep, until } from './helpers.js';

/** Contract: chains, groups, rate limits, schedules, stats, shutdown, readiness and inline runs. */
export function workflowContract({ newApp, factory }: SuiteContext): void {
  it('chains tasks, feeding each result to the next', async () => {
    const app = newApp();
    const add = app.defineTask('add', ({ a, b }: { a: number; b: number }) => a + b);
    const double = app.defineTask('double', (n: number) => n * 2);
    const show = app.defineTask('show', (n: number) => `= ${n}`);
    await app.process();
    const handle = await chain<string>(add.with({ a: 1, b: 2 }), double.with(), show.with()).enqueue();
    expect(handle.ids).toHaveLength(3);
    expect(await handle.result({ timeout: 10_000 })).toBe('= 6');
    expect(await handle.statuses()).toEqual(['completed', 'completed', 'completed']);
  });

  it('stops a chain at a failing step: later steps never run', async () => {
    const app = newApp();
    let lastRan = false;
    const one = app.defineTask('one', () => 1);
    const broken = app.defineTask('broken', () => {
      throw new Error('step 2 broke');
    });
    const last = app.defineTask('last', () => {
      lastRan = true;
    });
    await app.process();
    const handle = await chain(one.with(undefined), broken.with(), last.with()).enqueue();
    const error = await rejection(handle.result({ timeout: 10_000 }));
    expect((error.cause as Error).message).toBe('step 2 broke');
    expect((await handle.statuses())[2]).toBe('unknown');
    expect(lastRan).toBe(false);
  });

  it('runs a group in parallel and collects results in order; a failure rejects result()', async () => {
    const app = newApp();
    const square = app.defineTask('square', (n: number) => {
      if (n < 0) throw new Error('negative');
      return n * n;
    });
    await app.process({ concurrency: 4 });
    const ok = await group<number[]>([1, 2, 3].map((n) => square.with(n))).enqueue();
    expect(await ok.result({ timeout: 10_000 })).toEqual([1, 4, 9]);
    const mixed = await group([square.with(2), square.with(-1)]).enqueue();
    expect((await rejection(mixed.result({ timeout: 10_000 }))).code).toBe('ERR_TASK_FAILED');
    expect((await mixed.settled({ timeout: 10_000 })).map((entry) => entry.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('rate-limits a task: at most `max` starts per `duration`', async () => {
    const app = newApp();
    const starts: number[] = [];
    const limited = app.defineTask(
      'limited',
      () => {
        starts.push(Date.now());
      },
      { rateLimit: { max: 2, duration: 300 } },
    );
    await app.process({ concurrency: 5 });
    const handles = await Promise.all([1, 2, 3, 4, 5].map(() => limited.enqueue(undefined)));
    await Promise.all(handles.map((handle) => handle.result({ timeout: 10_000 })));
    starts.sort((a, b) => a - b);
    // Sliding window: any 3 consecutive starts span at least `duration` (lower bounds only: a
    // slow machine can only make gaps longer; 50 ms of slack for timer granularity).
    for (let index = 0; index + 2 < starts.length; index++) {
      expect(starts[index + 2]! - starts[index]!).toBeGreaterThanOrEqual(250);
    }
    expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(550);
  });

  it('stops waiting for the rate limit when cancelled, and drops a job whose turn comes after expiresAt', async () => {
    const app = newApp();
    const ran: string[] = [];
    const limited = app.defineTask(
      'one-a-second',
      (label: string) => {
        ran.push(label);
        return label;
      },
      { rateLimit: { max: 1, duration: 1000 } },
    );
    await app.process({ concurrency: 4 });
    expect(await (await limited.enqueue('first')).result({ timeout: 10_000 })).toBe('first');
    // Both now wait for the next slot, about a second after the first start.
    const cancelled = await limited.enqueue('cancelled');
    const stale = await limited.enqueue('stale', { expiresAt: Date.now() + 50 });
    await until(async () => (await cancelled.status()) === 'active');
    expect(await cancelled.cancel()).toBe(true);
    expect((await rejection(cancelled.result({ timeout: 10_000 }))).code).toBe('ERR_CANCELLED');
    expect((await rejection(stale.result({ timeout: 10_000 }))).code).toBe('ERR_EXPIRED');
    expect(ran).toEqual(['first']);
  });

  it('fires an interval schedule repeatedly; upserts are idempotent and undeclared schedules are pruned', async () => {
    const app = newApp();
    const ticks: string[] = [];
    const tick = app.defineTask('tick', (label: string, { id }) => {
      ticks.push(`${label}:${id}`);
    });
    app.schedule('heartbeat', { every: 200 }, tick, 'hb');
    app.schedule('nightly', { cron: '0 3 * * *', tz: 'Europe/Paris' }, tick, 'night');
    await app.process();
    await app.syncSchedules();
    await app.syncSchedules();
    const listed = await app.schedules();
    expect(listed.map((s) => s.id).sort()).toEqual(['heartbeat', 'nightly']);
    const nightly = listed.find((s) => s.id === 'nightly');
    expect(nightly?.spec).toEqual({ cron: '0 3 * * *', tz: 'Europe/Paris' });
    await until(() => ticks.length >= 2);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.every((entry) => entry.startsWith('hb:'))).toBe(true);
    const other = createTaskApp({ backend: app.backend });
    other.defineTask('tick', () => {});
    await other.syncSchedules();
    expect(await app.schedules()).toEqual([]);
  });

  it('replaces a schedule whose spec changed in a redeploy, without a second copy or a stale tick', async () => {
    const backend = factory();
    const before = newApp(backend);
    const tickBefore = before.defineTask('tick', () => {});
    before.schedule('report', { every: 60_000 }, tickBefore, 'v1');
    before.schedule('retired', { every: 60_000 }, tickBefore, 'old');
    await before.syncSchedules();
    await before.syncSchedules(); // a restart with the same code changes nothing
    expect((await before.schedules()).map((s) => s.id).sort()).toEqual(['report', 'retired']);

    const after = newApp(backend); // the next deploy, on the same backend
    const tickAfter = after.defineTask('tick', () => {});
    after.schedule('report', { cron: '0 3 * * *', tz: 'Europe/Paris' }, tickAfter, 'v2');
    await after.syncSchedules();
    const listed = await after.schedules();
    expect(listed.map(({ id, spec, payload }) => ({ id, spec, payload }))).toEqual([
      { id: 'report', spec: { cron: '0 3 * * *', tz: 'Europe/Paris' }, payload: 'v2' },
    ]);
    // The next fire time is the new spec's, not one left over from the interval.
    const next = CronExpressionParser.parse('0 3 * * *', { tz: 'Europe/Paris' }).next().getTime();
    expect(listed[0]?.next).toBe(next);
  });

  it('lists jobs by state, most recent first', async () => {
    const app = newApp();
    const job = app.defineTask('listed', (n: number) => n);
    const later = await job.enqueue(9, { delay: 60_000 });
    const first = await job.enqueue(1);
    await sleep(5);
    const second = await job.enqueue(2, { priority: 3 });
    expect((await app.list('delayed')).map((record) => record.id)).toEqual([later.id]);
    expect((await app.list('waiting')).map((record) => [record.id, record.data.payload])).toEqual([
      [second.id, 2],
      [first.id, 1],
    ]);
    expect(await app.list('waiting', { start: 1, end: 1 })).toHaveLength(1);
    await app.process();
    await second.result({ timeout: 10_000 });
    await first.result({ timeout: 10_000 });
    const done = await app.list('completed');
    expect(done.map((record) => record.id).sort()).toEqual([first.id, second.id].sort());
    expect(done.every((record) => record.status === 'completed')).toBe(true);
    expect(() => app.list('stalled' as never)).toThrow('Expected `state` to be one of waiting');
  });

  it('counts jobs by state', async () => {
    const app = newApp();
    const ok = app.defineTask('ok', () => 1);
    const bad = app.defineTask('bad', () => {
      throw new Error('no');
    });
    await ok.enqueue(undefined, { delay: 60_000 });
    await app.process();
    await (await ok.enqueue(undefined)).result({ timeout: 10_000 });
    await rejection((await bad.enqueue(undefined)).result({ timeout: 10_000 }));
    expect(await app.stats()).toEqual({ waiting: 0, active: 0, delayed: 1, completed: 1, failed: 1 });
  });

  it('lets an active job finish on close()', async () => {
    const app = newApp();
    let finished = false;
    let started = false;
    const slow = app.defineTask('slow', async () => {
      started = true;
      await sleep(300);
      finished = true;
    });
    await app.process();
    await slow.enqueue(undefined);
    await until(() => started);
    await app.close({ timeout: 10_000 });
    expect(finished).toBe(true);
    await expect(app.readinessCheck().check(new AbortController().signal)).rejects.toThrow(TaskError);
  });

  it('offers a readiness check', async () => {
    const app = newApp();
    const check = app.readinessCheck();
    expect(check.name).toBe('tasks');
    await expect(check.check(new AbortController().signal)).resolves.toBeUndefined();
  });

  it('runs a task inline with run(), under its time limit', async () => {
    const app = newApp();
    const greet = app.defineTask('greet', (name: string) => `hi ${name}`);
    expect(await greet.run('ada')).toBe('hi ada');
    const hang = app.defineTask('hang-inline', () => new Promise(() => {}), { timeLimit: 50 });
    expect((await rejection(hang.run(undefined))).code).toBe('ERR_TIME_LIMIT');
  });
}
