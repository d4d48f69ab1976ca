import { toExpress } from '@adv/async';
import { createHealth, csrfMiddleware, type SecuritySettings, securityMiddleware, serveStatic } from '@adv/deploy';
import { createMetrics } from '@adv/deploy/metrics';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { HealthRecipeOptions, StaticRecipeOptions } from '../shared/options.js';

/**
 * The whole @adv/deploy stack on Fastify, in the order of the package's quick start: metrics,
 * probes (before the Host check: they use the pod IP), security headers and ALLOWED_HOSTS,
 * static files, then the CSRF origin check in front of the routes.
 */
export async function createApp(
  settings: SecuritySettings,
  { root, checks }: StaticRecipeOptions & HealthRecipeOptions,
): Promise<FastifyInstance> {
  const metrics = createMetrics();
  const health = createHealth({ checks });
  const app = Fastify();
  await app.register(middie); // Express-style middleware, run in onRequest (before body parsing)
  app.use(toExpress(metrics.middleware)); // GET /metrics
  app.use(toExpress(health.middleware)); // GET /healthz, /readyz
  app.use(toExpress(securityMiddleware(settings)));
  app.use(toExpress(serveStatic({ root })));
  app.use(toExpress(csrfMiddleware(settings)));
  app.get('/', async () => 'hello');
  app.post<{ Body: string }>('/comments', async (request, reply) => {
    reply.code(201);
    return `saved: ${request.body}`;
  });
  return app;
}

// await (await createApp(defineSettings(), { root: 'dist/static', checks: [] })).listen({ port: 3000 });
