/**
 * Regenerates the admin area's screenshots of the READMEs (`npm run screenshots --workspace
 * @adv/demo`): the demo on its embedded defaults (SQLite board, memory cache, tasks and channel
 * layer) in a throwaway DATA_DIR with ADMIN_PASSWORD and SECRET_KEY set, a few tasks run (one
 * failing: an article whose image cannot be decoded), a visitor's page open on its WebSocket,
 * then headless Chromium signs in and takes one PNG per view into `docs/`. Every wait is on the
 * page's content, never a duration. Needs Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { thumbnailJobId } from '../src/jobs/tasks.js';
import { type Running, startServer } from '../src/start.js';
import { chromiumAvailable, launchChromium } from '../test/browser.js';

const out = fileURLToPath(new URL('../docs/', import.meta.url));
const VIEWPORT = { width: 1200, height: 800 };
const WAIT = { timeout: 60_000 };

/**
 * Articles, one with a good image and one whose image is not an image, and tasks run to the end;
 * resolves with the good article's id.
 */
async function fillTheQueue(running: Running): Promise<number> {
  const { board, media, tasks } = running.demo;
  const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .png()
    .toBuffer();
  await media.storage.save('uploads/harbour.png', png, { contentType: 'image/png' });
  await media.storage.save('uploads/scan-0042.png', Buffer.from('not a PNG at all'), { contentType: 'image/png' });
  const author = { authorName: 'Ada', authorEmail: 'ada@example.com' };
  const good = await board.createArticle({
    ...author,
    title: 'The harbour at dawn',
    body: 'A photo.',
    image: 'uploads/harbour.png',
  });
  const broken = await board.createArticle({
    ...author,
    title: 'Scanned flyer',
    body: 'The scan.',
    image: 'uploads/scan-0042.png',
  });
  await board.addComment({ articleId: good.id, authorName: 'Grace', body: 'Lovely light.' });
  const handles = [
    tasks.app.handle(thumbnailJobId(good.id)),
    tasks.app.handle(thumbnailJobId(broken.id)),
    await tasks.exportCsv.enqueue({ articleId: good.id, exportId: 'screenshots', locale: 'en', timeZone: 'UTC' }),
    await tasks.digest.enqueue({ to: 'editors@example.com' }),
    await tasks.pruneExports.enqueue({ olderThanHours: 24 }),
  ];
  for (let i = 0; i < 5; i++) handles.push(await tasks.pruneCache.enqueue(undefined));
  await Promise.all(handles.map((handle) => handle.result({ timeout: WAIT.timeout }).catch(() => undefined)));
  const failed = await tasks.app.failed();
  if (failed.length !== 1 || failed[0]!.task !== 'thumbnail') {
    throw new Error(`expected the scanned flyer's thumbnail to be the one failed job, got ${JSON.stringify(failed)}`);
  }
  return good.id;
}

/**
 * Writes `docs/<name>.png` of the page as it is now, in a palette of 256 colours (flat pages of
 * text: about 40% of the bytes of Chromium's truecolour PNG, the text as legible).
 */
async function shoot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot();
  await sharp(png)
    .png({ palette: true, compressionLevel: 9 })
    .toFile(join(out, `${name}.png`));
  console.log(`docs/${name}.png`);
}

/** Signs in, then visits every view, waiting for the content each screenshot is about. */
async function takeScreenshots(page: Page, origin: string, password: string): Promise<void> {
  const admin = `${origin}/admin`;
  const text = (selector: string, wanted: RegExp) =>
    page.locator(selector).filter({ hasText: wanted }).first().waitFor(WAIT);

  await page.goto(`${admin}/`);
  await page.waitForURL(`${admin}/login`, WAIT);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${admin}/?done=login`, WAIT);
  await page.goto(`${admin}/`);
  await text('h2', /Readiness: ok/);
  await shoot(page, 'admin-overview');

  await page.goto(`${admin}/tasks/`);
  await text('[data-state="failed"]', /^1$/);
  // The charts are drawn from the jobs run since start: a bar in the throughput chart.
  await page.locator('#chart-throughput rect[height]:not([height="0"])').first().waitFor(WAIT);
  await shoot(page, 'admin-tasks');

  await page.goto(`${admin}/tasks/failed`);
  await text('main', /could not be decoded/);
  await shoot(page, 'admin-tasks-failed');

  await page.goto(`${admin}/cache`);
  await text('p', /Hit ratio: \d/);
  await shoot(page, 'admin-cache');

  await page.goto(`${admin}/realtime`);
  await text('tr', /Open WebSocket connections \(this process\)\s*1$/);
  await shoot(page, 'admin-realtime');

  await page.goto(`${admin}/health`);
  await text('p', /ready/);
  await shoot(page, 'admin-health');

  await page.goto(`${admin}/backups`);
  await page.click('button:has-text("Back up now")');
  await text('tbody tr', /\.sqlite3/);
  await shoot(page, 'admin-backups');

  await page.goto(`${admin}/deploy`);
  await page.click('button:has-text("Run check --deploy now")');
  await text('p', /^Last run /);
  // Taken after the backup: the check no longer reports that none has been taken (adv.E009).
  await shoot(page, 'admin-deploy');

  await page.goto(`${admin}/audit`);
  await text('tbody tr', /deploy-check/);
  await shoot(page, 'admin-audit');
}

async function main(): Promise<void> {
  if (!chromiumAvailable()) process.exit(1);
  mkdirSync(out, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-screenshots-'));
  const password = randomBytes(18).toString('base64url');
  // An explicit environment (not process.env): no .env file is read, nothing of the shell leaks in.
  const config = loadConfig({
    DATA_DIR: dataDir,
    STATIC_ROOT: join(dataDir, 'static'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: password,
    SECRET_KEY: randomBytes(48).toString('base64url'),
  });
  let running: Running | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    running = await startServer(config);
    const article = await fillTheQueue(running);
    const origin = running.server.url;
    chromium = await launchChromium();
    // A visitor: the home page and an article read through the cache, the article's live socket open.
    const visitor = await chromium.context.newPage();
    for (const path of ['/', '/', `/articles/${article}`]) await visitor.goto(`${origin}${path}`);
    await visitor.locator('[data-testid="live-status"][data-connected="true"]').waitFor(WAIT);
    const page = await chromium.context.newPage();
    await page.setViewportSize(VIEWPORT);
    await takeScreenshots(page, origin, password);
  } finally {
    await chromium?.close();
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
