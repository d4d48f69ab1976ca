import { createServer, type Server } from 'node:http';
import { toNodeHandler } from '@adv/async';
import { localeMiddleware } from '@adv/i18n';
import { compose } from '@adv/types';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `LocaleMiddleware` on `node:http`: URL prefix, then the `lang` cookie, then
 * `Accept-Language`. With `stripPrefix` the handler sees `/pt-br/` as `/`.
 */
export function createApp(): Server {
  const app = compose(localeMiddleware({ i18n, stripPrefix: true }))(async (request) => {
    if (new URL(request.url).pathname === '/') return new Response(t('hello', { name: 'Ana' }));
    return new Response('Not Found', { status: 404 });
  });
  return createServer(toNodeHandler(app));
}

// createApp().listen(3000);
