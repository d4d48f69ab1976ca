/** Contract: enqueue options, retries, limits, expiry, cancellation and bad input. */
import assert from 'node:assert/strict';
import type { EnqueueLike } from '@adv/types';
import { createTaskApp } from '../app.js';
import { chain } from '../compose.js';
import type { ResolvedContractOptions } from './options.js';
import { type ContractTest, FAST, rejection, sleep, until } from './runner.js';

export function jobTests(test: ContractTest, options: ResolvedContractOptions): void {
  enqueueTests(test, options);
  orderTests(test);
  failureTests(test);
  cancelTests(test);
  inputTests(test);
}

/** Enqueue, delays and ETAs. */
function enqueueTests(test: ContractTest, options: ResolvedContractOptions): void {
  test('enqueues, runs and returns the result; a task satisfies EnqueueLike', async ({ newApp }) => {
    const app = newApp();
    const add = app.defineTask('add', ({ a, b }: { a: number; b: number }) => a + b);
    const asEnqueueLike: EnqueueLike<{ a: number; b: number }> = add;
    await app.process({ concurrency: 2 });
    const handle = await asEnqueueLike.enqueue({ a: 2, b: 3 });
    assert.equal(typeof handle.id, 'string');
    const typed = app.handle<number>(handle.id);
    assert.equal(await typed.result({ timeout: 10_000 }), 5);
    assert.equal(await typed.status(), 'completed');
    const { name } = app.backend.backendInfo;
    if (options.backendName === undefined) assert.ok(typeof name === 'string' && name !== '', 'backendInfo.name');
    else assert.equal(name, options.backendName);
  });

  test('runs a delayed job (delay in ms, or `at`) only after it is due', async ({ newApp }) => {
    const app = newApp();
    const ran: string[] = [];
    const startedAt = new Map<string, number>();
    const mark = app.defineTask('mark', (label: string) => {
      ran.push(label);
      startedAt.set(label, Date.now());
      return label;
    });
    await app.process();
    const enqueuedAt = Date.now();
    const later = await mark.enqueue('later', { delay: 2_000 });
    const status = await later.status();
    // On a machine busy enough that two seconds passed since enqueue, the job may already be due.
    if (Date.now() - enqueuedAt < 2_000) assert.equal(status, 'delayed');
    const past = await mark.enqueue('past', { at: new Date(Date.now() - 1000) });
    assert.equal(await past.result({ timeout: 10_000 }), 'past');
    // 'later' runs after 'past' only while it is not due yet: on a machine so busy that two seconds
    // passed before 'past' ran, either order is right (then the start time below still checks it).
    if (Date.now() - enqueuedAt < 2_000) assert.deepEqual(ran, ['past']);
    assert.equal(await later.result({ timeout: 10_000 }), 'later');
    assert.deepEqual([...ran].sort(), ['later', 'past']);
    // Never before it is due (lower bound only; 50 ms of slack for timer granularity).
    const laterStart = startedAt.get('later') ?? 0;
    assert.ok(laterStart - enqueuedAt >= 1_950, `'later' started ${laterStart - enqueuedAt} ms after its enqueue`);
  });

  test('keeps a job with an ETA beyond 24.8 days delayed: a job due sooner runs first and it does not', async ({
    newApp,
  }) => {
    const app = newApp();
    const ran: string[] = [];
    const mark = app.defineTask('mark', (label: string) => {
      ran.push(label);
      return label;
    });
    await app.process({ concurrency: 1 });
    const far = await mark.enqueue('far', { at: Date.now() + 40 * 86_400_000 });
    // setTimeout turns an overflowing delay into 1 ms: the far job would run before this one.
    assert.equal(await (await mark.enqueue('soon', { delay: 100 })).result({ timeout: 10_000 }), 'soon');
    assert.deepEqual(ran, ['soon']);
    assert.equal(await far.status(), 'delayed');
    assert.deepEqual(
      (await app.list('delayed')).map((record) => record.id),
      [far.id],
    );
  });
}

