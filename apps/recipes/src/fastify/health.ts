import { toNodeHandler } from '@adv/async';
import { createHealth } from '@adv/deploy';
import Fastify, { type FastifyInstance } from 'fastify';
import type { HealthRecipeOptions } from '../shared/options.js';

/**
 * Liveness and readiness probes in Fastify: each Fetch handler becomes a route with
 * `reply.hijack()` + `toNodeHandler`. `/healthz` answers 200 while the process runs, `/readyz`
 * runs every check (each bounded by `timeoutMs`) and answers 503 when one fails.
 */
export function createApp({ checks }: HealthRecipeOptions): FastifyInstance {
  const health = createHealth({ checks, timeoutMs: 2000 });
  const liveness = toNodeHandler(health.liveness);
  const readiness = toNodeHandler(health.readiness);
  const app = Fastify();
  app.get('/healthz', (request, reply) => {
    reply.hijack();
    liveness(request.raw, reply.raw);
  });
  app.get('/readyz', (request, reply) => {
    reply.hijack();
    readiness(request.raw, reply.raw);
  });
  app.get('/', async () => 'hello');
  return app;
}

// await createApp({ checks: [{ name: 'db', check: (signal) => db.ping({ signal }) }] }).listen({ port: 3000 });
