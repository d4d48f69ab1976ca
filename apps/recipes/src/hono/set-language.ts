import { toHono } from '@adv/async';
import { localeMiddleware, setLanguage } from '@adv/i18n';
import { Hono } from 'hono';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `set_language` view in Hono: a form POST to `/i18n/setlang` stores the choice in the
 * `lang` cookie and redirects to `next`.
 */
export function createApp(): Hono {
  const app = new Hono();
  app.post('/i18n/setlang', toHono(setLanguage({ i18n })));
  app.use(toHono(localeMiddleware({ i18n })));
  const hello = () => t('hello', { name: 'Ana' });
  app.get('/', (c) => c.text(hello()));
  app.get('/:lang/', (c) => c.text(hello()));
  return app;
}

// serve({ fetch: createApp().fetch, port: 3000 });
