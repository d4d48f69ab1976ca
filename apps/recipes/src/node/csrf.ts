import { createServer, type Server } from 'node:http';
import { toNodeHandler } from '@adv/async';
import { csrfMiddleware, type SecuritySettings } from '@adv/deploy';
import { compose } from '@adv/types';

/**
 * Django's CSRF origin check on `node:http`: a POST, PUT, PATCH or DELETE whose `Origin` is not
 * the site's own (or in `CSRF_TRUSTED_ORIGINS`) gets 403 before the handler runs.
 */
export function createApp(settings: SecuritySettings): Server {
  const app = compose(csrfMiddleware(settings))(async (request) => {
    if (request.method === 'POST' && new URL(request.url).pathname === '/comments')
      return new Response(`saved: ${await request.text()}`, { status: 201 });
    return new Response('Not Found', { status: 404 });
  });
  return createServer(toNodeHandler(app, { bodyLimit: 1024 * 1024 }));
}

// createApp(defineSettings()).listen(3000);
