/**
 * The contract every task backend passes: the memory and BullMQ test files each wire it in with
 * their factory, so both backends run the very same tests for real.
 */
import type { EnqueueLike } from '@adv/types';
import { afterEach, describe, expect, it } from 'vitest';
import { chain, createTaskApp, group, type TaskApp, type TaskBackend, TaskError } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until true (or fails after `timeout` ms): no fixed sleeps in assertions. */
export async function until(condition: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function rejection(promise: Promise<unknown>): Promise<TaskError> {
  try {
    await promise;
  } catch (error) {
    return error as TaskError;
  }
  throw new Error('expected a rejection');
}

const FAST = { delay: 10, jitter: 0 };

export function taskBackendSuite(name: string, factory: () => TaskBackend): void {
  describe(`task backend contract: ${name}`, { timeout: 30_000 }, () => {
    const apps: TaskApp[] = [];
    const newApp = (backend = factory()) => {
      const app = createTaskApp({ backend });
      apps.push(app);
      return app;
    };
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 2000 })));
    });

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
      app.on('retrying', (event) => events.push(`retrying:${event.attempt}`));
      app.on('completed', (event) => events.push(`completed:${event.attempt}`));
      await app.process();
      expect(await (await flaky.enqueue(undefined)).result({ timeout: 10_000 })).toBe('ok');
      expect(events).toEqual(['retrying:1', 'retrying:2', 'completed:3']);
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

    it('fails a job whose result cannot be serialised', async () => {
      const app = newApp();
      const leaky = app.defineTask('leaky', () => new Map());
      await app.process();
      expect((await rejection((await leaky.enqueue(undefined)).result({ timeout: 10_000 }))).code).toBe(
        'ERR_NOT_SERIALIZABLE',
      );
    });

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
      expect((await mixed.settled({ timeout: 10_000 })).map((entry) => entry.status)).toEqual([
        'fulfilled',
        'rejected',
      ]);
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
      // Lower bounds only (a slow machine can only make gaps longer).
      expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(250);
      expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(500);
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
  });
}
