import { toExpress } from '@adv/async';
import { createMetrics } from '@adv/deploy/metrics';
import express from 'express';

/**
 * Prometheus metrics in Express: `http_requests_total` and `http_request_duration_seconds` for
 * every request (Express's own 404s included), and the exposition at `GET /metrics`.
 * Register it first so it times the whole chain.
 */
export function createApp(): express.Express {
  const metrics = createMetrics();
  const app = express();
  app.use(toExpress(metrics.middleware));
  app.get('/hello', (_req, res) => {
    res.send('hello');
  });
  return app;
}

// createApp().listen(3000);
