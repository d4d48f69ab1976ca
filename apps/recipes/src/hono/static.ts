import { toHono } from '@adv/async';
import { serveStatic } from '@adv/deploy';
import { Hono } from 'hono';
import type { StaticRecipeOptions } from '../shared/options.js';

/**
 * WhiteNoise for Hono: serves the `collectStatic` output under `/static/`, hashed names with
 * `Cache-Control: immutable`, precompressed `.br`/`.gz`, ETags and ranges. Other paths go on
 * to the routes.
 */
export function createApp({ root }: StaticRecipeOptions): Hono {
  const app = new Hono();
  app.use('/static/*', toHono(serveStatic({ root, prefix: '/static/' })));
  app.get('/', (c) => c.text('home'));
  return app;
}

// await collectStatic('assets', 'dist/static');
// serve({ fetch: createApp({ root: 'dist/static' }).fetch, port: 3000 });
