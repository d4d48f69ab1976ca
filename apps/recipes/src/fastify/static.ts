import { toExpress } from '@adv/async';
import { serveStatic } from '@adv/deploy';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { StaticRecipeOptions } from '../shared/options.js';

/**
 * WhiteNoise for Fastify, through `@fastify/middie` and `toExpress`: serves the `collectStatic`
 * output under `/static/`, hashed names with `Cache-Control: immutable`, precompressed
 * `.br`/`.gz`, ETags and ranges. Other paths go on to the routes (and Fastify's 404).
 */
export async function createApp({ root }: StaticRecipeOptions): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(middie);
  app.use(toExpress(serveStatic({ root, prefix: '/static/' })));
  app.get('/', async () => 'home');
  return app;
}

// await collectStatic('assets', 'dist/static');
// await (await createApp({ root: 'dist/static' })).listen({ port: 3000 });
