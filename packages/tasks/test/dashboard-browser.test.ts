/**
 * The dashboard in a real headless Chromium (playwright-core), on the memory and BullMQ backends:
 * live counts over SSE, retrying a failed job, authorization, the cross-site check, escaping,
 * truncation and 404 pages, as a person sees them. Waits on the DOM, never on durations.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { bullmqBackend } from '../src/bullmq.js';
import { createTaskApp, type TaskApp, type TaskBackend } from '../src/index.js';
import {
  BASE,
  chromiumAvailable,
  launchChromium,
  listen,
  type ServedDashboard,
  serveDashboard,
  TOKEN,
} from './browser.js';

const redisUrl = inject('redisUrl');
const hasChromium = chromiumAvailable();

const backends: [string, boolean, () => TaskBackend | undefined][] = [
  ['memory', true, () => undefined],
  [
    'bullmq',
    Boolean(redisUrl),
    () => bullmqBackend({ connection: redisUrl as string, prefix: 'adv-dash-browser', queueName: randomUUID() }),
  ],
];

let browser: Browser;
beforeAll(async () => {
  if (hasChromium) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

for (const [name, available, factory] of backends) {
  describe.runIf(hasChromium && available)(`tasks dashboard in Chromium on ${name}`, { timeout: 60_000 }, () => {
    let app: TaskApp;
    let served: ServedDashboard;
    let context: BrowserContext;

    async function setup() {
      app = createTaskApp({ backend: factory() });
      let flakyCalls = 0;
      const tasks = {
        echo: app.defineTask('echo', (payload: unknown) => payload),
        flaky: app.defineTask('flaky', () => {
          flakyCalls++;
          if (flakyCalls === 1) throw new Error('first call fails');
          return 'second call works';
        }),
        explode: app.defineTask('explode', (_payload: unknown) => {
          throw new Error('<img src=x onerror="window.__xss = 2">');
        }),
      };
      await app.process();
      served = await serveDashboard(app);
      context = await browser.newContext();
      await context.addCookies([{ ...TOKEN, url: served.origin }]);
      return tasks;
    }
    afterEach(async () => {
      await context?.close();
      await served?.close();
      await app?.close({ timeout: 2000 });
    });

    const settle = (id: string) =>
      app
        .handle(id)
        .result({ timeout: 20_000 })
        .catch(() => undefined);
    /** The failed list's row of a job, found by its link (BullMQ ids like `1` are substrings of others). */
    const rowOf = (page: Page, id: string) =>
      page.locator('tr', { has: page.locator(`a[href="${BASE}/jobs/${encodeURIComponent(id)}"]`) });
    const count = (page: Page, state: string) => page.locator(`[data-state="${state}"]`).textContent();

    it('shows a count change live when a task is enqueued (SSE), without a reload', async () => {
      const { echo } = await setup();
      const page = await context.newPage();
      const response = await page.goto(`${served.origin}${BASE}/`);
      expect(response?.status()).toBe(200);
      expect(await count(page, 'delayed')).toBe('0');
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => navigations.push(frame.url()));
      await echo.enqueue('later', { delay: 60_000 });
      await page.waitForFunction(() => document.querySelector('[data-state="delayed"]')?.textContent === '1');
      await echo.enqueue('later too', { delay: 60_000 });
      await page.waitForFunction(() => document.querySelector('[data-state="delayed"]')?.textContent === '2');
      expect(navigations).toEqual([]); // the same page, updated in place
      expect(await page.locator('#chart-throughput svg').count()).toBe(1);
    });

    it('retries a failed job from the failed list and shows it completed', async () => {
      const { flaky } = await setup();
      const handle = await flaky.enqueue(undefined);
      await settle(handle.id);
      const page = await context.newPage();
      await page.goto(`${served.origin}${BASE}/failed`);
      const row = rowOf(page, handle.id);
      expect(await row.textContent()).toContain('first call fails');
      await Promise.all([page.waitForURL(/\/jobs\//), row.getByRole('button', { name: 'Retry' }).click()]);
      expect(await page.locator('.msg').textContent()).toBe('Retried: the job is waiting again.');
      expect(await handle.result({ timeout: 20_000 })).toBe('second call works');
      await page.reload();
      expect(await page.locator('[data-status]').textContent()).toBe('completed');
      expect(await page.locator('main').textContent()).toContain('"second call works"');
      await page.goto(`${served.origin}${BASE}/failed`);
      expect(await page.locator('tbody').textContent()).toContain('No failed jobs.');
    });

    it('deletes a failed job, and says so when another click deleted it first', async () => {
      const { explode } = await setup();
      const handle = await explode.enqueue(1);
      await settle(handle.id);
      const page = await context.newPage();
      await page.goto(`${served.origin}${BASE}/jobs/${encodeURIComponent(handle.id)}`);
      const other = await context.newPage();
      await other.goto(`${served.origin}${BASE}/failed`);
      await Promise.all([page.waitForURL(/\/failed\?message=/), page.getByRole('button', { name: 'Delete' }).click()]);
      expect(await page.locator('.msg').textContent()).toBe(`Deleted job ${handle.id}.`);
      const [response] = await Promise.all([
        other.waitForNavigation(),
        rowOf(other, handle.id).getByRole('button', { name: 'Delete' }).click(),
      ]);
      expect(response?.status()).toBe(404);
      expect(await other.locator('main').textContent()).toContain('it was removed (by another click, or by retention)');
    });

    it('refuses a browser without the authorization cookie', async () => {
      await setup();
      const stranger = await browser.newContext();
      try {
        const page = await stranger.newPage();
        const response = await page.goto(`${served.origin}${BASE}/`);
        expect(response?.status()).toBe(403);
        expect(await page.locator('main').textContent()).toContain('Not allowed.');
        expect(await page.locator('[data-state]').count()).toBe(0);
      } finally {
        await stranger.close();
      }
    });

    it('refuses a POST from a page of another origin, even one authorize lets in', async () => {
      const { explode } = await setup();
      const handle = await explode.enqueue(1);
      await settle(handle.id);
      served.allowAll = true; // only the cross-site check stands between the form and the action
      const action = `${served.origin}${BASE}/failed/retry-all`;
      // localhost and 127.0.0.1 are different sites: the browser sends Sec-Fetch-Site: cross-site.
      const evil = await listen(
        () =>
          new Response(
            `<!doctype html><form method="post" action="${action}"></form><script>document.forms[0].submit()</script>`,
            { headers: { 'content-type': 'text/html' } },
          ),
        'localhost',
      );
      try {
        const page = await context.newPage();
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url() === action),
          page.goto(`${evil.origin}/`),
        ]);
        expect(response.status()).toBe(403);
        expect(await response.text()).toContain('Cross-site request refused.');
        expect(await handle.status()).toBe('failed');
        // The same form on the dashboard's own origin goes through.
        await page.goto(`${served.origin}${BASE}/failed`);
        await Promise.all([page.waitForURL(/message=/), page.getByRole('button', { name: 'Retry all' }).click()]);
        expect(await page.locator('.msg').textContent()).toBe('Retried 1 job(s).');
      } finally {
        await evil.close();
      }
    });

    it('shows <script> in payloads and errors as text, truncates huge payloads in lists, 404s unknown jobs', async () => {
      const { explode } = await setup();
      const script = await explode.enqueue({ note: '<script>window.__xss = 1</script>' });
      const huge = await explode.enqueue({ blob: 'y'.repeat(50_000) });
      await Promise.all([settle(script.id), settle(huge.id)]);
      const page = await context.newPage();
      await page.goto(`${served.origin}${BASE}/failed`);
      const row = rowOf(page, script.id);
      expect(await row.textContent()).toContain('<script>window.__xss = 1</script>');
      expect(await row.textContent()).toContain('<img src=x onerror="window.__xss = 2">');
      expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
      expect(await page.locator('tr img').count()).toBe(0);
      const hugeRow = (await rowOf(page, huge.id).textContent()) ?? '';
      expect(hugeRow).toContain('more characters)');
      expect(hugeRow.length).toBeLessThan(2000);
      await page.goto(`${served.origin}${BASE}/jobs/${encodeURIComponent(script.id)}`);
      expect(await page.locator('main').textContent()).toContain('<script>window.__xss = 1</script>');
      expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
      const missing = await page.goto(`${served.origin}${BASE}/jobs/${encodeURIComponent('<no such job>')}`);
      expect(missing?.status()).toBe(404);
      expect(await page.locator('h1').textContent()).toBe('Not found');
      expect(await page.locator('main').textContent()).toContain('No job `<no such job>`');
    });
  });
}
