import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { bullmqBackend } from '../src/bullmq.js';
import { tasksDashboard } from '../src/dashboard/index.js';
import { createTaskApp, memoryBackend, type TaskApp, type TaskBackend, TaskError } from '../src/index.js';
import { postgresBackend } from '../src/postgres.js';
import { sqliteBackend } from '../src/sqlite.js';
import { until } from './helpers.js';

const ORIGIN = 'http://dash.test';
const BASE = '/admin/tasks';
const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-dashboard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const redisUrl = inject('redisUrl');
const postgresUrl = inject('postgresUrl');

const get = (path: string, headers: Record<string, string> = {}) => new Request(`${ORIGIN}${BASE}${path}`, { headers });
/** A POST as a same-origin form submission from a browser. */
const post = (path: string, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin', origin: ORIGIN }) =>
  new Request(`${ORIGIN}${BASE}${path}`, { method: 'POST', headers });

type Update = { stats: Record<string, number>; charts: Record<string, string> };

/** A reader of SSE `update` events: `next(predicate)` reads until one matches and returns it. */
function sseUpdates(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(predicate: (data: Update) => boolean): Promise<Update> {
      for (;;) {
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const match = /^event: update\ndata: (.*)$/s.exec(frame);
          if (match) {
            const data = JSON.parse(match[1]!) as Update;
            if (predicate(data)) return data;
          }
          end = buffer.indexOf('\n\n');
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

const backends: [string, boolean, () => TaskBackend | undefined][] = [
  ['memory', true, () => undefined],
  ['sqlite', true, () => sqliteBackend({ filename: join(dir, `${randomUUID()}.db`) })],
  [
    'bullmq',
    Boolean(redisUrl),
    () => bullmqBackend({ connection: redisUrl as string, prefix: 'adv-dash-test', queueName: randomUUID() }),
  ],
  [
    'postgres',
    Boolean(postgresUrl),
    () =>
      postgresBackend({
        connectionString: postgresUrl as string,
        schema: `d_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
        maxConnections: 4,
      }),
  ],
];

for (const [name, available, factory] of backends) {
  describe.runIf(available)(`tasks dashboard on ${name}`, { timeout: 30_000 }, () => {
    let app: TaskApp;
    let dashboard: ReturnType<typeof tasksDashboard>;
    let allowed = true;

    function setup() {
      allowed = true;
      app = createTaskApp({ backend: factory() });
      dashboard = tasksDashboard({ app, basePath: BASE, authorize: () => allowed, liveInterval: 10 });
      const fail = app.defineTask('explode', (_payload: unknown) => {
        throw new Error('<img src=x onerror=alert(1)>');
      });
      let calls = 0;
      const flaky = app.defineTask('flaky', () => {
        calls++;
        if (calls === 1) throw new Error('first call fails');
        return { ok: calls };
      });
      const echo = app.defineTask('echo', (payload: unknown) => payload);
      return { fail, flaky, echo };
    }
    afterEach(async () => {
      dashboard.close();
      await app.close({ timeout: 2000 });
    });

    /** Waits until the job's final outcome (the error of a failed job is ignored). */
    const settle = (id: string) =>
      app
        .handle(id)
        .result({ timeout: 20_000 })
        .catch(() => undefined);

    it('renders the overview with counts and SVG charts; 403 on every route when authorize says no', async () => {
      const { echo } = setup();
      await app.process();
      await settle((await echo.enqueue(1)).id);
      const response = await dashboard(get('/'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await response.text();
      expect(html).toContain('<b data-state="completed">1</b>');
      expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
      expect(html).toMatch(/<title>\d\d:\d\d 1<\/title>/); // this minute's throughput bar
      expect(html).toContain(`new EventSource("${BASE}/events")`);
      allowed = false;
      for (const request of [get('/'), get('/events'), get('/jobs/x'), post('/failed/retry-all')]) {
        const refused = await dashboard(request);
        expect(refused.status).toBe(403);
        expect(await refused.text()).toContain('Not allowed.');
      }
    });

    it('escapes payloads and error messages, truncates huge payloads in lists, shows them whole on the job page', async () => {
      const { fail } = setup();
      await app.process();
      const script = '<script>alert("x")</script>';
      const small = await fail.enqueue({ note: script });
      const huge = await fail.enqueue({ blob: 'y'.repeat(100_000) });
      await Promise.all([settle(small.id), settle(huge.id)]);
      const html = await (await dashboard(get('/failed'))).text();
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(html).toContain('&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;');
      expect(html).toContain('more characters)');
      expect(html.length).toBeLessThan(30_000);
      expect(html).toContain('<summary>stack</summary>'); // failed in this process: its stack is kept
      const page = await (await dashboard(get(`/jobs/${encodeURIComponent(huge.id)}`))).text();
      expect(page).toContain('y'.repeat(100_000));
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    });

    it('answers 404 pages for unknown jobs and addresses, 405 for other methods', async () => {
      setup();
      const missing = await dashboard(get(`/jobs/${encodeURIComponent('<nope>')}`));
      expect(missing.status).toBe(404);
      const text = await missing.text();
      expect(text).toContain('No job `&lt;nope&gt;`');
      expect((await dashboard(get('/nothing-here'))).status).toBe(404);
      expect((await dashboard(new Request(`${ORIGIN}/elsewhere`))).status).toBe(404);
      expect((await dashboard(post('/jobs/nope/retry'))).status).toBe(404);
      expect((await dashboard(new Request(`${ORIGIN}${BASE}/`, { method: 'PUT' }))).status).toBe(405);
    });

    it('retries a failed job that then succeeds; a job that changed meanwhile gives a clear 409', async () => {
      const { flaky, echo } = setup();
      await app.process();
      const handle = await flaky.enqueue(undefined);
      await settle(handle.id);
      expect(await handle.status()).toBe('failed');
      expect(await (await dashboard(get(`/jobs/${encodeURIComponent(handle.id)}`))).text()).toContain(
        '>Retry</button>',
      );
      const retried = await dashboard(post(`/jobs/${encodeURIComponent(handle.id)}/retry`));
      expect(retried.status).toBe(303);
      expect(retried.headers.get('location')).toBe(
        `${BASE}/jobs/${encodeURIComponent(handle.id)}?message=${encodeURIComponent('Retried: the job is waiting again.')}`,
      );
      expect(await handle.result({ timeout: 20_000 })).toEqual({ ok: 2 });
      const page = await (await dashboard(get(`/jobs/${encodeURIComponent(handle.id)}`))).text();
      expect(page).toContain('<td data-status>completed</td>');
      expect(page).toContain('&quot;ok&quot;: 2');
      // Retrying it again (another click, another worker finished it): a message, not a crash.
      const again = await dashboard(post(`/jobs/${encodeURIComponent(handle.id)}/retry`));
      expect(again.status).toBe(409);
      expect(await again.text()).toContain('is completed now, not failed: nothing to retry');
      const done = await echo.enqueue(2);
      await settle(done.id);
      expect((await dashboard(post(`/jobs/${encodeURIComponent(done.id)}/retry`))).status).toBe(409);
    });

    it('retries all failed jobs', async () => {
      const { fail } = setup();
      await app.process();
      const handles = await Promise.all([1, 2, 3].map((n) => fail.enqueue(n)));
      await Promise.all(handles.map((h) => settle(h.id)));
      expect((await app.stats()).failed).toBe(3);
      const response = await dashboard(post('/failed/retry-all'));
      expect(response.status).toBe(303);
      expect(decodeURIComponent(response.headers.get('location')!)).toBe(`${BASE}/failed?message=Retried 3 job(s).`);
      const page = await (await dashboard(get('/failed?message=Retried%203%20job(s).%3Cb%3E'))).text();
      expect(page).toContain('Retried 3 job(s).&lt;b&gt;');
    });

    it('deletes a failed job; deleting it again, or a job that is not finished, gives a clear 404 or 409', async () => {
      const { fail, echo } = setup();
      await app.process();
      const handle = await fail.enqueue(1);
      await settle(handle.id);
      const action = `/jobs/${encodeURIComponent(handle.id)}/delete`;
      expect(await (await dashboard(get('/failed'))).text()).toContain(`action="${BASE}${action}"`);
      expect(await (await dashboard(get(`/jobs/${encodeURIComponent(handle.id)}`))).text()).toContain(
        '>Delete</button>',
      );
      const deleted = await dashboard(post(action));
      expect(deleted.status).toBe(303);
      expect(deleted.headers.get('location')).toBe(
        `${BASE}/failed?message=${encodeURIComponent(`Deleted job ${handle.id}.`)}`,
      );
      expect(await handle.status()).toBe('unknown');
      expect((await app.stats()).failed).toBe(0);
      // Another click (or worker) got there first: a message, not a crash.
      const again = await dashboard(post(action));
      expect(again.status).toBe(404);
      expect(await again.text()).toContain('it was removed (by another click, or by retention)');
      const later = await echo.enqueue(3, { delay: 60_000 });
      const refused = await dashboard(post(`/jobs/${encodeURIComponent(later.id)}/delete`));
      expect(refused.status).toBe(409);
      expect(await refused.text()).toContain('is delayed now, not finished: nothing deleted');
      expect(await later.status()).toBe('delayed');
    });

    it('pauses and resumes the queue (the backend can: the buttons show)', async () => {
      const { echo } = setup();
      expect(app.canPause).toBe(true);
      await app.process();
      expect(await (await dashboard(get('/'))).text()).toContain('Queue: <b data-paused="false">running</b>');
      expect((await dashboard(post('/queue/pause', { 'sec-fetch-site': 'cross-site' }))).status).toBe(403);
      expect(await app.isPaused()).toBe(false);
      const paused = await dashboard(post('/queue/pause'));
      expect(paused.status).toBe(303);
      expect(await app.isPaused()).toBe(true);
      const tasksPage = await (await dashboard(get('/tasks'))).text();
      expect(tasksPage).toContain('<b data-paused="true">paused</b>');
      expect(tasksPage).toContain(`action="${BASE}/queue/resume"`);
      const handle = await echo.enqueue('after resume');
      expect((await dashboard(post('/queue/resume'))).status).toBe(303);
      expect(await handle.result({ timeout: 20_000 })).toBe('after resume');
    });

    it('refuses cross-site and header-less POSTs (CSRF)', async () => {
      const { fail } = setup();
      await app.process();
      const handle = await fail.enqueue(0);
      await settle(handle.id);
      const action = `/jobs/${encodeURIComponent(handle.id)}/retry`;
      for (const headers of [
        {},
        { 'sec-fetch-site': 'cross-site', origin: ORIGIN },
        { 'sec-fetch-site': 'same-site' },
        { origin: 'http://evil.test' },
        { origin: 'null' },
      ]) {
        const response = await dashboard(post(action, headers));
        expect(response.status).toBe(403);
        expect(await response.text()).toContain('Cross-site request refused.');
      }
      expect(await handle.status()).toBe('failed');
      // Browsers without Sec-Fetch-Site: a same-origin Origin is enough.
      expect((await dashboard(post(action, { origin: ORIGIN }))).status).toBe(303);
    });

    it('streams live counts over SSE as jobs are enqueued', async () => {
      const { echo } = setup();
      const response = await dashboard(get('/events'));
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const updates = sseUpdates(response.body!);
      try {
        const initial = await updates.next(() => true);
        expect(initial.stats).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
        expect(initial.charts['chart-throughput']).toContain('<svg');
        await echo.enqueue(1, { delay: 60_000 });
        const later = await updates.next((data) => data.stats.delayed === 1);
        expect(later.stats.delayed).toBe(1);
      } finally {
        await updates.cancel();
      }
    });

    it('lists per-task numbers and schedules', async () => {
      const { echo, flaky } = setup();
      app.schedule('nightly', { cron: '0 3 * * *', tz: 'Europe/Paris' }, echo, '<b>');
      app.schedule(
        'beat',
        { every: 100 },
        app.defineTask('beat', () => 'tock'),
      );
      await app.process();
      const nightlyDue = (await app.schedules()).find((schedule) => schedule.id === 'nightly')?.next;
      expect(nightlyDue).toBeTypeOf('number');
      await settle((await echo.enqueue(1)).id);
      await settle((await flaky.enqueue(undefined)).id);
      const tasks = await (await dashboard(get('/tasks'))).text();
      // One echo run, unless the wall clock reached the nightly's 03:00 in Paris (it runs echo too).
      if (Date.now() < (nightlyDue as number)) {
        expect(tasks).toMatch(
          /<tr><td>echo<\/td><td>1<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>[\d.]+ ms<\/td><td>[\d.]+ ms<\/td><\/tr>/,
        );
      }
      expect(tasks).toContain('<tr><td>flaky</td><td>1</td><td>0</td><td>1</td><td>0</td><td>–</td><td>–</td></tr>');
      let schedules = '';
      await until(async () => {
        schedules = await (await dashboard(get('/schedules'))).text();
        return schedules.includes('<span data-outcome="completed">completed</span>');
      }, 20_000);
      expect(schedules).toContain('<th>Last fire</th>');
      expect(schedules).toMatch(/<code>every 100 ms<\/code><\/td><td>–<\/td>\n<td>[\d: -]+Z<\/td><td>[\d: -]+Z<\/td>/);
      expect(schedules).toContain('<code>0 3 * * *</code></td><td>Europe/Paris</td>');
      expect(schedules).toContain('&quot;&lt;b&gt;&quot;');
      expect(schedules).toMatch(/<td>\d{4}-\d\d-\d\d \d\d:00:00Z<\/td>/);
    });
  });
}

describe('tasksDashboard options', () => {
  it('fails fast on bad options', () => {
    const app = createTaskApp();
    const bad: [unknown, string][] = [
      [undefined, 'Expected `options` to be an object'],
      [{ authorize: () => true }, 'Expected `app` to be a TaskApp'],
      [{ app }, 'Expected `authorize` to be a function'],
      [{ app, authorize: () => true, basePath: 'admin' }, 'Expected `basePath`'],
      [{ app, authorize: () => true, basePath: '/admin/' }, 'Expected `basePath`'],
      [{ app, authorize: () => true, trustedOrigins: ['https://x.test/path'] }, 'Expected `trustedOrigins`'],
      [{ app, authorize: () => true, liveInterval: -1 }, 'Expected `liveInterval`'],
      [{ app, authorize: () => true, base: '/x' }, 'Unknown option `base`'],
    ];
    for (const [options, message] of bad) {
      expect(() => tasksDashboard(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(message) }),
      );
    }
    expect(() => tasksDashboard({ app, authorize: () => true, basePath: undefined })).not.toThrow(TaskError);
  });

  it('hides pause and resume where the backend cannot pause, and refuses them with 409', async () => {
    const backend = memoryBackend();
    Object.defineProperty(backend, 'pause', { value: undefined });
    const app = createTaskApp({ backend });
    expect(app.canPause).toBe(false);
    const dashboard = tasksDashboard({ app, authorize: () => true });
    const html = await (await dashboard(new Request('http://dash.test/'))).text();
    expect(html).not.toContain('Queue:');
    expect(html).not.toContain('/queue/pause');
    const request = new Request('http://dash.test/queue/pause', {
      method: 'POST',
      headers: { origin: 'http://dash.test' },
    });
    const refused = await dashboard(request);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('cannot pause its queue');
    dashboard.close();
    await app.close();
  });

  it('accepts a trusted origin on actions (behind a proxy)', async () => {
    const app = createTaskApp();
    const dashboard = tasksDashboard({ app, authorize: () => true, trustedOrigins: ['https://example.com'] });
    const request = (origin: string) =>
      new Request('http://127.0.0.1:3000/failed/retry-all', { method: 'POST', headers: { origin } });
    expect((await dashboard(request('https://example.com'))).status).toBe(303);
    expect((await dashboard(request('https://evil.example.com'))).status).toBe(403);
    dashboard.close();
    await app.close();
  });
});
