import { toHono } from '@adv/async';
import { cachePage } from '@adv/cache';
import { Hono } from 'hono';
import { accepts } from 'hono/accepts';
import { stream } from 'hono/streaming';
import type { CachePageRecipeOptions } from '../shared/options.js';

/**
 * Django's `cache_page` on Hono routes: `toHono(cachePage(...))` in front of a handler caches
 * what it answers (a `Vary` header the handler sets becomes part of the key).
 */
export function createApp({ cache, headline, rows }: CachePageRecipeOptions): Hono {
  const app = new Hono();
  const perPage = toHono(cachePage({ cache, ttl: 60 }));

  app.get('/news', perPage, async (c) => {
    const language = accepts(c, { header: 'Accept-Language', supports: ['en', 'pt-BR'], default: 'en' });
    c.header('Vary', 'Accept-Language');
    return c.text(await headline(language));
  });

  // Streams to the client while a copy is stored; later requests get the stored body.
  app.get('/report.csv', perPage, (c) => {
    c.header('Content-Type', 'text/csv; charset=utf-8');
    return stream(c, async (out) => {
      for await (const row of rows()) await out.write(row);
    });
  });
  return app;
}

// serve({ fetch: createApp({ cache: createCache(), headline, rows }).fetch, port: 3000 });
