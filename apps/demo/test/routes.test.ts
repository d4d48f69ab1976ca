import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, listBackups } from '../src/db/backup.js';
import { onPostgres } from './databases.js';
import { BASE, pageRequests, postForm, testDemo } from './helpers.js';

let demo: Awaited<ReturnType<typeof testDemo>>;
beforeEach(async () => {
  demo = await testDemo();
});
afterEach(async () => {
  await demo.cleanup();
});

const { get, servedFromCache } = pageRequests(() => demo);
/** How long a poll may wait for cachePage's background store: a bound against a hang, not a timing. */
const STORED = { timeout: 20_000 };

describe('pages', () => {
  it('lists the seeded articles in English by default', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-language')).toBe('en');
    const html = await response.text();
    expect(html).toContain('Latest articles');
    expect(html).toContain('Welcome to the adv board');
    expect(html).toContain('2 articles');
    expect(html).toContain('Most discussed');
  });

  it('serves Brazilian Portuguese under /pt-br/ with prefixed links', async () => {
    const response = await get('/pt-br/');
    expect(response.headers.get('content-language')).toBe('pt-BR');
    const html = await response.text();
    expect(html).toContain('<html lang="pt-BR">');
    expect(html).toContain('Artigos recentes');
    expect(html).toContain('2 artigos');
    expect(html).toContain('href="/pt-br/articles/1"');
  });

  it('negotiates from Accept-Language, and the cookie wins over it', async () => {
    expect(await (await get('/', { 'accept-language': 'pt-BR,pt;q=0.9' })).text()).toContain('Artigos recentes');
    const html = await (await get('/', { 'accept-language': 'pt-BR', cookie: 'lang=en' })).text();
    expect(html).toContain('Latest articles');
  });

  it('set-language stores the cookies and redirects to the page in that language', async () => {
    const response = await demo.handler(
      postForm(`${BASE}/i18n/setlang`, { language: 'pt-BR', next: '/articles/1', timezone: 'America/Sao_Paulo' }),
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/articles/1');
    const cookies = response.headers.getSetCookie().join('\n');
    expect(cookies).toContain('lang=pt-BR');
    expect(cookies).toContain('tz=America%2FSao_Paulo');
  });

  it('refuses an off-site redirect after set-language', async () => {
    const response = await demo.handler(
      postForm(`${BASE}/i18n/setlang`, { language: 'en', next: '//evil.example/' }, { accept: 'text/html' }),
    );
    expect(response.headers.get('location')).toBe('/');
  });

  it('renders dates in the visitor time zone', async () => {
    const utc = await (await get('/articles/1')).text();
    const tokyo = await (await get('/articles/1', { cookie: 'tz=Asia%2FTokyo' })).text();
    const time = (html: string) => /<time datetime="[^"]+">([^<]+)<\/time>/.exec(html)?.[1];
    expect(time(utc)).toBeTruthy();
    expect(time(tokyo)).toBeTruthy();
    expect(time(tokyo)).not.toBe(time(utc));
    expect(tokyo).toContain('<option value="Asia/Tokyo" selected>');
  });

  it('answers 404 for unknown articles and paths, 405 for a wrong method', async () => {
    expect((await get('/articles/999')).status).toBe(404);
    // Beyond any row id (PostgreSQL's INTEGER would reject it): still a plain 404.
    expect((await get('/articles/999999999999')).status).toBe(404);
    expect((await get('/articles/abc')).status).toBe(404);
    const missing = await get('/pt-br/nope');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Página não encontrada');
    const wrong = await demo.handler(
      new Request(`${BASE}/articles/new`, { method: 'DELETE', headers: { origin: BASE } }),
    );
    expect(wrong.status).toBe(405);
  });

  it('lists the comments after a given id as JSON (what a reconnected page missed)', async () => {
    await demo.handler(postForm(`${BASE}/articles/1/comments`, { author: 'Bo', body: 'second' }));
    const all = (await (await get('/articles/1/comments')).json()) as { comments: { id: number; body: string }[] };
    expect(all.comments.map((c) => c.body)).toEqual(['Nice to be here!', 'second']);
    const after = await get(`/pt-br/articles/1/comments?after=${all.comments[0]!.id}`);
    expect(after.headers.get('cache-control')).toBe('no-store');
    expect(((await after.json()) as { comments: { body: string }[] }).comments.map((c) => c.body)).toEqual(['second']);
    const bad = await get('/articles/1/comments?after=-1');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'Expected `after` to be a comment id (digits)' });
    expect((await get('/articles/999/comments')).status).toBe(404);
  });

  it('counts article views in the cache', async () => {
    await get('/articles/1');
    const html = await (await get('/articles/1')).text();
    expect(html).toContain('2 views');
  });
});

