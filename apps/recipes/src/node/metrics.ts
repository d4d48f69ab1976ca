import { createServer, type Server } from 'node:http';
import { toNodeHandler } from '@adv/async';
import { createMetrics } from '@adv/deploy/metrics';
import { compose } from '@adv/types';

/**
 * Prometheus metrics on `node:http`: `http_requests_total` and `http_request_duration_seconds`
 * for every request, and the exposition at `GET /metrics`.
 */
export function createApp(): Server {
  const metrics = createMetrics();
  const app = compose(metrics.middleware)(async (request) => {
    if (new URL(request.url).pathname === '/hello') return new Response('hello');
    return new Response('Not Found', { status: 404 });
  });
  return createServer(toNodeHandler(app));
}

// createApp().listen(3000);
