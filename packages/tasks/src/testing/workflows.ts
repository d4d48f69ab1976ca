/** Contract: chains, groups, rate limits, schedules, stats, shutdown, readiness and inline runs. */
import assert from 'node:assert/strict';
import { CronExpressionParser } from 'cron-parser';
import { createTaskApp } from '../app.js';
import { chain, group } from '../compose.js';
import { type ContractTest, rejection, sleep, until } from './runner.js';

export function workflowTests(test: ContractTest): void {
  chainAndGroupTests(test);
  rateLimitTests(test);
  scheduleTests(test);
  inspectionTests(test);
}

function chainAndGroupTests(test: ContractTest): void {
  test('chains tasks, feeding each result to the next', async ({ newApp }) => {
    const app = newApp();
    const add = app.defineTask('add', ({ a, b }: { a: number; b: number }) => a + b);
    const double = app.defineTask('double', (n: number) => n * 2);
    const show = app.defineTask('show', (n: number) => `= ${n}`);
    await app.process();
    const handle = await chain<string>(add.with({ a: 1, b: 2 }), double.with(), show.with()).enqueue();
    assert.equal(handle.ids.length, 3);
    assert.equal(await handle.result({ timeout: 10_000 }), '= 6');
    assert.deepEqual(await handle.statuses(), ['completed', 'completed', 'completed']);
  });

  test('stops a chain at a failing step: later steps never run', async ({ newApp }) => {
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
    assert.equal((error.cause as Error).message, 'step 2 broke');
    assert.equal((await handle.statuses())[2], 'unknown');
    assert.equal(lastRan, false);
  });

  test('runs a group in parallel and collects results in order; a failure rejects result()', async ({ newApp }) => {
    const app = newApp();
    const square = app.defineTask('square', (n: number) => {
      if (n < 0) throw new Error('negative');
      return n * n;
    });
    await app.process({ concurrency: 4 });
    const ok = await group<number[]>([1, 2, 3].map((n) => square.with(n))).enqueue();
    assert.deepEqual(await ok.result({ timeout: 10_000 }), [1, 4, 9]);
    const mixed = await group([square.with(2), square.with(-1)]).enqueue();
    assert.equal((await rejection(mixed.result({ timeout: 10_000 }))).code, 'ERR_TASK_FAILED');
    assert.deepEqual(
      (await mixed.settled({ timeout: 10_000 })).map((entry) => entry.status),
      ['fulfilled', 'rejected'],
    );
  });
}

function rateLimitTests(test: ContractTest): void {
  test('rate-limits a task: at most `max` starts per `duration`', async ({ newApp }) => {
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
      assert.ok(starts[index + 2]! - starts[index]! >= 250, `starts ${starts.join(', ')}`);
    }
    assert.ok(starts[4]! - starts[0]! >= 550, `starts ${starts.join(', ')}`);
  });

  test('stops waiting for the rate limit when cancelled, and drops a job whose turn comes after expiresAt', async ({
    newApp,
  }) => {
    const app = newApp();
    const ran: string[] = [];
    const limited = app.defineTask(
      'one-in-two-seconds',
      (label: string) => {
        ran.push(label);
        return label;
      },
      { rateLimit: { max: 1, duration: 2000 } },
    );
    await app.process({ concurrency: 4 });
    // The next slot opens two seconds after the first start at the earliest, so after `before + 2000`.
    const before = Date.now();
    assert.equal(await (await limited.enqueue('first')).result({ timeout: 10_000 }), 'first');
    // Both now wait for the next slot.
    const cancelled = await limited.enqueue('cancelled');
    const staleExpiresAt = Date.now() + 50;
    const stale = await limited.enqueue('stale', { expiresAt: staleExpiresAt });
    await until(async () => ['active', 'completed'].includes(await cancelled.status()));
    const didCancel = await cancelled.cancel();
    // A cancel that returned before the slot could open found the job waiting for it: it must
    // stop it. On a machine so busy that the slot opened first, the job may have run: both are right.
    const cancelInTime = Date.now() < before + 2000;
    if (cancelInTime) assert.equal(didCancel, true);
    if (didCancel) assert.equal((await rejection(cancelled.result({ timeout: 10_000 }))).code, 'ERR_CANCELLED');
    else assert.equal(await cancelled.result({ timeout: 10_000 }), 'cancelled');
    // The stale job's turn comes at a slot, after `before + 2000`: when it expired before then, it is dropped.
    if (staleExpiresAt < before + 2000) {
      assert.equal((await rejection(stale.result({ timeout: 10_000 }))).code, 'ERR_EXPIRED');
      assert.ok(!ran.includes('stale'), `ran: ${ran.join(', ')}`);
    } else {
      await stale.result({ timeout: 10_000 }).catch((error: unknown) => {
        assert.equal((error as { code?: unknown }).code, 'ERR_EXPIRED');
      });
    }
    if (cancelInTime) assert.deepEqual(ran, ['first']);
    else assert.equal(ran[0], 'first');
  });
}

