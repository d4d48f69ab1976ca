import { toHono } from '@adv/async';
import { localeMiddleware } from '@adv/i18n';
import { Hono } from 'hono';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `LocaleMiddleware` in Hono: URL prefix, then the `lang` cookie, then
 * `Accept-Language`; handlers after it see the locale (`t()` translates). Hono picks the route
 * before middleware runs, so the prefixed path is a route too. (To strip the prefix instead,
 * wrap the whole app: `compose(localeMiddleware({ i18n, stripPrefix: true }))((r) => app.fetch(r))`.)
 */
export function createApp(): Hono {
  const app = new Hono();
  app.use(toHono(localeMiddleware({ i18n })));
  const hello = () => t('hello', { name: 'Ana' });
  app.get('/', (c) => c.text(hello()));
  app.get('/:lang/', (c) => c.text(hello()));
  return app;
}

// serve({ fetch: createApp().fetch, port: 3000 });
