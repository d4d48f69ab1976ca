/**
 * Regenerates the dashboard screenshots of the README (`npm run screenshots --workspace
 * @adv/tasks`): a memory-backed app with a few tasks, failures, schedules and a delayed job, the
 * dashboard served over HTTP, one PNG per view in `docs/`, taken by headless Chromium.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTaskApp } from '../src/index.js';
import { BASE, chromiumAvailable, launchChromium, serveDashboard, TOKEN } from './browser.js';

const out = fileURLToPath(new URL('../docs/', import.meta.url));

async function main(): Promise<void> {
  if (!chromiumAvailable()) process.exit(1);
  mkdirSync(out, { recursive: true });
  const app = createTaskApp();
  const sendEmail = app.defineTask('send-email', async ({ to }: { to: string }) => {
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 30));
    if (to.endsWith('.invalid')) throw new Error(`SMTP 550: mailbox ${to} unavailable`);
    return { queued: to };
  });
  const report = app.defineTask('nightly-report', async ({ day }: { day: string }) => ({ day, rows: 1284 }));
  const thumbnail = app.defineTask(
    'make-thumbnail',
    async ({ image }: { image: string }) => {
      if (image.endsWith('.tiff')) throw new TypeError(`Unsupported image format: ${image}`);
      return { width: 320 };
    },
    { attempts: 2, backoff: { delay: 10 } },
  );
  app.schedule('nightly-report', { cron: '0 3 * * *', tz: 'Europe/Paris' }, report, { day: 'yesterday' });
  app.schedule('heartbeat', { every: 200 }, report, { day: 'today' });
  await app.process({ concurrency: 4 });
  const served = await serveDashboard(app, 1000);
  const handles = [];
  for (let i = 0; i < 40; i++) handles.push(await sendEmail.enqueue({ to: `user${i}@example.com` }));
  for (const to of ['ops@bounce.invalid', 'old-user@gone.invalid']) handles.push(await sendEmail.enqueue({ to }));
  for (const image of ['cat.png', 'scan-0042.tiff', 'dog.jpg']) handles.push(await thumbnail.enqueue({ image }));
  await Promise.all(handles.map((handle) => handle.result({ timeout: 20_000 }).catch(() => undefined)));
  await sendEmail.enqueue({ to: 'later@example.com' }, { delay: 3_600_000 });
  const failed = (await app.failed())[0]!;
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
    await context.addCookies([{ ...TOKEN, url: served.origin }]);
    const page = await context.newPage();
    const views: [string, string][] = [
      ['overview', '/'],
      ['tasks', '/tasks'],
      ['failed', '/failed'],
      ['schedules', '/schedules'],
      ['job', `/jobs/${encodeURIComponent(failed.id)}`],
    ];
    for (const [name, path] of views) {
      await page.goto(`${served.origin}${BASE}${path}`);
      if (name === 'overview') {
        await page.waitForFunction(() => document.querySelector('[data-state="delayed"]')?.textContent === '1');
      }
      await page.screenshot({ path: `${out}dashboard-${name}.png` });
      console.log(`docs/dashboard-${name}.png`);
    }
  } finally {
    await browser.close();
    await served.close();
    await app.close({ timeout: 2000 });
  }
}

await main();
