import { toExpress } from '@adv/async';
import { csrfMiddleware, type SecuritySettings } from '@adv/deploy';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * Django's CSRF origin check in Fastify, through `@fastify/middie` and `toExpress`: a POST, PUT,
 * PATCH or DELETE whose `Origin` is not the site's own (or in `CSRF_TRUSTED_ORIGINS`) gets 403
 * before Fastify parses the body or runs the route.
 */
export async function createApp(settings: SecuritySettings): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(middie);
  app.use(toExpress(csrfMiddleware(settings)));
  app.post<{ Body: string }>('/comments', async (request, reply) => {
    reply.code(201);
    return `saved: ${request.body}`;
  });
  return app;
}

// await (await createApp(defineSettings())).listen({ port: 3000 });
