import { type Server, serve } from '@adv/async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDemo, PASSWORD } from './admin-helpers.js';
import { artifactPath, chromiumAvailable, launchChromium } from './browser.js';

const WAIT = { timeout: 20_000 };

describe.runIf(chromiumAvailable())('the admin area in headless Chromium', () => {
  let t: Awaited<ReturnType<typeof adminDemo>>;
  let server: Server;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    t = await adminDemo();
    server = await serve(t.handler, { port: 0, host: '127.0.0.1', websocket: t.demo.websocket });
    t.demo.setBaseUrl(server.url);
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await t?.cleanup();
  }, 30_000);

  it('signs in and sees the tasks count change live when a task is enqueued', async () => {
    const page = await chromium.context.newPage();
    // Refused without a login: the dashboard sends the browser to the sign-in form.
    await page.goto(`${server.url}/admin/tasks/`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');

    await page.fill('input[name="password"]', 'wrong password, surely');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('[role="alert"]').textContent(), WAIT).toBe('Wrong password.');

    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${server.url}/admin/?done=login`, WAIT);
    await page.screenshot({ path: artifactPath('admin-overview.png'), fullPage: true });

    await page.click('a[href="/admin/tasks/"]');
    await page.waitForURL(`${server.url}/admin/tasks/`, WAIT);
    const completed = page.locator('[data-state="completed"]');
    const before = Number(await completed.textContent());
    // Nothing reloads the page: only the dashboard's live stream (SSE) can change the number.
    await t.demo.tasks.pruneCache.enqueue(undefined);
    await expect.poll(async () => Number(await completed.textContent()), WAIT).toBeGreaterThan(before);
    await page.screenshot({ path: artifactPath('admin-tasks.png'), fullPage: true });

    expect(t.admin.audit.list().map((entry) => [entry.action, entry.outcome])).toEqual([
      ['login', 'ok'],
      ['login', 'refused'],
    ]);
    await page.close();
  });
});