describe('caching', () => {
  it('serves the article list from the page cache until an article is saved', async () => {
    expect(await servedFromCache('/')).toBe(false);
    // cachePage stores in the background: wait until the copy is there (vitest's default poll
    // bound is 1 s, tight for a busy CI machine; the bound stops a hang, it does not time the store).
    await expect.poll(() => servedFromCache('/'), STORED).toBe(true);
    expect(await servedFromCache('/pt-br/')).toBe(false);
    expect(await servedFromCache('/', { cookie: 'tz=Asia%2FTokyo' })).toBe(false);
    // Browsers revalidate instead of keeping a stale copy; a matching ETag gets a 304.
    const cached = await get('/');
    expect(cached.headers.get('cache-control')).toBe('no-cache');
    const etag = cached.headers.get('etag')!;
    expect((await get('/', { 'if-none-match': etag })).status).toBe(304);
    const created = await demo.handler(
      postForm(`${BASE}/articles`, { author: 'Zé', email: 'ze@example.com', title: 'Fresh news', body: 'Hello' }),
    );
    expect(created.status).toBe(303);
    const after = await get('/');
    expect(after.headers.get('age')).toBeNull();
    expect(await after.text()).toContain('Fresh news');
    expect(await (await get('/pt-br/')).text()).toContain('Fresh news');
  });

  it('drops exactly the list pages and sidebar fragments when an article is edited, nothing else', async () => {
    await get('/articles/1');
    await get('/articles/1'); // views:article:1 = 2 in the low-level cache
    for (const path of ['/', '/pt-br/']) {
      await get(path);
      await expect.poll(() => servedFromCache(path), STORED).toBe(true);
    }
    await demo.board.articles.save({ ...(await demo.board.articles.get(2))!, title: 'Renamed in place' });
    // Both languages' cached list pages (and their sidebar fragments) are gone, and show the edit …
    for (const path of ['/', '/pt-br/']) {
      const page = await get(path);
      expect(page.headers.has('age')).toBe(false);
      const html = await page.text();
      expect(html.indexOf('Renamed in place')).toBeGreaterThan(-1);
      expect(html.slice(html.indexOf('data-testid="popular"'))).toContain('Renamed in place');
    }
    // … while the view counter, stored in the same cache, is untouched.
    expect(await demo.cache.get('views:article:1')).toBe(2);
  });

  it('refreshes the popular sidebar when a comment changes the ranking', async () => {
    const before = await (await get('/')).text();
    const sidebar = (html: string) =>
      html.slice(html.indexOf('data-testid="popular"'), html.indexOf('</ol>', html.indexOf('data-testid="popular"')));
    expect(sidebar(before).indexOf('Welcome')).toBeLessThan(sidebar(before).indexOf('Caching pages'));
    for (const body of ['one', 'two']) {
      await demo.handler(postForm(`${BASE}/articles/2/comments`, { author: 'Bo', body }));
    }
    const after = await (await get('/')).text();
    expect(sidebar(after).indexOf('Caching pages')).toBeLessThan(sidebar(after).indexOf('Welcome'));
  });
});

