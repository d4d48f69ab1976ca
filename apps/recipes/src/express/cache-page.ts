import { toExpress } from '@adv/async';
import { cachePage } from '@adv/cache';
import express from 'express';
import type { CachePageRecipeOptions } from '../shared/options.js';

/**
 * Django's `cache_page` on Express routes: `toExpress(cachePage(...))` in front of a route
 * caches what the route answers (a `Vary` header the route sets becomes part of the key).
 */
export function createApp({ cache, headline, rows }: CachePageRecipeOptions): express.Express {
  const app = express();
  const perPage = toExpress(cachePage({ cache, ttl: 60 }));

  app.get('/news', perPage, async (req, res) => {
    const language = req.acceptsLanguages('en', 'pt-BR') || 'en';
    res
      .vary('Accept-Language')
      .type('text/plain')
      .send(await headline(language));
  });

  // Streams to the client while a copy is stored; later requests get the stored body.
  app.get('/report.csv', perPage, async (_req, res) => {
    res.type('text/csv');
    for await (const row of rows()) res.write(row);
    res.end();
  });
  return app;
}

// const app = createApp({ cache: createCache(), headline, rows });
// app.listen(3000);
