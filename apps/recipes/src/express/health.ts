import { toExpress } from '@adv/async';
import { createHealth } from '@adv/deploy';
import express from 'express';
import type { HealthRecipeOptions } from '../shared/options.js';

/**
 * Liveness and readiness probes in Express: `/healthz` answers 200 while the process runs,
 * `/readyz` runs every check (each bounded by `timeoutMs`) and answers 503 when one fails.
 * Register them before a Host check: probes use the pod IP.
 */
export function createApp({ checks }: HealthRecipeOptions): express.Express {
  const health = createHealth({ checks, timeoutMs: 2000 });
  const app = express();
  app.get('/healthz', toExpress(health.liveness));
  app.get('/readyz', toExpress(health.readiness));
  app.get('/', (_req, res) => {
    res.send('hello');
  });
  return app;
}

// const app = createApp({ checks: [{ name: 'db', check: (signal) => db.query('select 1', { signal }) }] });
// app.listen(3000);
