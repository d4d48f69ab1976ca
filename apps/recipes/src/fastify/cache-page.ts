import { Readable } from 'node:stream';
import { toExpress } from '@adv/async';
import { cachePage } from '@adv/cache';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CachePageRecipeOptions } from '../shared/options.js';

/**
 * Django's `cache_page` on Fastify routes: `@fastify/middie` runs the Fetch middleware (through
 * `toExpress`) in the routes' encapsulation context, so only the routes registered beside it are
 * cached. A hit is answered by the middleware; the route handler does not run.
 */
export async function createApp({ cache, headline, rows }: CachePageRecipeOptions): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(middie);

  await app.register(async (cached) => {
    cached.use(toExpress(cachePage({ cache, ttl: 60 })));

    cached.get('/news', async (request, reply) => {
      const language = /^\s*pt\b/i.test(request.headers['accept-language'] ?? '') ? 'pt-BR' : 'en';
      reply.header('vary', 'Accept-Language').type('text/plain; charset=utf-8');
      return headline(language);
    });

    // Streams to the client while a copy is stored; later requests get the stored body.
    cached.get('/report.csv', (_request, reply) => {
      reply.type('text/csv; charset=utf-8').send(Readable.from(rows()));
    });
  });
  return app;
}

// await (await createApp({ cache: createCache(), headline, rows })).listen({ port: 3000 });
