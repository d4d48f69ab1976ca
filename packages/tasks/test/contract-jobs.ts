import type { EnqueueLike } from '@adv/types';
import { expect, it } from 'vitest';
import { chain, createTaskApp, TaskError } from '../src/index.js';
import { FAST, rejection, type SuiteContext, sleep, until } from './helpers.js';

/** Contract: enqueue options, retries, limits, expiry, cancellation and bad input. */
export function jobContract({ newApp, factory }: SuiteContext): void {
  it('enqueues, runs and returns the result; a task satisfies EnqueueLike', async () => {
    const app = newApp();
    const add = app.defineTask('add', ({ a, b }: { a: number; b: number }) => a + b);
    const asEnqueueLike: EnqueueLike<{ a: number; b: number }> = add;
    await app.process({ concurrency: 2 });
    const handle = await asEnqueueLike.enqueue({ a: 2, b: 3 });
    expect(typeof handle.id).toBe('string');
    const typed = app.handle<number>(handle.id);
    expect(await typed.result({ timeout: 10_000 })).toBe(5);
    expect(await typed.status()).toBe('completed');
    expect(app.backend.backendInfo.name).toMatch(/^@adv\/tasks:/);
  });

  it('runs a delayed job (delay in ms, or `at`) only after it is due', async () => {
    const app = newApp();
    const ran: string[] = [];
    const mark = app.defineTask('mark', (label: string) => {
      ran.push(label);
      return label;
    });
    await app.process();
    const later = await mark.enqueue('later', { delay: 400 });
    expect(await later.status()).toBe('delayed');
    const past = await mark.enqueue('past', { at: new Date(Date.now() - 1000) });
    expect(await past.result({ timeout: 10_000 })).toBe('past');
    expect(await later.result({ timeout: 10_000 })).toBe('later');
    expect(ran).toEqual(['past', 'later']);
  });

  it('keeps a job with an ETA beyond 24.8 days delayed: a job due sooner runs first and it does not', async () => {
    const app = newApp();
    const ran: string[] = [];
    const mark = app.defineTask('mark', (label: string) => {
      ran.push(label);
      return label;
    });
    await app.process({ concurrency: 1 });
    const far = await mark.enqueue('far', { at: Date.now() + 40 * 86_400_000 });
    // setTimeout turns an overflowing delay into 1 ms: the far job would run before this one.
    expect(await (await mark.enqueue('soon', { delay: 100 })).result({ timeout: 10_000 })).toBe('soon');
    expect(ran).toEqual(['soon']);
    expect(await far.status()).toBe('delayed');
    expect((await app.list('delayed')).map((record) => record.id)).toEqual([far.id]);
  });

  it('deduplicates by jobId: the second enqueue returns the same job, which runs once', async () => {
    const app = newApp();
    let runs = 0;
    const once = app.defineTask('once', () => ++runs);
    const first = await once.enqueue(undefined, { jobId: 'report-42', delay: 200 });
    const second = await once.enqueue(undefined, { jobId: 'report-42' });
    expect(second.id).toBe(first.id);
    await app.process();
    expect(await first.result({ timeout: 10_000 })).toBe(1);
    expect(runs).toBe(1);
  });

  it('runs unprioritised jobs first, then by priority (1 first)', async () => {
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
    expect(order).toEqual(['none', 'p1', 'p2', 'p3']);
  });

  it('retries with backoff, emitting retrying then completed', async () => {
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
    expect(await (await flaky.enqueue(undefined)).result({ timeout: 10_000 })).toBe('ok');
    expect(events).toEqual(['active:1', 'retrying:1', 'active:2', 'retrying:2', 'active:3', 'completed:3']);
  });

  it('does not retry errors retryOn rejects; the dead-letter view lists them and retries them', async () => {
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
    expect(error).toBeInstanceOf(TaskError);
    expect(error.code).toBe('ERR_TASK_FAILED');
    expect((error.cause as Error).message).toBe('bad input');
    expect(calls).toBe(1);
    expect(failed).toEqual([handle.id]);
    const dead = await app.failed();
    expect(dead.map((job) => [job.id, job.task, job.error.name, job.error.message])).toEqual([
      [handle.id, 'strict', 'RangeError', 'bad input'],
    ]);
    expect((await app.stats()).failed).toBe(1);
    await app.retryFailed(handle.id);
    expect(await handle.result({ timeout: 10_000 })).toBe('fixed');
    expect(await app.failed()).toEqual([]);
  });

  it('aborts a handler that never returns at its time limit (ERR_TIME_LIMIT), and the worker goes on', async () => {
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
    expect(error.code).toBe('ERR_TIME_LIMIT');
    expect(sawAbort).toBe(true);
    expect(await (await quick.enqueue(undefined)).result({ timeout: 10_000 })).toBe('still working');
  });

  it('drops a job that waited past expiresAt without running it (ERR_EXPIRED)', async () => {
    const app = newApp();
    let runs = 0;
    const stale = app.defineTask('stale', () => ++runs, { attempts: 3 });
    await app.process();
    const handle = await stale.enqueue(undefined, { delay: 300, expiresAt: Date.now() + 50 });
    const error = await rejection(handle.result({ timeout: 10_000 }));
    expect(error.code).toBe('ERR_EXPIRED');
    expect(runs).toBe(0);
    expect(await handle.status()).toBe('failed');
  });

  it('cancels a delayed job: it never runs and result() rejects with ERR_CANCELLED', async () => {
    const app = newApp();
    let runs = 0;
    const later = app.defineTask('later', () => ++runs);
    await app.process();
    const handle = await later.enqueue(undefined, { delay: 300 });
    expect(await handle.cancel()).toBe(true);
    expect(await handle.status()).toBe('cancelled');
    expect((await rejection(handle.result({ timeout: 5000 }))).code).toBe('ERR_CANCELLED');
    expect(await handle.cancel()).toBe(false);
    await sleep(400);
    expect(runs).toBe(0);
  });

  it('cancels an active job run by this process: its signal aborts and it ends cancelled', async () => {
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
    expect(await handle.cancel()).toBe(true);
    expect((await rejection(handle.result({ timeout: 10_000 }))).code).toBe('ERR_CANCELLED');
    expect(await handle.status()).toBe('cancelled');
    expect((reason as TaskError).code).toBe('ERR_CANCELLED');
    // Cancelled is not failed: it stays out of the dead-letter view and the failed count.
    await until(async () => (await app.stats()).failed === 0);
    expect(await app.failed()).toEqual([]);
    expect(await handle.status()).toBe('cancelled');
  });

  it('discards the result of an active job cancelled while its handler ignored the signal', async () => {
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
    expect(await handle.cancel()).toBe(true);
    release?.();
    expect((await rejection(handle.result({ timeout: 10_000 }))).code).toBe('ERR_CANCELLED');
    expect((await handle.statuses())[0]).toBe('cancelled');
    await sleep(200);
    expect(nextRan).toBe(false);
  });

  it('fails a job whose task this worker does not define (ERR_UNKNOWN_TASK), without crashing', async () => {
    const backend = factory();
    const producer = createTaskApp({ backend });
    const worker = newApp(backend);
    const ghost = producer.defineTask('ghost', () => 'never');
    const known = worker.defineTask('known', () => 'fine');
    await worker.process();
    const error = await rejection((await ghost.enqueue(undefined)).result({ timeout: 10_000 }));
    expect(error.code).toBe('ERR_UNKNOWN_TASK');
    expect(error.message).toContain('ghost');
    expect(await (await known.enqueue(undefined)).result({ timeout: 10_000 })).toBe('fine');
  });

  it('rejects a payload that cannot be serialised before queuing anything', async () => {
    const app = newApp();
    const store = app.defineTask('store', (value: unknown) => value);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [{ when: new Date() }, { n: 10n }, cyclic, { f: () => 1 }, [undefined]]) {
      const error = await rejection(store.enqueue(bad));
      expect(error.code).toBe('ERR_NOT_SERIALIZABLE');
    }
    expect(await app.stats()).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('keeps the payload and result as they were: later changes to the objects never reach the job', async () => {
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
    const value = await handle.result({ timeout: 10_000 });
    result.list.push(2);
    expect(value).toEqual({ items: [1, 2, 99], nested: { n: 1 }, result: { list: [1] } });
    expect((await handle.info())?.data.payload).toEqual({ items: [1, 2], nested: { n: 1 } });
    expect(await handle.result({ timeout: 10_000 })).toEqual({
      items: [1, 2, 99],
      nested: { n: 1 },
      result: { list: [1] },
    });
  });

  it('fails a job whose result cannot be serialised', async () => {
    const app = newApp();
    const leaky = app.defineTask('leaky', () => new Map());
    await app.process();
    expect((await rejection((await leaky.enqueue(undefined)).result({ timeout: 10_000 }))).code).toBe(
      'ERR_NOT_SERIALIZABLE',
    );
  });
}
