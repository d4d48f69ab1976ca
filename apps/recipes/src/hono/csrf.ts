import { toHono } from '@adv/async';
import { csrfMiddleware, type SecuritySettings } from '@adv/deploy';
import { Hono } from 'hono';

/**
 * Django's CSRF origin check in Hono: a POST, PUT, PATCH or DELETE whose `Origin` is not the
 * site's own (or in `CSRF_TRUSTED_ORIGINS`) gets 403 before the handler runs.
 */
export function createApp(settings: SecuritySettings): Hono {
  const app = new Hono();
  app.use(toHono(csrfMiddleware(settings)));
  app.post('/comments', async (c) => c.text(`saved: ${await c.req.text()}`, 201));
  return app;
}

// serve({ fetch: createApp(defineSettings()).fetch, port: 3000 });
