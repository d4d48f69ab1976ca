import { createServer, type Server } from 'node:http';
import { toNodeHandler } from '@adv/async';
import { serveStatic } from '@adv/deploy';
import { compose } from '@adv/types';
import type { StaticRecipeOptions } from '../shared/options.js';

/**
 * WhiteNoise on `node:http`: serves the `collectStatic` output under `/static/`, hashed names
 * with `Cache-Control: immutable`, precompressed `.br`/`.gz`, ETags and ranges. Other paths go
 * on to the handler.
 */
export function createApp({ root }: StaticRecipeOptions): Server {
  const app = compose(serveStatic({ root, prefix: '/static/' }))(async (request) => {
    if (new URL(request.url).pathname === '/') return new Response('home');
    return new Response('Not Found', { status: 404 });
  });
  return createServer(toNodeHandler(app));
}

// await collectStatic('assets', 'dist/static');
// createApp({ root: 'dist/static' }).listen(3000);
