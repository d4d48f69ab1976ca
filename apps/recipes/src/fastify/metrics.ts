import { toExpress } from '@adv/async';
import { createMetrics } from '@adv/deploy/metrics';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * Prometheus metrics in Fastify, through `@fastify/middie` and `toExpress`:
 * `http_requests_total` and `http_request_duration_seconds` for every request (Fastify's own
 * 404s included), and the exposition at `GET /metrics`.
 */
export async function createApp(): Promise<FastifyInstance> {
  const metrics = createMetrics();
  const app = Fastify();
  await app.register(middie);
  app.use(toExpress(metrics.middleware));
  app.get('/hello', async () => 'hello');
  return app;
}

// await (await createApp()).listen({ port: 3000 });
