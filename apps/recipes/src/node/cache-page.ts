import { createServer, type Server } from 'node:http';
import { streamResponse, toNodeHandler } from '@adv/async';
import { cachePage } from '@adv/cache';
import { compose } from '@adv/types';
import type { CachePageRecipeOptions } from '../shared/options.js';

/**
 * Django's `cache_page` on a plain `node:http` server: `compose(cachePage(...))` around a Fetch
 * handler, served by `toNodeHandler` (or `serve` from `@adv/async` for graceful shutdown).
 */
export function createApp({ cache, headline, rows }: CachePageRecipeOptions): Server {
  const pages = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === '/news') {
      const language = /^\s*pt\b/i.test(request.headers.get('accept-language') ?? '') ? 'pt-BR' : 'en';
      return new Response(await headline(language), {
        headers: { 'content-type': 'text/plain; charset=utf-8', vary: 'Accept-Language' },
      });
    }
    // Streams to the client while a copy is stored; later requests get the stored body.
    if (pathname === '/report.csv')
      return streamResponse(rows(), { headers: { 'content-type': 'text/csv; charset=utf-8' } });
    return new Response('Not Found', { status: 404 });
  };
  return createServer(toNodeHandler(compose(cachePage({ cache, ttl: 60 }))(pages)));
}

// createApp({ cache: createCache(), headline, rows }).listen(3000);
