import { toExpress } from '@adv/async';
import { localeMiddleware } from '@adv/i18n';
import express from 'express';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `LocaleMiddleware` in Express: URL prefix, then the `lang` cookie, then
 * `Accept-Language`. Routes that run after it see the locale: `t()` translates.
 * Express routes by the original URL, so the prefixed paths get their own route pattern.
 */
export function createApp(): express.Express {
  const app = express();
  app.use(toExpress(localeMiddleware({ i18n })));
  app.get(['/', '/:lang/'], (_req, res) => {
    res.send(t('hello', { name: 'Ana' }));
  });
  return app;
}

// createApp().listen(3000);
