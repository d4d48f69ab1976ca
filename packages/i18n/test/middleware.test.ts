import { compose, type Handler, silentLogger } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { createI18n, I18nError, localeMiddleware } from '../src/index.js';
import { rawPath } from '../src/middleware.js';
import { en, pt, ptBR } from './fixtures/catalogs.js';

const i18n = createI18n({
  locales: ['en', 'pt-BR'],
  defaultLocale: 'en',
  messages: { en, 'pt-BR': ptBR, pt },
  logger: silentLogger, // the fixtures leave gaps on purpose
});
const echo: Handler = (request) =>
  new Response(`${i18n.getLocale()}|${i18n.getTimeZone()}|${new URL(request.url).pathname}|${i18n.t('plain')}`);
const app = compose(localeMiddleware({ i18n }))(echo);
const get = (path: string, headers: Record<string, string> = {}) =>
  app(new Request(`http://localhost${path}`, { headers }));
const body = async (response: Promise<Response>) => (await response).text();

describe('localeMiddleware', () => {
  it('picks from prefix, then cookie, then Accept-Language, then the default', async () => {
    const both = { cookie: 'lang=en', 'accept-language': 'pt-BR' };
    expect(await body(get('/pt-br/about', both))).toBe('pt-BR|UTC|/pt-br/about|Só texto');
    expect(await body(get('/about', both))).toBe('en|UTC|/about|Just text');
    expect(await body(get('/about', { cookie: 'theme=dark; lang=pt-BR', 'accept-language': 'en' }))).toBe(
      'pt-BR|UTC|/about|Só texto',
    );
    expect(await body(get('/about', { 'accept-language': 'pt-PT,pt;q=0.9' }))).toBe('pt-BR|UTC|/about|Só texto');
    expect(await body(get('/about', { 'accept-language': 'de' }))).toBe('en|UTC|/about|Just text');
    expect(await body(get('/about'))).toBe('en|UTC|/about|Just text');
  });

  it('ignores an unknown prefix, an unknown or malformed cookie, and a hostile header', async () => {
    expect(await body(get('/fr/about', { 'accept-language': 'pt-BR' }))).toBe('pt-BR|UTC|/fr/about|Só texto');
    expect(await body(get('/about', { cookie: 'lang=xx-YY', 'accept-language': 'pt-BR' }))).toBe(
      'pt-BR|UTC|/about|Só texto',
    );
    expect(await body(get('/about', { cookie: 'lang=%E0%A4%A', 'accept-language': 'pt-BR' }))).toBe(
      'pt-BR|UTC|/about|Só texto',
    );
    const hostile = `${'en;q=0.1,'.repeat(5000)}${'\u00ff'.repeat(10)}`;
    expect(await body(get('/about', { 'accept-language': hostile }))).toBe('en|UTC|/about|Just text');
  });

  it('sets Content-Language and merges Vary', async () => {
    const withVary = compose(localeMiddleware({ i18n }))(
      () => new Response('x', { headers: { Vary: 'Origin, accept-language' } }),
    );
    const response = await withVary(new Request('http://localhost/pt-BR/x'));
    expect(response.headers.get('Content-Language')).toBe('pt-BR');
    expect(response.headers.get('Vary')).toBe('Origin, accept-language, Cookie');
    const plain = await get('/x');
    expect(plain.headers.get('Vary')).toBe('Accept-Language, Cookie');
  });

  it('reports a locale the handler activated in Content-Language', async () => {
    const switching = compose(localeMiddleware({ i18n }))(async () => {
      i18n.activate('pt-BR');
      return new Response(i18n.t('plain'));
    });
    const response = await switching(new Request('http://localhost/en/x'));
    expect(await response.text()).toBe('Só texto');
    expect(response.headers.get('Content-Language')).toBe('pt-BR');
    expect(i18n.getLocale()).toBe('en');
  });

  it('works on responses with immutable headers', async () => {
    const redirecting = compose(localeMiddleware({ i18n }))(() => Response.redirect('http://localhost/next', 302));
    const response = await redirecting(new Request('http://localhost/pt-br/'));
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('http://localhost/next');
    expect(response.headers.get('Content-Language')).toBe('pt-BR');
  });

  it('strips the prefix when asked, keeping method and body', async () => {
    const stripping = compose(localeMiddleware({ i18n, stripPrefix: true }))(
      async (request) =>
        new Response(`${new URL(request.url).pathname}?${new URL(request.url).search}|${await request.text()}`),
    );
    const response = await stripping(new Request('http://localhost/pt-br/cart?x=1', { method: 'POST', body: 'data' }));
    expect(await response.text()).toBe('/cart??x=1|data');
    const root = await stripping(new Request('http://localhost/pt-br'));
    expect((await root.text()).startsWith('/?')).toBe(true);
  });

  it('strips the prefix from the URL string as new URL() would (port, query, encoded path, no query)', async () => {
    const urls: string[] = [];
    const stripping = compose(localeMiddleware({ i18n, stripPrefix: true }))((request) => {
      urls.push(request.url);
      return new Response('ok');
    });
    const cases = [
      'http://localhost:8080/pt-br/a/b?x=1&y=/pt-br/',
      'http://localhost/PT-BR/caf%C3%A9',
      'https://example.com/pt-br/?q',
      'http://localhost/pt-br',
      'http://localhost/en/en/x',
    ];
    for (const href of cases) await stripping(new Request(href));
    const expected = cases.map((href) => {
      const url = new URL(href);
      url.pathname =
        url.pathname.slice(url.pathname.indexOf('/', 1) === -1 ? url.pathname.length : url.pathname.indexOf('/', 1)) ||
        '/';
      return url.href;
    });
    expect(urls).toEqual(expected);
    expect(urls).toEqual([
      'http://localhost:8080/a/b?x=1&y=/pt-br/',
      'http://localhost/caf%C3%A9',
      'https://example.com/?q',
      'http://localhost/',
      'http://localhost/en/x',
    ]);
  });

  it('is a plain function: a synchronous throw below it becomes a rejection, a synchronous answer a promise', async () => {
    const failing = localeMiddleware({ i18n });
    const boom = new Error('boom');
    const result = failing(new Request('http://localhost/pt-br/'), () => {
      throw boom;
    });
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toBe(boom);
    // A `next` that breaks the contract and answers synchronously (plain JavaScript callers can).
    const syncNext = (() => new Response('sync')) as unknown as Parameters<typeof failing>[1];
    const answered = failing(new Request('http://localhost/pt-br/'), syncNext);
    expect(answered).toBeInstanceOf(Promise);
    const response = await answered;
    expect(await response.text()).toBe('sync');
    expect(response.headers.get('Content-Language')).toBe('pt-BR');
    expect(response.headers.get('Vary')).toBe('Accept-Language, Cookie');
  });

  it("rejects with the loader's error when a lazily loaded locale fails to load", async () => {
    const broken = createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      loadMessages: async (locale) => {
        if (locale === 'pt-BR') throw new Error('catalog missing');
        return { plain: 'Text' };
      },
    });
    let ran = false;
    const handler = compose(localeMiddleware({ i18n: broken }))(() => {
      ran = true;
      return new Response('x');
    });
    await expect(handler(new Request('http://localhost/pt-br/'))).rejects.toThrow(/catalog missing/);
    expect(ran).toBe(false);
  });

  it('getPathPrefix(): the prefix the locale came from, kept in nested scopes, empty otherwise', async () => {
    const seen: string[] = [];
    const prefixed = compose(localeMiddleware({ i18n, stripPrefix: true }))(async () => {
      seen.push(i18n.getPathPrefix());
      // A nested scope (an e-mail in the recipient's language) keeps the request's URL space.
      seen.push(i18n.withLocale('en', () => i18n.getPathPrefix()));
      return new Response('ok');
    });
    await prefixed(new Request('http://localhost/PT-BR/cart'));
    await prefixed(new Request('http://localhost/cart', { headers: { cookie: 'lang=pt-BR' } }));
    await prefixed(new Request('http://localhost/de/cart', { headers: { 'accept-language': 'pt-BR' } }));
    expect(seen).toEqual(['/pt-br', '/pt-br', '', '', '', '']);
    expect(i18n.getPathPrefix()).toBe('');
  });

  it('honours cookie: false, acceptLanguage: false, prefix: false and a time zone resolver', async () => {
    const custom = compose(
      localeMiddleware({
        i18n,
        cookie: false,
        prefix: false,
        acceptLanguage: false,
        timeZone: (request) => request.headers.get('x-tz') ?? undefined,
      }),
    )(echo);
    const response = await custom(
      new Request('http://localhost/pt-br/x', {
        headers: { cookie: 'lang=pt-BR', 'accept-language': 'pt-BR', 'x-tz': 'America/Sao_Paulo' },
      }),
    );
    expect(await response.text()).toBe('en|America/Sao_Paulo|/pt-br/x|Just text');
    expect(response.headers.get('Vary')).toBe('Accept-Language');
    const badZone = await custom(new Request('http://localhost/', { headers: { 'x-tz': '../../etc/passwd' } }));
    expect(await badZone.text()).toBe('en|UTC|/|Just text');
  });

  it('loads a lazily loaded locale before running the handler', async () => {
    const lazy = createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      loadMessages: async (locale) => ({ plain: locale === 'en' ? 'Text' : 'Texto' }),
    });
    const handler = compose(localeMiddleware({ i18n: lazy }))(() => new Response(lazy.t('plain')));
    expect(await (await handler(new Request('http://localhost/pt-br/'))).text()).toBe('Texto');
  });

  it('keeps concurrent requests in different locales apart', async () => {
    const slow = compose(localeMiddleware({ i18n }))(async () => {
      const before = i18n.getLocale();
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      return new Response(`${before}|${i18n.getLocale()}|${i18n.t('plain')}`);
    });
    const requests = Array.from({ length: 100 }, (_, n) => {
      const locale = n % 2 === 0 ? 'pt-BR' : 'en';
      return slow(new Request('http://localhost/', { headers: { 'accept-language': locale } })).then(async (r) => ({
        locale,
        text: await r.text(),
      }));
    });
    for (const { locale, text } of await Promise.all(requests)) {
      expect(text).toBe(`${locale}|${locale}|${locale === 'en' ? 'Just text' : 'Só texto'}`);
    }
  });

  it('runs the same through the instance’s own scope runner and through the public withLocale of an i18n-like object', async () => {
    // Only string-keyed members: no internal scope runner, so the middleware uses withLocale.
    const publicOnly = Object.fromEntries(Object.entries(i18n)) as unknown as typeof i18n;
    expect(Object.getOwnPropertySymbols(i18n)).toHaveLength(1);
    expect(Object.getOwnPropertySymbols(publicOnly)).toHaveLength(0);
    const outcomes = [];
    for (const source of [i18n, publicOnly]) {
      const run = compose(
        localeMiddleware({ i18n: source, timeZone: (request) => request.headers.get('x-tz') ?? undefined }),
      )(async (request) => {
        const path = new URL(request.url).pathname;
        if (path === '/en/throw') throw new Error('handler failed');
        if (path === '/en/switch') i18n.activate('pt-BR');
        if (path === '/en/sync-throw') return Promise.reject(new Error('rejected'));
        return new Response(`${i18n.getLocale()}|${i18n.getTimeZone()}|${i18n.t('plain')}`);
      });
      const answer = async (path: string, headers: Record<string, string> = {}) => {
        const response = await run(new Request(`http://localhost${path}`, { headers }));
        return [await response.text(), response.headers.get('content-language'), response.headers.get('vary')];
      };
      outcomes.push([
        await answer('/pt-br/a?x=/en/#f'),
        await answer('/en/switch'),
        await answer('/x', { 'accept-language': 'pt-BR', 'x-tz': 'America/Sao_Paulo' }),
        await run(new Request('http://localhost/en/throw')).catch((error: Error) => error.message),
        await run(new Request('http://localhost/en/sync-throw')).catch((error: Error) => error.message),
        i18n.getLocale(),
      ]);
    }
    expect(outcomes[0]).toEqual([
      ['pt-BR|UTC|Só texto', 'pt-BR', 'Accept-Language, Cookie'],
      ['pt-BR|UTC|Só texto', 'pt-BR', 'Accept-Language, Cookie'],
      ['pt-BR|America/Sao_Paulo|Só texto', 'pt-BR', 'Accept-Language, Cookie'],
      'handler failed',
      'rejected',
      'en',
    ]);
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it('reads the prefix from the URL string exactly as new URL(url).pathname would', () => {
    const hrefs = [
      'http://localhost/',
      'http://localhost/pt-br/about?next=/en/x#top',
      'https://example.com:8443/a//b/./../c?q',
      'http://localhost/a/b/%2e%2E/c',
      'http://[::1]:3000/pt-BR#frag?not-a-query',
      'http://localhost/%E2%9C%93/caf%C3%A9?x=1',
      'http://localhost/?only=query',
      'http://localhost/#only-fragment',
    ];
    for (const href of hrefs) {
      const serialised = new Request(href).url;
      expect(rawPath(serialised), serialised).toBe(new URL(serialised).pathname);
    }
  });

  it('rejects bad options', () => {
    expect(() => localeMiddleware({} as never)).toThrow(I18nError);
    expect(() => localeMiddleware({ i18n, cookie: '' })).toThrow(
      new I18nError('ERR_INVALID_OPTION', 'Expected `cookie` to be a cookie name or false, got `` (string)'),
    );
  });
});
