import { type Server, serve } from '@adv/async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbnailJobId } from '../src/jobs/tasks.js';
import { THUMBNAIL_SIZE } from '../src/jobs/thumbnail.js';
import { artifactPath, chromiumAvailable, launchChromium } from './browser.js';
import { testDemo } from './helpers.js';
import { png } from './media-helpers.js';

const WAIT = { timeout: 20_000 };

describe.runIf(chromiumAvailable())('an article image in headless Chromium', () => {
  let demo: Awaited<ReturnType<typeof testDemo>>;
  let server: Server;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    demo = await testDemo();
    server = await serve(demo.handler, { port: 0, host: '127.0.0.1', websocket: demo.websocket });
    demo.setBaseUrl(server.url);
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await demo?.cleanup();
  }, 30_000);

  it('uploads an image with the new-article form and shows its thumbnail on the article page', async () => {
    const page = await chromium.context.newPage();
    await page.goto(`${server.url}/articles/new`);
    await page.fill('input[name="author"]', 'Browser Bea');
    await page.fill('input[name="email"]', 'bea@example.com');
    await page.fill('input[name="title"]', 'A photo from the browser');
    await page.fill('textarea[name="body"]', 'Uploaded with the form.');
    await page.setInputFiles('input[name="image"]', {
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: await png(1200, 600),
    });
    await page.click('[data-testid="article-form"] button[type="submit"]');
    await page.waitForURL(/\/articles\/\d+$/, WAIT);
    const id = Number(/\/articles\/(\d+)$/.exec(page.url())![1]);

    // The thumbnail task runs in the background: wait for its job to finish (an event of the
    // task backend, not a pause), then the reloaded page shows the thumbnail instead of the original.
    await demo.tasks.app.handle(thumbnailJobId(id)).result({ timeout: 20_000 });
    await page.reload();
    const thumbnail = page.locator('[data-testid="article-thumbnail"]');
    await thumbnail.waitFor(WAIT);
    // Loaded and decoded by the browser (same-origin /media/, allowed by the page's headers).
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), WAIT)
      .toBe(THUMBNAIL_SIZE);
    expect(await page.locator('[data-testid="article-image"]').count()).toBe(0);
    const link = await page.locator('.article-image a').getAttribute('href');
    expect(link).toMatch(/^\/media\/uploads\/[0-9a-f-]{36}\.png$/);
    await page.screenshot({ path: artifactPath('article-image.png'), fullPage: true });
    await page.close();
  });
});
