import { compose, silentLogger } from '@adv/types';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createI18n, localeMiddleware } from '../src/index.js';

// The README's Hono recipe with `stripPrefix: true`: Hono picks the route before any of its
// middleware runs, so the locale middleware wraps `app.fetch` rather than sitting in `app.use`
// (where `GET /pt-br/` found no route: 404).
const i18n = createI18n({
  locales: ['en', 'pt-BR'],
  defaultLocale: 'en',
  messages: { en: { hello: 'Hello, {name}!' }, 'pt-BR': { hello: 'Olá, {name}!' } },
  logger: silentLogger,
});

function honoApp(): Hono {
  const app = new Hono();
  app.get('/', (c) => c.text(i18n.t('hello', { name: 'Ana' })));
  app.get('/about', (c) => c.text(`about ${i18n.getLocale()} ${new URL(c.req.url).pathname}`));
  return app;
}

describe('localeMiddleware with Hono', () => {
  it('wrapping app.fetch with stripPrefix: /pt-br/ and /pt-br/about reach the routes in pt-BR', async () => {
    const app = honoApp();
    const site = compose(localeMiddleware({ i18n, stripPrefix: true }))((request) => app.fetch(request));
    const home = await site(new Request('http://localhost/pt-br/'));
    expect(home.status).toBe(200);
    expect(await home.text()).toBe('Olá, Ana!');
    expect(home.headers.get('Content-Language')).toBe('pt-BR');
    expect(await (await site(new Request('http://localhost/pt-br'))).text()).toBe('Olá, Ana!');
    expect(await (await site(new Request('http://localhost/pt-br/about?x=1'))).text()).toBe('about pt-BR /about');
    const english = await site(new Request('http://localhost/', { headers: { 'accept-language': 'en' } }));
    expect(await english.text()).toBe('Hello, Ana!');
    expect((await site(new Request('http://localhost/fr/'))).status).toBe(404);
  });

  it('inside app.use, stripPrefix cannot re-route (why the README wraps app.fetch)', async () => {
    const app = new Hono();
    const middleware = localeMiddleware({ i18n, stripPrefix: true });
    app.use(async (c, next) => {
      c.res = await middleware(c.req.raw, async () => {
        await next();
        return c.res;
      });
    });
    app.get('/', (c) => c.text(i18n.t('hello', { name: 'Ana' })));
    expect((await app.fetch(new Request('http://localhost/pt-br/'))).status).toBe(404);
    const home = await app.fetch(new Request('http://localhost/', { headers: { 'accept-language': 'pt-BR' } }));
    expect(await home.text()).toBe('Olá, Ana!');
  });
});
