import { readFileSync } from 'node:fs';
import { type Server, serve } from '@adv/async';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactPath, chromiumAvailable, launchChromium } from './browser.js';
import { testDemo } from './helpers.js';

const WAIT = { timeout: 20_000 };

describe.runIf(chromiumAvailable())('the demo in headless Chromium', () => {
  let demo: Awaited<ReturnType<typeof testDemo>>;
  let server: Server;
  let base: string;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  const pages: Page[] = [];

  /** A new tab; every test starts without cookies (language, time zone). */
  async function newPage(): Promise<Page> {
    const page = await context.newPage();
    pages.push(page);
    return page;
  }

  beforeAll(async () => {
    demo = await testDemo({ exportChunkDelayMs: 60 });
    server = await serve(demo.handler, { port: 0, host: '127.0.0.1', websocket: demo.websocket });
    base = server.url;
    demo.setBaseUrl(base);
    chromium = await launchChromium();
    context = chromium.context;
  }, 60_000);

  beforeEach(async () => {
    for (const page of pages.splice(0)) await page.close();
    await context.clearCookies();
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await demo?.cleanup();
  }, 30_000);

  it('switches the language with the switcher and keeps it', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await expect.poll(() => page.locator('h1').textContent(), WAIT).toBe('Latest articles');
    await page.screenshot({ path: artifactPath('articles-en.png'), fullPage: true });
    await page.selectOption('select[name="language"]', 'pt-BR');
    await page.selectOption('select[name="timezone"]', 'America/Sao_Paulo');
    await page.click('[data-testid="language-switcher"] button');
    await page.waitForURL(`${base}/`, WAIT);
    await expect.poll(() => page.locator('h1').textContent(), WAIT).toBe('Artigos recentes');
    expect(await page.getAttribute('html', 'lang')).toBe('pt-BR');
    await page.screenshot({ path: artifactPath('articles-pt-br.png'), fullPage: true });
    // The cookie keeps the choice on other pages; the /pt-br/ prefix works without it.
    await page.goto(`${base}/articles/1`);
    await expect.poll(() => page.locator('h3').first().textContent(), WAIT).toBe('Adicionar um comentário');
    await context.clearCookies();
    await page.goto(`${base}/pt-br/articles/1`);
    await expect.poll(() => page.locator('h3').first().textContent(), WAIT).toBe('Adicionar um comentário');
  });

  it('shows a comment posted in one page live in a second page', async () => {
    const reader = await newPage();
    const writer = await newPage();
    await reader.goto(`${base}/articles/1`);
    await writer.goto(`${base}/articles/1`);
    await reader.waitForSelector('[data-testid="live-status"][data-connected="true"]', WAIT);
    const before = await reader.locator('#comments li').count();
    await writer.fill('input[name="author"]', 'Browser Bob');
    await writer.fill('textarea[name="body"]', 'Hello from another tab');
    await writer.click('[data-testid="comment-form"] button');
    await writer.waitForURL(/\/articles\/1/, WAIT);
    await reader.waitForSelector('#comments li:has-text("Hello from another tab")', WAIT);
    expect(await reader.locator('#comments li').count()).toBe(before + 1);
    await expect
      .poll(() => reader.locator('[data-testid="comment-count"]').textContent(), WAIT)
      .toBe(`${before + 1} comments`);
    await reader.screenshot({ path: artifactPath('article-live-comment.png'), fullPage: true });
  });

  it('shows a new article on the cached list at once', async () => {
    const page = await newPage();
    // Reload until the list comes from the page cache (cachePage stores in the background).
    await page.goto(`${base}/`);
    await expect.poll(async () => (await page.request.get(`${base}/`)).headers().age !== undefined, WAIT).toBe(true);
    await page.click('a[href="/articles/new"]');
    await page.fill('input[name="author"]', 'Carol');
    await page.fill('input[name="email"]', 'carol@example.com');
    await page.fill('input[name="title"]', 'Written in Chromium');
    await page.fill('textarea[name="body"]', 'The list must show this at once.');
    await page.screenshot({ path: artifactPath('new-article.png'), fullPage: true });
    await page.click('[data-testid="article-form"] button');
    await page.waitForURL(/\/articles\/\d+$/, WAIT);
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid="articles"] a:has-text("Written in Chromium")', WAIT);
  });

  it('exports comments as CSV after a progress bar', async () => {
    const page = await newPage();
    await page.goto(`${base}/articles/1`);
    await page.waitForSelector('[data-testid="live-status"][data-connected="true"]', WAIT);
    await page.click('.export-button');
    await page.waitForSelector('.export-progress:not([hidden])', WAIT);
    const link = page.locator('.export-download:not([hidden])');
    await link.waitFor(WAIT);
    expect(await page.locator('.export-progress').evaluate((el) => (el as HTMLProgressElement).value)).toBe(100);
    await page.screenshot({ path: artifactPath('article-export.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), link.click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain('id,author,date,comment');
    expect(csv).toContain('Nice to be here!');
  });

  it('shows every step of an export’s progress: the page joins its group before it starts', async () => {
    const article = await demo.board.createArticle({
      title: 'Many comments',
      body: 'b',
      authorName: 'Dee',
      authorEmail: 'dee@example.com',
    });
    for (let i = 0; i < 20; i++) await demo.board.addComment({ articleId: article.id, authorName: 'C', body: `c${i}` });
    const page = await newPage();
    await page.goto(`${base}/articles/${article.id}`);
    await page.waitForSelector('[data-testid="live-status"][data-connected="true"]', WAIT);
    // Record every text the status label shows, as the page sets it.
    await page.evaluate(() => {
      const label = document.querySelector('.export-status')!;
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => seen.push(label.textContent ?? '')).observe(label, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.click('.export-button');
    await page.locator('.export-download:not([hidden])').waitFor(WAIT);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const percents = seen.filter((text) => /^\d+%$/.test(text)).map((text) => Number.parseInt(text, 10));
    // 20 comments in chunks of 2: 0%, 10% … 100%, each shown, in order.
    expect(percents).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(seen.at(-1)).toBe('Export ready.');
  });

  it('reconnects after the server drops the socket: catches up on missed comments, then comments and export progress keep arriving', async () => {
    const page = await newPage();
    await page.goto(`${base}/articles/1`);
    const connected = (value: boolean) =>
      page.waitForSelector(`[data-testid="live-status"][data-connected="${value}"]`, WAIT);
    await connected(true);
    // A restart: the server closes every socket (1001), then listens again on the same port.
    const { port } = new URL(base);
    await server.close();
    await connected(false);
    // Posted while the page is offline: its broadcast reaches nobody; the page catches up on reconnect.
    await demo.board.addComment({ articleId: 1, authorName: 'Meanwhile', body: 'While you were away' });
    server = await serve(demo.handler, { port: Number(port), host: '127.0.0.1', websocket: demo.websocket });
    await connected(true);
    await page.waitForSelector('#comments li:has-text("While you were away")', WAIT);
    await demo.board.addComment({ articleId: 1, authorName: 'Later', body: 'After the reconnect' });
    await page.waitForSelector('#comments li:has-text("After the reconnect")', WAIT);
    // The export follows its progress on the new socket.
    await page.click('.export-button');
    await page.locator('.export-download:not([hidden])').waitFor(WAIT);
  });
});
