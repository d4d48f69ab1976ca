import { toHono } from '@adv/async';
import { type SecuritySettings, securityMiddleware } from '@adv/deploy';
import { Hono } from 'hono';

/**
 * Django's `SecurityMiddleware` in Hono: `ALLOWED_HOSTS` (400 for any other Host), HTTPS
 * redirect, HSTS, nosniff, Referrer-Policy, COOP and X-Frame-Options on every response, Hono's
 * own 404 included. Register it first.
 */
export function createApp(settings: SecuritySettings): Hono {
  const app = new Hono();
  app.use(toHono(securityMiddleware(settings)));
  app.get('/', (c) => c.text('hello'));
  return app;
}

// serve({ fetch: createApp(defineSettings()).fetch, port: 3000 });
