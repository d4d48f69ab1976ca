import { backendContract } from '@adv/tasks/testing';
import { describe, expect, it } from 'vitest';
import { createTaskApp, memoryBackend } from '../src/index.js';
import { rejection, until } from './helpers.js';

backendContract({ describe, it }, () => memoryBackend(), { name: 'memory', backendName: '@adv/tasks:memory' });

describe('memory backend retention', () => {
  it('keeps the last keepCompleted finished jobs and the last keepFailed failed ones, oldest dropped first', async () => {
    const app = createTaskApp({ backend: memoryBackend({ keepCompleted: 3, keepFailed: 2 }) });
    const ok = app.defineTask('ok', (n: number) => n);
    const bad = app.defineTask('bad', (n: number) => {
      throw new Error(`bad ${n}`);
    });
    await app.process({ concurrency: 1 });
    const done = [];
    for (let n = 0; n < 2000; n++) {
      const handle = await ok.enqueue(n, { jobId: `ok-${n}` });
      await handle.result();
      done.push(handle);
    }
    const cancelled = await ok.enqueue(-1, { delay: 60_000 });
    expect(await cancelled.cancel()).toBe(true); // cancelled jobs share the completed retention
    expect(await Promise.all(done.slice(-3).map((handle) => handle.status()))).toEqual([
      'unknown',
      'completed',
      'completed',
    ]);
    expect(await cancelled.status()).toBe('cancelled');
    expect(await done[0]!.status()).toBe('unknown');
    expect((await app.stats()).completed).toBe(2);
    // A dropped job's id can be used again.
    expect(await (await ok.enqueue(7, { jobId: 'ok-0' })).result()).toBe(7);

    const failed = [];
    for (let n = 0; n < 3; n++) {
      const handle = await bad.enqueue(n);
      await rejection(handle.result());
      failed.push(handle.id);
    }
    expect((await app.failed()).map((job) => job.id)).toEqual([failed[2], failed[1]]);
    await app.retryFailed(failed[1]!);
    await rejection(app.handle(failed[1]!).result());
    expect((await app.failed()).map((job) => job.id).sort()).toEqual([failed[1], failed[2]].sort());
    await app.close();
  });
});

describe('memory backend close', () => {
  it('rejects result() of jobs that can no longer finish with ERR_BACKEND, at close rather than at their timeout', async () => {
    const app = createTaskApp();
    let release: (() => void) | undefined;
    const deaf = app.defineTask('deaf', () => new Promise<void>((resolve) => (release = resolve)));
    const queued = app.defineTask('queued', () => 'never');
    await app.process({ concurrency: 1 });
    const active = await deaf.enqueue(undefined);
    const waiting = await queued.enqueue(undefined);
    const delayed = await queued.enqueue(undefined, { delay: 60_000 });
    const results = [active, waiting, delayed].map((handle) => rejection(handle.result({ timeout: 600_000 })));
    await until(() => release !== undefined);
    await app.close({ timeout: 50 }); // the active handler ignores its signal and never returns by itself
    for (const error of await Promise.all(results)) {
      expect(error.code).toBe('ERR_BACKEND');
      expect(error.message).toContain('closed before job');
    }
    expect((await rejection(waiting.result({ timeout: 600_000 }))).code).toBe('ERR_BACKEND');
    release?.();
  });
});
