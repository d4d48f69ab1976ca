import { type Cache, cachePage } from '@adv/cache';
import { type Middleware, pathnameOf } from '@adv/types';
import type { DemoConfig } from '../config.js';
import { current } from '../i18n.js';
import type { Routes } from '../routes.js';
import { TAGS } from '../wiring.js';

/** How long past its ttl the article list is served while rendering it fails. */
export const STALE_LIST_SECONDS = 86_400;

/** Every method some route (or static file, probe, metrics) serves. */
export const APP_METHODS: readonly string[] = ['GET', 'HEAD', 'POST'];

/**
 * Django's cache_page on the article list. Pages are keyed by URL, language and time zone; every
 * page write carries the list's tag so a save drops all variants.
 */
export function articleListCache(config: DemoConfig, cache: Cache): Middleware {
  const listPages = cachePage({
    cache,
    ttl: config.pageCacheSeconds,
    // RFC 5861 stale-if-error: past its ttl, the stored list is still served for a day when
    // rendering it fails (the database is down), instead of a 503. A save still drops it (tags).
    staleIfError: STALE_LIST_SECONDS,
    // Cached on the server, revalidated by browsers (ETag -> 304): a new article shows at once.
    cacheControl: 'no-cache',
    tags: [TAGS.articleList],
    // The negotiated language and time zone are in the key, not in a header of the request.
    keyParts: () => {
      const { locale, timeZone } = current();
      return [locale, timeZone];
    },
  });
  // A plain function: other pages pass through without a promise of their own.
  return function articleListCache(request, next) {
    if (config.pageCacheSeconds === 0 || pathnameOf(request) !== '/') return next(request);
    return listPages(request, next);
  };
}

/**
 * Methods no route serves (PUT, DELETE, OPTIONS, PROPFIND …) get 405 with `Allow` before the
 * CSRF check would call them forbidden; placed inside the security middleware so its headers apply.
 */
export function methodGuards(routes: Routes): {
  /** The middleware answering 405 for a method outside {@link APP_METHODS}. */
  allowedMethods: Middleware;
  /** The 405 for `pathname`, with the methods its routes serve in `Allow`. */
  notAllowed(pathname: string): Response;
} {
  const notAllowed = (pathname: string) => {
    const allow = routes.allowedMethods(pathname);
    return new Response('Method Not Allowed', {
      status: 405,
      headers: {
        allow: (allow.length > 0 ? allow : APP_METHODS).join(', '),
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      },
    });
  };
  const allowedMethods: Middleware = function allowedMethods(request, next) {
    if (APP_METHODS.includes(request.method)) return next(request);
    return Promise.resolve(notAllowed(pathnameOf(request)));
  };
  return { allowedMethods, notAllowed };
}
