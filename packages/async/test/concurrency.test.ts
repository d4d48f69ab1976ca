import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { type AsyncError, createWorkerPool, deadline, gather, limit, offload } from '../src/index.js';
import { sleep } from './helpers.js';

describe('limit', () => {
  it('never runs more than n calls at once and returns each result', async () => {
    const run = limit(2);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        run(async () => {
          active += 1;
          peak = Math.max(peak, active);
          await sleep(5);
          active -= 1;
          return n * 10;
        }),
      ),
    );
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
    expect(run.activeCount).toBe(0);
    expect(run.pendingCount).toBe(0);
  });

  it('propagates failures and cancels queued calls with their signal', async () => {
    const run = limit(1);
    const blocker = run(() => sleep(30));
    const controller = new AbortController();
    const queued = run(() => 'never', { signal: controller.signal });
    expect(run.pendingCount).toBe(1);
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await blocker;
    await expect(run(() => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
  });
});

describe('gather', () => {
  it('resolves results in task order with bounded concurrency', async () => {
    let active = 0;
    let peak = 0;
    const tasks = [30, 10, 20].map((ms) => async () => {
      active += 1;
      peak = Math.max(peak, active);
      await sleep(ms);
      active -= 1;
      return ms;
    });
    expect(await gather(tasks, { concurrency: 2 })).toEqual([30, 10, 20]);
    expect(peak).toBe(2);
  });

  it('rejects on the first failure and aborts the other tasks', async () => {
    let otherAborted = false;
    const result = gather<unknown>([
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            otherAborted = true;
            resolve('stopped');
          });
        }),
      async () => {
        await sleep(5);
        throw new Error('first failure');
      },
    ]);
    await expect(result).rejects.toThrow('first failure');
    expect(otherAborted).toBe(true);
  });

  it('times out with ERR_TIMEOUT and aborts running tasks', async () => {
    let reason: unknown;
    const result = gather(
      [
        (signal) =>
          new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              reason = signal.reason;
              resolve(reason);
            }),
          ),
      ],
      {
        timeout: 20,
      },
    );
    await expect(result).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    expect((reason as AsyncError).code).toBe('ERR_TIMEOUT');
  });

  it('is cancelled by its signal and does not start queued tasks', async () => {
    const controller = new AbortController();
    let started = 0;
    const task = (signal: AbortSignal) => {
      started += 1;
      return new Promise((resolve) => signal.addEventListener('abort', resolve));
    };
    const result = gather([task, task, task], { concurrency: 1, signal: controller.signal });
    await sleep(5);
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await sleep(5);
    expect(started).toBe(1);
  });

  it('settles every task with settle: true (asyncio return_exceptions)', async () => {
    const results = await gather([() => 1, () => Promise.reject(new Error('x'))], { settle: true });
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(results[1]).toMatchObject({ status: 'rejected' });
  });
});

describe('deadline', () => {
  it('answers 503 at the deadline and aborts the handler signal with ERR_TIMEOUT', async () => {
    let reason: unknown;
    const handler = deadline(20);
    const response = await handler(
      new Request('http://x/'),
      (request) =>
        new Promise((resolve) => {
          request.signal.addEventListener('abort', () => {
            reason = request.signal.reason;
            resolve(new Response('late'));
          });
        }),
    );
    expect(response.status).toBe(503);
    expect((reason as AsyncError).code).toBe('ERR_TIMEOUT');
  });

  it('passes a timely response (and a request body) through', async () => {
    const handler = deadline(5_000, { status: 504 });
    const response = await handler(
      new Request('http://x/', { method: 'POST', body: 'payload' }),
      async (request) => new Response(await request.text()),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('payload');
  });
});

describe('gather of a tuple', () => {
  it('resolves a tuple typed task by task', async () => {
    const [user, orders] = await gather([async () => ({ name: 'Ann' }), () => [1, 2]]);
    // Typed per task: these would not compile against a single T.
    const name: string = user.name;
    const count: number = orders.length;
    expect([name, count]).toEqual(['Ann', 2]);
    const [first, second] = await gather([() => 1, async () => Promise.reject(new Error('no'))], { settle: true });
    expect(first).toEqual({ status: 'fulfilled', value: 1 });
    expect(second.status).toBe('rejected');
  });
});

describe('offload', () => {
  const pool = createWorkerPool({ size: 2 });
  afterAll(() => pool.destroy());

  it('runs a self-contained function in a worker thread with arguments', async () => {
    const result = await pool.run(
      (limit: number) => {
        const { threadId } = require('node:worker_threads');
        let sum = 0;
        for (let i = 0; i < limit; i += 1) sum += i;
        return { sum, threadId };
      },
      [1000],
    );
    expect(result.sum).toBe(499_500);
    expect(result.threadId).toBeGreaterThan(0);
  });

  it('keeps the event loop free while the work runs', async () => {
    // The worker spins until a timer of the main thread has fired, which work done on the main
    // thread would never let happen: it waits for that event, not for a duration (300 ms of
    // spinning could pass without the main thread being scheduled on a busy machine).
    const ticked = new Int32Array(new SharedArrayBuffer(4));
    const timer = setInterval(() => Atomics.store(ticked, 0, 1), 5);
    const seen = await pool.run(
      (flag: Int32Array) => {
        const end = Date.now() + 20_000;
        while (Atomics.load(flag, 0) === 0 && Date.now() < end) {
          /* busy */
        }
        return Atomics.load(flag, 0) === 1;
      },
      [ticked],
    );
    clearInterval(timer);
    expect(seen).toBe(true);
  });

  it('rejects with the worker error and keeps serving', async () => {
    await expect(
      pool.run(() => {
        throw new RangeError('bad input');
      }),
    ).rejects.toMatchObject({ name: 'RangeError', message: 'bad input' });
    await expect(pool.run((a: number, b: number) => a + b, [2, 3])).resolves.toBe(5);
  });

  it('replaces a worker that exits, rejecting its call with ERR_WORKER', async () => {
    await expect(pool.run(() => process.exit(3))).rejects.toMatchObject({ code: 'ERR_WORKER' });
    await expect(pool.run(() => 'alive')).resolves.toBe('alive');
  });

  it('aborts a running call by terminating its worker', async () => {
    const controller = new AbortController();
    const running = pool.run(() => new Promise(() => {}), [], { signal: controller.signal });
    await sleep(20);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await expect(pool.run(() => 42)).resolves.toBe(42);
  });

  it('lets the process exit once the pool is idle, and not before a call answers', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/offload-exit.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill();
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    // Before the fix the child never exited (the idle workers held it): this waited forever.
    const [code] = (await once(child, 'exit')) as [number | null];
    expect([code, out]).toEqual([0, '["HI",5]']);
  }, 60_000);

  it('offload() uses a shared pool', async () => {
    await expect(offload((text: string) => text.toUpperCase(), ['hi'])).resolves.toBe('HI');
  });

  it('rejects calls after destroy with ERR_CLOSED', async () => {
    const small = createWorkerPool({ size: 1 });
    const pending = small.run(() => new Promise(() => {})).catch((error: unknown) => error);
    await small.destroy();
    expect(await pending).toMatchObject({ code: 'ERR_CLOSED' });
    await expect(small.run(() => 1)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
});
