import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Middleware } from '@adv/types';
import { fromRoot } from './paths.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * PHASE-1 GLUE until `@adv/deploy`'s collectStatic/serveStatic land: serves `static/` under
 * `/static/` without hashing (so `no-cache`).
 */
export function glueStatic(): { middleware: Middleware; url: (name: string) => string } {
  return {
    url: (name) => `/static/${name}`,
    middleware: async function serveStatic(request, next) {
      const { pathname } = new URL(request.url);
      const match = /^\/static\/([a-z0-9._-]+)$/i.exec(pathname);
      if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) return next(request);
      try {
        const body = readFileSync(fromRoot('static', match[1]!));
        return new Response(request.method === 'HEAD' ? null : body, {
          headers: {
            'content-type': TYPES[extname(match[1]!)] ?? 'application/octet-stream',
            'cache-control': 'no-cache',
          },
        });
      } catch {
        return next(request);
      }
    },
  };
}
