import { toExpress } from '@adv/async';
import { localeMiddleware, setLanguage } from '@adv/i18n';
import express from 'express';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `set_language` view in Express: a form POST to `/i18n/setlang` stores the choice in
 * the `lang` cookie and redirects to `next`. Mount it before any body parser: it reads the form.
 */
export function createApp(): express.Express {
  const app = express();
  app.post('/i18n/setlang', toExpress(setLanguage({ i18n })));
  app.use(toExpress(localeMiddleware({ i18n })));
  app.get(['/', '/:lang/'], (_req, res) => {
    res.send(t('hello', { name: 'Ana' }));
  });
  return app;
}

// createApp().listen(3000);
