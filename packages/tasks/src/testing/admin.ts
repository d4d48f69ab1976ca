/** Contract: what operators do to a queue (remove a job, pause and resume) and what they read of schedules. */
import assert from 'node:assert/strict';
import { type ContractTest, rejection, sleep, until } from './runner.js';

export function removeTests(test: ContractTest): void {
  test('removes a job that is not running (delayed, waiting, failed) and refuses an active one', async ({ newApp }) => {
    const app = newApp();
    let release: ((value: string) => void) | undefined;
    const hold = app.defineTask('hold', () => new Promise<string>((resolve) => (release = resolve)));
    const boom = app.defineTask('boom', () => {
      throw new Error('no');
    });
    let laterRuns = 0;
    const later = app.defineTask('later', (label: string) => {
      laterRuns++;
      return label;
    });
    const delayed = await later.enqueue('delayed', { delay: 60_000 });
    assert.equal(await app.remove(delayed.id), 'removed');
    assert.equal(await delayed.status(), 'unknown');
    assert.equal(await app.remove(delayed.id), 'not-found');
    assert.equal(await app.remove('never-enqueued'), 'not-found');
    await app.process({ concurrency: 1 });
    const failed = await boom.enqueue(undefined);
    await rejection(failed.result({ timeout: 10_000 }));
    assert.equal(await failed.remove(), 'removed');
    assert.deepEqual(await app.failed(), []);
    assert.equal((await app.stats()).failed, 0);
    const active = await hold.enqueue(undefined);
    await until(() => release !== undefined);
    const waiting = await later.enqueue('removed while waiting'); // behind the active job (one slot)
    assert.equal(await app.remove(active.id), 'active');
    assert.equal(await app.remove(waiting.id), 'removed');
    release?.('done');
    assert.equal(await active.result({ timeout: 10_000 }), 'done');
    assert.equal(await (await later.enqueue('next')).result({ timeout: 10_000 }), 'next');
    assert.equal(laterRuns, 1); // the removed jobs never ran
    assert.equal(await app.remove(active.id), 'removed'); // finished now: it can go
  });

  test('a removed job frees its id for a new enqueue, and result() of a removed job rejects with ERR_NOT_FOUND', async ({
    newApp,
  }) => {
    const app = newApp();
    const echo = app.defineTask('echo', (label: string) => label);
    const first = await echo.enqueue('first', { jobId: 'report-7', delay: 60_000 });
    const waited = rejection(first.result({ timeout: 20_000 }));
    assert.equal(await app.remove('report-7'), 'removed');
    const error = await waited;
    assert.equal(error.code, 'ERR_NOT_FOUND');
    await app.process();
    const second = await echo.enqueue('second', { jobId: 'report-7' });
    assert.equal(second.id, 'report-7');
    assert.equal(await second.result({ timeout: 10_000 }), 'second');
  });
}

export function pauseTests(test: ContractTest): void {
  test('pauses and resumes the queue where the backend can (canPause): nothing starts while paused', async ({
    newApp,
  }) => {
    const app = newApp();
    const ran: string[] = [];
    const note = app.defineTask('note', (label: string) => {
      ran.push(label);
      return label;
    });
    if (!app.canPause) {
      // A backend without pause says so, and the app refuses clearly rather than pretending.
      assert.equal(await app.isPaused(), false);
      assert.equal((await rejection(app.pause())).code, 'ERR_BACKEND');
      return;
    }
    assert.equal(await app.isPaused(), false);
    await app.pause();
    await app.pause(); // twice is fine
    assert.equal(await app.isPaused(), true);
    await app.process();
    const handle = await note.enqueue('while paused');
    await sleep(400); // a negative check: given the time to start, it did not
    assert.deepEqual(ran, []);
    assert.equal(await handle.status(), 'waiting');
    assert.equal((await app.stats()).waiting, 1);
    await app.resume();
    assert.equal(await app.isPaused(), false);
    assert.equal(await handle.result({ timeout: 10_000 }), 'while paused');
    assert.deepEqual(ran, ['while paused']);
  });
}

export function scheduleViewTests(test: ContractTest): void {
  test('a schedule reports its last tick and the id of the job that tick enqueued', async ({ newApp }) => {
    const app = newApp();
    const tick = app.defineTask('tick', () => 'tock');
    app.schedule('often', { every: 200 }, tick);
    await app.process();
    let last: { at: number; jobId: string } | undefined;
    await until(async () => {
      last = (await app.schedules()).find((schedule) => schedule.id === 'often')?.last;
      return last !== undefined;
    });
    assert.ok(last && Number.isFinite(last.at) && last.at <= Date.now(), `last tick time: ${last?.at}`);
    assert.equal(await app.handle(last.jobId).result({ timeout: 10_000 }), 'tock');
  });
}
