/**
 * `cachePage`, Django's `cache_page` middleware. Its parts live beside it: the options
 * (page-options.ts), the keys and Vary bookkeeping (page-keys.ts), the hit path (page-hit.ts),
 * the store path (page-store.ts) and the stored page format (stored-page.ts).
 */
import type { Middleware } from '@adv/types';
import { CacheError, describeValue } from '../errors.js';
import { PageLookups } from './page-hit.js';
import { VaryDigests } from './page-keys.js';
import { type CachePageOptions, checkTags, resolvePageOptions } from './page-options.js';

/**
 * Django's `cache_page`: caches GET and HEAD 200 responses for `ttl` seconds. The key holds the
 * method, the full URL and the request headers named by the response's `Vary` and by `varyOn`.
 * Responses with `Set-Cookie` or `Cache-Control: private / no-store / no-cache`, `Vary: *`, and
 * requests with `Authorization` (unless `cacheAuthorized`) are never cached. A cached response
 * gets `Cache-Control: max-age`, `Expires`, a strong `ETag` (answered with 304 on a matching
 * `If-None-Match`) and `Age`. The body streams to the client while a copy is stored; bodies over
 * `maxBodyBytes` and `text/event-stream` responses are passed through without a copy. `tags`
 * are written with each page (drop them all with `invalidateTags`); `keyParts(request)` adds
 * request-derived values (language, time zone, tenant) to the key. A hit is one cache read (see
 * page-hit.ts); a HEAD is answered from a cached GET page first, as in Django.
 *
 * @example
 * ```ts
 * const app = compose(cachePage({ cache, ttl: 60, varyOn: ['accept-language'] }))(handler);
 * ```
 */
export const cachePage = (options: CachePageOptions): Middleware => {
  const o = resolvePageOptions(options);
  const { keyParts, tags } = o;
  /** `keyParts(request)`, checked: a bad result is a bug in the app, so it throws. */
  const partsOf = (request: Request): readonly string[] | null => {
    if (keyParts === undefined) return null;
    const parts = keyParts(request);
    if (!Array.isArray(parts) || parts.some((part) => typeof part !== 'string')) {
      throw new CacheError(
        'ERR_INVALID_ARGUMENT',
        `Expected \`keyParts(request)\` to return an array of strings, got ${describeValue(parts)}`,
      );
    }
    return parts;
  };
  const tagsOf = (request: Request, response: Response): readonly string[] | undefined => {
    if (typeof tags !== 'function') return tags;
    return checkTags(tags(request, response), 'tags(request, response)', 'ERR_INVALID_ARGUMENT');
  };
  const lookups = new PageLookups({ o, digests: new VaryDigests(), tagsOf });
  const last = lookups.last;

  return function cachePage(request, next) {
    const method = request.method;
    if ((method !== 'GET' && method !== 'HEAD') || (!o.cacheAuthorized && request.headers.has('authorization'))) {
      return next(request);
    }
    let partsText: string | null;
    try {
      const parts = partsOf(request);
      partsText = parts === null ? null : last.partsText(parts);
    } catch (error) {
      return Promise.reject(error);
    }
    // Django's FetchFromCacheMiddleware: a HEAD is answered from a cached GET first.
    return lookups.lookup({ request, next, partsText, method: 'GET', variant: undefined });
  };
};
