import { toHono } from '@adv/async';
import { createHealth } from '@adv/deploy';
import { Hono } from 'hono';
import type { HealthRecipeOptions } from '../shared/options.js';

/**
 * Liveness and readiness probes in Hono: `/healthz` answers 200 while the process runs,
 * `/readyz` runs every check (each bounded by `timeoutMs`) and answers 503 when one fails.
 */
export function createApp({ checks }: HealthRecipeOptions): Hono {
  const health = createHealth({ checks, timeoutMs: 2000 });
  const app = new Hono();
  app.get('/healthz', toHono(health.liveness));
  app.get('/readyz', toHono(health.readiness));
  app.get('/', (c) => c.text('hello'));
  return app;
}

// serve({ fetch: createApp({ checks: [{ name: 'db', check: (signal) => db.ping({ signal }) }] }).fetch, port: 3000 });