/** Deduplication, priority and retries with backoff. */
function orderTests(test: ContractTest): void {
  test('deduplicates by jobId: the second enqueue returns the same job, which runs once', async ({ newApp }) => {
    const app = newApp();
    let runs = 0;
    const once = app.defineTask('once', () => ++runs);
    const first = await once.enqueue(undefined, { jobId: 'report-42', delay: 200 });
    const second = await once.enqueue(undefined, { jobId: 'report-42' });
    assert.equal(second.id, first.id);
    await app.process();
    assert.equal(await first.result({ timeout: 10_000 }), 1);
    assert.equal(runs, 1);
  });

  test('runs unprioritised jobs first, then by priority (1 first)', async ({ newApp }) => {
    const app = newApp();
    const order: string[] = [];
    const note = app.defineTask('note', (label: string) => {
      order.push(label);
    });
    const handles = [
      await note.enqueue('p3', { priority: 3 }),
      await note.enqueue('p1', { priority: 1 }),
      await note.enqueue('none'),
      await note.enqueue('p2', { priority: 2 }),
    ];
    await app.process({ concurrency: 1 });
    await Promise.all(handles.map((handle) => handle.result({ timeout: 10_000 })));
    assert.deepEqual(order, ['none', 'p1', 'p2', 'p3']);
  });

  test('retries with backoff, emitting retrying then completed', async ({ newApp }) => {
    const app = newApp();
    let calls = 0;
    const flaky = app.defineTask(
      'flaky',
      () => {
        calls += 1;
        if (calls < 3) throw new Error(`boom ${calls}`);
        return 'ok';
      },
      { attempts: 3, backoff: FAST },
    );
    const events: string[] = [];
    app.on('active', (event) => events.push(`active:${event.attempt}`));
    app.on('retrying', (event) => events.push(`retrying:${event.attempt}`));
    app.on('completed', (event) => events.push(`completed:${event.attempt}`));
    await app.process();
    assert.equal(await (await flaky.enqueue(undefined)).result({ timeout: 10_000 }), 'ok');
    assert.deepEqual(events, ['active:1', 'retrying:1', 'active:2', 'retrying:2', 'active:3', 'completed:3']);
  });
}

/** RetryOn and the dead-letter view, time limits, expiry. */
function failureTests(test: ContractTest): void {
  test('does not retry errors retryOn rejects; the dead-letter view lists them and retries them', async ({
    newApp,
  }) => {
    const app = newApp();
    let calls = 0;
    const strict = app.defineTask(
      'strict',
      () => {
        calls += 1;
        if (calls === 1) throw new RangeError('bad input');
        return 'fixed';
      },
      { attempts: 5, backoff: FAST, retryOn: (error) => !(error instanceof RangeError) },
    );
    const failed: string[] = [];
    app.on('failed', (event) => failed.push(event.id));
    await app.process();
    const handle = await strict.enqueue(undefined);
    const error = await rejection(handle.result({ timeout: 10_000 }));
    assert.equal(error.code, 'ERR_TASK_FAILED');
    assert.equal((error.cause as Error).message, 'bad input');
    assert.equal(calls, 1);
    assert.deepEqual(failed, [handle.id]);
    const dead = await app.failed();
    assert.deepEqual(
      dead.map((job) => [job.id, job.task, job.error.name, job.error.message]),
      [[handle.id, 'strict', 'RangeError', 'bad input']],
    );
    assert.equal((await app.stats()).failed, 1);
    await app.retryFailed(handle.id);
    assert.equal(await handle.result({ timeout: 10_000 }), 'fixed');
    assert.deepEqual(await app.failed(), []);
  });

  test('aborts a handler that never returns at its time limit (ERR_TIME_LIMIT), and the worker goes on', async ({
    newApp,
  }) => {
    const app = newApp();
    let sawAbort = false;
    const hang = app.defineTask(
      'hang',
      (_: undefined, { signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
          });
        }),
      { timeLimit: 200 },
    );
    const quick = app.defineTask('quick', () => 'still working');
    await app.process({ concurrency: 1 });
    const error = await rejection((await hang.enqueue(undefined)).result({ timeout: 10_000 }));
    assert.equal(error.code, 'ERR_TIME_LIMIT');
    assert.equal(sawAbort, true);
    assert.equal(await (await quick.enqueue(undefined)).result({ timeout: 10_000 }), 'still working');
  });

  test('drops a job that waited past expiresAt without running it (ERR_EXPIRED)', async ({ newApp }) => {
    const app = newApp();
    let runs = 0;
    const stale = app.defineTask('stale', () => ++runs, { attempts: 3 });
    await app.process();
    const handle = await stale.enqueue(undefined, { delay: 300, expiresAt: Date.now() + 50 });
    const error = await rejection(handle.result({ timeout: 10_000 }));
    assert.equal(error.code, 'ERR_EXPIRED');
    assert.equal(runs, 0);
    assert.equal(await handle.status(), 'failed');
  });
}

