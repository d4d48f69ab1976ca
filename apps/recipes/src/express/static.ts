import { toExpress } from '@adv/async';
import { serveStatic } from '@adv/deploy';
import express from 'express';
import type { StaticRecipeOptions } from '../shared/options.js';

/**
 * WhiteNoise for Express: serves the `collectStatic` output under `/static/`, hashed names with
 * `Cache-Control: immutable`, precompressed `.br`/`.gz`, ETags and ranges. Other paths go on
 * to the routes.
 */
export function createApp({ root }: StaticRecipeOptions): express.Express {
  const app = express();
  app.use(toExpress(serveStatic({ root, prefix: '/static/' })));
  app.get('/', (_req, res) => {
    res.send('home');
  });
  return app;
}

// await collectStatic('assets', 'dist/static');
// createApp({ root: 'dist/static' }).listen(3000);