describe('forms', () => {
  it('creates an article and redirects to it in the current language', async () => {
    const response = await demo.handler(
      postForm(`${BASE}/pt-br/articles`, { author: 'Ana', email: 'ana@example.com', title: 'Olá', body: 'Texto' }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/pt-br\/articles\/\d+$/);
    const page = await (await get(response.headers.get('location')!)).text();
    expect(page).toContain('Olá');
    expect(page).toContain('Por Ana');
  });

  it('rejects a bad article with localized errors and keeps the input', async () => {
    const response = await demo.handler(
      postForm(`${BASE}/pt-br/articles`, { author: 'Ana', email: 'not-an-email', title: '', body: 'x' }),
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('Título é obrigatório.');
    expect(html).toContain('Informe um endereço de e-mail válido.');
    expect(html).toContain('value="not-an-email"');
  });

  it('rejects a too long comment', async () => {
    const response = await demo.handler(
      postForm(`${BASE}/articles/1/comments`, { author: 'A', body: 'x'.repeat(2001) }),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Comment must be at most 2,000 characters.');
  });

  it('escapes user input in pages', async () => {
    await demo.handler(
      postForm(`${BASE}/articles/1/comments`, { author: '<b>x</b>', body: '<script>alert(1)</script>' }),
    );
    const html = await (await get('/articles/1')).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
  });
});

describe('operations', () => {
  it('answers /healthz and /readyz', async () => {
    expect(await (await get('/healthz')).json()).toMatchObject({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body).toMatchObject({
      status: 'ok',
      checks: { database: { ok: true }, cache: { ok: true }, tasks: { ok: true } },
    });
    expect(body.checks.database!.detail).toBe(onPostgres ? 'postgres' : 'sqlite');
    // The app reports the age of its own (SQLite) backups; a PostgreSQL server's are its own.
    expect(body.checks.backup?.ok).toBe(onPostgres ? undefined : true);
  });

  if (!onPostgres)
    it('reports the age of the last backup on /readyz without failing on it', async () => {
      const backupDetail = async () => {
        const response = await get('/readyz');
        expect(response.status).toBe(200);
        return ((await response.json()) as { checks: { backup: { detail: string } } }).checks.backup.detail;
      };
      expect(await backupDetail()).toBe('no backup has been taken (BACKUP_MAX_AGE_HOURS=48)');
      const dir = demo.config.backup.dir;
      await backupDatabase(demo.db, dir, { keep: 3, now: new Date(Date.now() - 3 * 3600_000) });
      expect(await backupDetail()).toBe('last backup 3 h ago');
      await backupDatabase(demo.db, dir, { keep: 3, now: new Date(Date.now() - 60 * 3600_000) });
      expect(await backupDetail()).toBe('last backup 3 h ago'); // the newest counts
      rmSync(listBackups(dir)[0]!.file);
      expect(await backupDetail()).toBe('last backup 60 h ago, older than 48 h (BACKUP_MAX_AGE_HOURS=48)');
    });

  it('serves the hashed static files the pages link to, cached for a year', async () => {
    const html = await (await get('/')).text();
    const css = /href="([^"]+\.css)"/.exec(html)![1]!;
    expect(css).toMatch(/^\/static\/app\.[0-9a-f]{12}\.css$/);
    const response = await get(css);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/css');
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('sends the security headers and a request id', async () => {
    const response = await get('/');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
  });

  it('rejects a Host outside ALLOWED_HOSTS', async () => {
    const response = await demo.handler(new Request('http://evil.example/'));
    expect(response.status).toBe(400);
  });

  it('rejects cross-site and origin-less form posts (CSRF)', async () => {
    const evil = await demo.handler(
      postForm(`${BASE}/articles/1/comments`, { author: 'x', body: 'y' }, { origin: 'http://evil.example' }),
    );
    expect(evil.status).toBe(403);
    const bare = await demo.handler(
      new Request(`${BASE}/articles/1/comments`, {
        method: 'POST',
        body: new URLSearchParams({ author: 'x', body: 'y' }),
      }),
    );
    expect(bare.status).toBe(403);
    expect(await demo.board.comments.forArticle(1)).toHaveLength(1);
  });

  it('exposes Prometheus metrics by route', async () => {
    await get('/articles/1');
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/articles\/:id",status="200"\} 1/);
  });
});
