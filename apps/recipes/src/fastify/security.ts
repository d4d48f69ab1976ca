import { toExpress } from '@adv/async';
import { type SecuritySettings, securityMiddleware } from '@adv/deploy';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * Django's `SecurityMiddleware` in Fastify, through `@fastify/middie` and `toExpress`:
 * `ALLOWED_HOSTS` (400 for any other Host), HTTPS redirect, HSTS, nosniff, Referrer-Policy, COOP
 * and X-Frame-Options on every response, Fastify's own 404 included.
 */
export async function createApp(settings: SecuritySettings): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(middie);
  app.use(toExpress(securityMiddleware(settings)));
  app.get('/', async () => 'hello');
  return app;
}

// await (await createApp(defineSettings())).listen({ port: 3000 });
