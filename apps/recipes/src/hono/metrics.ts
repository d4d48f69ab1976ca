import { toHono } from '@adv/async';
import { createMetrics } from '@adv/deploy/metrics';
import { Hono } from 'hono';

/**
 * Prometheus metrics in Hono: `http_requests_total` and `http_request_duration_seconds` for
 * every request (Hono's own 404s included), and the exposition at `GET /metrics`.
 * Register it first so it times the whole chain.
 */
export function createApp(): Hono {
  const metrics = createMetrics();
  const app = new Hono();
  app.use(toHono(metrics.middleware));
  app.get('/hello', (c) => c.text('hello'));
  return app;
}

// serve({ fetch: createApp().fetch, port: 3000 });
