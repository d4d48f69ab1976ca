import { createServer, type Server } from 'node:http';
import { toNodeHandler } from '@adv/async';
import { type SecuritySettings, securityMiddleware } from '@adv/deploy';
import { compose } from '@adv/types';

/**
 * Django's `SecurityMiddleware` on `node:http`: `ALLOWED_HOSTS` (400 for any other Host), HTTPS
 * redirect, HSTS, nosniff, Referrer-Policy, COOP and X-Frame-Options on every response.
 */
export function createApp(settings: SecuritySettings): Server {
  const app = compose(securityMiddleware(settings))(async (request) => {
    if (new URL(request.url).pathname === '/') return new Response('hello');
    return new Response('Not Found', { status: 404 });
  });
  return createServer(toNodeHandler(app));
}

// createApp(defineSettings()).listen(3000);