/** Cancelling delayed and active jobs. */
function cancelTests(test: ContractTest): void {
  test('cancels a delayed job: it never runs and result() rejects with ERR_CANCELLED', async ({ newApp }) => {
    const app = newApp();
    let runs = 0;
    const later = app.defineTask('later', () => ++runs);
    await app.process();
    // Due in 2 s; then wait past its due time. A cancel that returns within those 2 s (any
    // machine but a very busy one) found it delayed, so it must cancel it.
    const enqueuedAt = Date.now();
    const handle = await later.enqueue(undefined, { delay: 2_000 });
    const cancelled = await handle.cancel();
    const inTime = Date.now() - enqueuedAt < 2_000;
    if (inTime) assert.equal(cancelled, true);
    if (cancelled) {
      assert.equal(await handle.status(), 'cancelled');
      assert.equal((await rejection(handle.result({ timeout: 5000 }))).code, 'ERR_CANCELLED');
      assert.equal(await handle.cancel(), false);
      await sleep(Math.max(0, enqueuedAt + 2_200 - Date.now()));
      // A cancel that came as it started (busy machine) may have let it run once; never after.
      if (inTime) assert.equal(runs, 0);
      else assert.ok(runs <= 1, `runs: ${runs}`);
    } else {
      // Too late on a busy machine: it was due and ran, once.
      assert.equal(await handle.result({ timeout: 10_000 }), 1);
      assert.equal(runs, 1);
    }
  });

  test('cancels an active job run by this process: its signal aborts and it ends cancelled', async ({ newApp }) => {
    const app = newApp();
    let started = false;
    let reason: unknown;
    const wait = app.defineTask(
      'wait',
      (_: undefined, { signal }) =>
        new Promise((resolve) => {
          started = true;
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            resolve('aborted');
          });
        }),
      { attempts: 3, backoff: FAST },
    );
    await app.process();
    const handle = await wait.enqueue(undefined);
    await until(() => started);
    assert.equal(await handle.cancel(), true);
    assert.equal((await rejection(handle.result({ timeout: 10_000 }))).code, 'ERR_CANCELLED');
    assert.equal(await handle.status(), 'cancelled');
    assert.equal((reason as { code?: unknown }).code, 'ERR_CANCELLED');
    // Cancelled is not failed: it stays out of the dead-letter view and the failed count.
    await until(async () => (await app.stats()).failed === 0);
    assert.deepEqual(await app.failed(), []);
    assert.equal(await handle.status(), 'cancelled');
  });

  test('discards the result of an active job cancelled while its handler ignored the signal', async ({ newApp }) => {
    const app = newApp();
    let release: (() => void) | undefined;
    let nextRan = false;
    const deaf = app.defineTask(
      'deaf',
      () => new Promise<string>((resolve) => (release = () => resolve('done anyway'))),
    );
    const next = app.defineTask('after-deaf', () => {
      nextRan = true;
    });
    await app.process();
    const handle = await chain(deaf.with(undefined), next.with()).enqueue();
    await until(() => release !== undefined);
    assert.equal(await handle.cancel(), true);
    release?.();
    assert.equal((await rejection(handle.result({ timeout: 10_000 }))).code, 'ERR_CANCELLED');
    assert.equal((await handle.statuses())[0], 'cancelled');
    await sleep(200);
    assert.equal(nextRan, false);
  });
}

/** Unknown tasks and values that cannot be serialised. */
function inputTests(test: ContractTest): void {
  test('fails a job whose task this worker does not define (ERR_UNKNOWN_TASK), without crashing', async ({
    newApp,
    factory,
  }) => {
    const backend = factory();
    const producer = createTaskApp({ backend });
    const worker = newApp(backend);
    const ghost = producer.defineTask('ghost', () => 'never');
    const known = worker.defineTask('known', () => 'fine');
    await worker.process();
    const error = await rejection((await ghost.enqueue(undefined)).result({ timeout: 10_000 }));
    assert.equal(error.code, 'ERR_UNKNOWN_TASK');
    assert.match(error.message, /ghost/);
    assert.equal(await (await known.enqueue(undefined)).result({ timeout: 10_000 }), 'fine');
  });

  test('rejects a payload that cannot be serialised before queuing anything', async ({ newApp }) => {
    const app = newApp();
    const store = app.defineTask('store', (value: unknown) => value);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [{ when: new Date() }, { n: 10n }, cyclic, { f: () => 1 }, [undefined]]) {
      const error = await rejection(store.enqueue(bad));
      assert.equal(error.code, 'ERR_NOT_SERIALIZABLE');
    }
    const { waiting, delayed } = await app.stats();
    assert.deepEqual({ waiting, delayed }, { waiting: 0, delayed: 0 });
  });

  test('keeps the payload and result as they were: later changes to the objects never reach the job', async ({
    newApp,
  }) => {
    const app = newApp();
    const result = { list: [1] };
    const echo = app.defineTask('echo-copy', (payload: { items: number[]; nested: { n: number } }) => {
      payload.items.push(99); // a handler changing its payload does not change the stored job either
      return { ...payload, result };
    });
    const payload = { items: [1, 2], nested: { n: 1 }, skipped: undefined };
    const handle = await echo.enqueue(payload, { delay: 50 });
    payload.items.push(3);
    payload.nested.n = 2;
    await app.process();
    const expected = { items: [1, 2, 99], nested: { n: 1 }, result: { list: [1] } };
    const value = await handle.result({ timeout: 10_000 });
    result.list.push(2);
    assert.deepEqual(value, expected);
    assert.deepEqual((await handle.info())?.data.payload, { items: [1, 2], nested: { n: 1 } });
    assert.deepEqual(await handle.result({ timeout: 10_000 }), expected);
  });

  test('fails a job whose result cannot be serialised', async ({ newApp }) => {
    const app = newApp();
    const leaky = app.defineTask('leaky', () => new Map());
    await app.process();
    const error = await rejection((await leaky.enqueue(undefined)).result({ timeout: 10_000 }));
    assert.equal(error.code, 'ERR_NOT_SERIALIZABLE');
  });
}
