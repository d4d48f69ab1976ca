import { createServer, type Server } from 'node:http';
import { toNodeHandler } from '@adv/async';
import { createHealth } from '@adv/deploy';
import { compose } from '@adv/types';
import type { HealthRecipeOptions } from '../shared/options.js';

/**
 * Liveness and readiness probes on `node:http`: `health.middleware` answers `/healthz` (200
 * while the process runs) and `/readyz` (every check, each bounded by `timeoutMs`; 503 when one
 * fails) and passes every other request on.
 */
export function createApp({ checks }: HealthRecipeOptions): Server {
  const health = createHealth({ checks, timeoutMs: 2000 });
  const app = compose(health.middleware)(async (request) => {
    if (new URL(request.url).pathname === '/') return new Response('hello');
    return new Response('Not Found', { status: 404 });
  });
  return createServer(toNodeHandler(app));
}

// With `serve` from @adv/async, drain on SIGTERM: /readyz fails first, then the server closes.
// const server = await serve(app, { port: 3000 });
// process.once('SIGTERM', () => { health.beginShutdown(); setTimeout(() => server.close(), 5000); });
