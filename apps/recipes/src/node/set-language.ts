import { createServer, type Server } from 'node:http';
import { toNodeHandler } from '@adv/async';
import { localeMiddleware, setLanguage } from '@adv/i18n';
import { compose } from '@adv/types';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `set_language` view on `node:http`: a form POST to `/i18n/setlang` stores the choice
 * in the `lang` cookie and redirects to `next`.
 */
export function createApp(): Server {
  const setLang = setLanguage({ i18n });
  const app = compose(localeMiddleware({ i18n, stripPrefix: true }))(async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/i18n/setlang') return setLang(request);
    if (pathname === '/') return new Response(t('hello', { name: 'Ana' }));
    return new Response('Not Found', { status: 404 });
  });
  return createServer(toNodeHandler(app));
}

// createApp().listen(3000);
