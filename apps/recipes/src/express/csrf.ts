import { toExpress } from '@adv/async';
import { csrfMiddleware, type SecuritySettings } from '@adv/deploy';
import express from 'express';

/**
 * Django's CSRF origin check in Express: a POST, PUT, PATCH or DELETE whose `Origin` is not the
 * site's own (or in `CSRF_TRUSTED_ORIGINS`) gets 403 before any route or body parser runs.
 */
export function createApp(settings: SecuritySettings): express.Express {
  const app = express();
  app.use(toExpress(csrfMiddleware(settings)));
  app.post('/comments', express.text(), (req, res) => {
    res.status(201).send(`saved: ${req.body}`);
  });
  return app;
}

// createApp(defineSettings()).listen(3000);
