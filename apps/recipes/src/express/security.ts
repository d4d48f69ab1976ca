import { toExpress } from '@adv/async';
import { type SecuritySettings, securityMiddleware } from '@adv/deploy';
import express from 'express';

/**
 * Django's `SecurityMiddleware` in Express: `ALLOWED_HOSTS` (400 for any other Host), HTTPS
 * redirect, HSTS, nosniff, Referrer-Policy, COOP and X-Frame-Options on every response,
 * Express's own 404 and error pages included. Register it first.
 */
export function createApp(settings: SecuritySettings): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(toExpress(securityMiddleware(settings)));
  app.get('/', (_req, res) => {
    res.send('hello');
  });
  return app;
}

// createApp(defineSettings()).listen(3000);
