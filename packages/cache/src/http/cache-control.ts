import type { Middleware } from '@adv/types';

/** Cache-Control directives, camel-cased (`maxAge` is `max-age`). Numbers are seconds. */
export interface CacheControlDirectives {
  maxAge?: number;
  sMaxage?: number;
  public?: boolean;
  private?: boolean;
  noCache?: boolean;
  noStore?: boolean;
  noTransform?: boolean;
  mustRevalidate?: boolean;
  proxyRevalidate?: boolean;
  immutable?: boolean;
  staleWhileRevalidate?: number;
  staleIfError?: number;
}

const toHeaderName = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses a Cache-Control header into a Map of lower-case directive to value (`true` when bare). */
export function parseCacheControl(header: string | null): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  if (!header) return directives;
  for (const part of header.split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    directives.set(name, rest.length > 0 ? rest.join('=').trim().replace(/^"|"$/g, '') : true);
  }
  return directives;
}

/**
 * Django's `patch_cache_control`: merges `directives` into the Cache-Control of `headers`.
 * `private` and `public` exclude each other; an existing lower `max-age` wins.
 */
export function patchCacheControl(headers: Headers, directives: CacheControlDirectives): void {
  const current = parseCacheControl(headers.get('cache-control'));
  for (const [key, value] of Object.entries(directives)) {
    if (value === undefined || value === false) continue;
    const name = toHeaderName(key);
    if (name === 'private') current.delete('public');
    if (name === 'public') current.delete('private');
    if (name === 'max-age' && current.has('max-age')) {
      current.set(name, String(Math.min(Number(current.get('max-age')), value as number)));
      continue;
    }
    current.set(name, value === true ? true : String(value));
  }
  headers.set(
    'cache-control',
    [...current].map(([name, value]) => (value === true ? name : `${name}=${value}`)).join(', '),
  );
}

/** A response whose headers can be changed (some, like `Response.redirect`, are immutable). */
export function mutable(response: Response): Response {
  try {
    response.headers.set('x-adv-probe', '1');
    response.headers.delete('x-adv-probe');
    return response;
  } catch {
    return new Response(response.body, response);
  }
}

/**
 * Middleware that patches the response's Cache-Control (Django's `@cache_control`).
 *
 * @example
 * ```ts
 * const app = compose(cacheControl({ public: true, maxAge: 3600 }))(handler);
 * ```
 */
export const cacheControl = (directives: CacheControlDirectives): Middleware => {
  const resolved = { ...directives };
  return async function cacheControl(request, next) {
    const response = mutable(await next(request));
    patchCacheControl(response.headers, resolved);
    return response;
  };
};

/**
 * Middleware that marks every response as never to be cached, anywhere (Django's
 * `@never_cache`): `Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`
 * and an `Expires` of now.
 */
export const neverCache = (): Middleware =>
  async function neverCache(request, next) {
    const response = mutable(await next(request));
    if (!response.headers.has('expires')) response.headers.set('expires', new Date().toUTCString());
    patchCacheControl(response.headers, {
      maxAge: 0,
      noCache: true,
      noStore: true,
      mustRevalidate: true,
      private: true,
    });
    return response;
  };