function scheduleTests(test: ContractTest): void {
  test('fires an interval schedule repeatedly; upserts are idempotent and undeclared schedules are pruned', async ({
    newApp,
  }) => {
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
    assert.deepEqual(listed.map((s) => s.id).sort(), ['heartbeat', 'nightly']);
    const nightly = listed.find((s) => s.id === 'nightly');
    assert.deepEqual(nightly?.spec, { cron: '0 3 * * *', tz: 'Europe/Paris' });
    await until(() => ticks.length >= 2);
    assert.equal(new Set(ticks).size, ticks.length);
    // Only the heartbeat ticked, unless the wall clock reached the nightly's 03:00 in Paris meanwhile.
    assert.equal(typeof nightly?.next, 'number', 'the nightly schedule has a next fire time');
    if (Date.now() < (nightly?.next ?? 0)) {
      assert.ok(
        ticks.every((entry) => entry.startsWith('hb:')),
        `ticks ${ticks.join(', ')}`,
      );
    }
    const other = createTaskApp({ backend: app.backend });
    other.defineTask('tick', () => {});
    await other.syncSchedules();
    assert.deepEqual(await app.schedules(), []);
  });

  test('replaces a schedule whose spec changed in a redeploy, without a second copy or a stale tick', async ({
    newApp,
    factory,
  }) => {
    const backend = factory();
    const before = newApp(backend);
    const tickBefore = before.defineTask('tick', () => {});
    before.schedule('report', { every: 60_000 }, tickBefore, 'v1');
    before.schedule('retired', { every: 60_000 }, tickBefore, 'old');
    await before.syncSchedules();
    await before.syncSchedules(); // a restart with the same code changes nothing
    assert.deepEqual((await before.schedules()).map((s) => s.id).sort(), ['report', 'retired']);

    const after = newApp(backend); // the next deploy, on the same backend
    const tickAfter = after.defineTask('tick', () => {});
    after.schedule('report', { cron: '0 3 * * *', tz: 'Europe/Paris' }, tickAfter, 'v2');
    const nextFire = () => CronExpressionParser.parse('0 3 * * *', { tz: 'Europe/Paris' }).next().getTime();
    const nextBefore = nextFire();
    await after.syncSchedules();
    const listed = await after.schedules();
    const nextAfter = nextFire();
    assert.deepEqual(
      listed.map(({ id, spec, payload }) => ({ id, spec, payload })),
      [{ id: 'report', spec: { cron: '0 3 * * *', tz: 'Europe/Paris' }, payload: 'v2' }],
    );
    // The next fire time is the new spec's, not one left over from the interval (the two differ
    // only when the wall clock reached 03:00 in Paris during the sync).
    assert.ok(
      listed[0]?.next === nextBefore || listed[0]?.next === nextAfter,
      `next: ${listed[0]?.next}, expected ${nextBefore} or ${nextAfter}`,
    );
  });
}

function inspectionTests(test: ContractTest): void {
  test('lists jobs by state, most recent first', async ({ newApp }) => {
    const app = newApp();
    const job = app.defineTask('listed', (n: number) => n);
    const later = await job.enqueue(9, { delay: 60_000 });
    const first = await job.enqueue(1);
    await sleep(5);
    const second = await job.enqueue(2, { priority: 3 });
    assert.deepEqual(
      (await app.list('delayed')).map((record) => record.id),
      [later.id],
    );
    assert.deepEqual(
      (await app.list('waiting')).map((record) => [record.id, record.data.payload]),
      [
        [second.id, 2],
        [first.id, 1],
      ],
    );
    assert.equal((await app.list('waiting', { start: 1, end: 1 })).length, 1);
    await app.process();
    await second.result({ timeout: 10_000 });
    await first.result({ timeout: 10_000 });
    const done = await app.list('completed');
    assert.deepEqual(done.map((record) => record.id).sort(), [first.id, second.id].sort());
    assert.ok(done.every((record) => record.status === 'completed'));
    assert.throws(() => app.list('stalled' as never), /Expected `state` to be one of waiting/);
  });

  test('counts jobs by state', async ({ newApp }) => {
    const app = newApp();
    const ok = app.defineTask('ok', () => 1);
    const bad = app.defineTask('bad', () => {
      throw new Error('no');
    });
    await ok.enqueue(undefined, { delay: 60_000 });
    await app.process();
    await (await ok.enqueue(undefined)).result({ timeout: 10_000 });
    await rejection((await bad.enqueue(undefined)).result({ timeout: 10_000 }));
    assert.deepEqual(await app.stats(), { waiting: 0, active: 0, delayed: 1, completed: 1, failed: 1 });
  });

  test('lets an active job finish on close()', async ({ newApp }) => {
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
    assert.equal(finished, true);
    await assert.rejects(app.readinessCheck().check(new AbortController().signal), { name: 'TaskError' });
  });

  test('offers a readiness check', async ({ newApp }) => {
    const app = newApp();
    const check = app.readinessCheck();
    assert.equal(check.name, 'tasks');
    assert.equal(await check.check(new AbortController().signal), undefined);
  });

  test('runs a task inline with run(), under its time limit', async ({ newApp }) => {
    const app = newApp();
    const greet = app.defineTask('greet', (name: string) => `hi ${name}`);
    assert.equal(await greet.run('ada'), 'hi ada');
    const hang = app.defineTask('hang-inline', () => new Promise(() => {}), { timeLimit: 50 });
    assert.equal((await rejection(hang.run(undefined))).code, 'ERR_TIME_LIMIT');
  });
}
