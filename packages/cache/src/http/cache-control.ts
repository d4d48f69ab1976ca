import { type Middleware, type OptionKeys, unknownOptionMessage, withHeaders } from '@adv/types';
import { CacheError, describeValue } from '../errors.js';

/** Cache-Control directives, camel-cased (`maxAge` is `max-age`). Numbers are seconds. */
export interface CacheControlDirectives {
  maxAge?: number | undefined;
  sMaxage?: number | undefined;
  public?: boolean | undefined;
  private?: boolean | undefined;
  noCache?: boolean | undefined;
  noStore?: boolean | undefined;
  noTransform?: boolean | undefined;
  mustRevalidate?: boolean | undefined;
  proxyRevalidate?: boolean | undefined;
  immutable?: boolean | undefined;
  staleWhileRevalidate?: number | undefined;
  staleIfError?: number | undefined;
}

const toHeaderName = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const SECONDS = new Set(['maxAge', 'sMaxage', 'staleWhileRevalidate', 'staleIfError']);

/** Every directive, by its option name. */
const DIRECTIVE_KEYS: OptionKeys<CacheControlDirectives> = {
  maxAge: true,
  sMaxage: true,
  public: true,
  private: true,
  noCache: true,
  noStore: true,
  noTransform: true,
  mustRevalidate: true,
  proxyRevalidate: true,
  immutable: true,
  staleWhileRevalidate: true,
  staleIfError: true,
};

/**
 * Throws `ERR_INVALID_OPTION` unless every directive is known (an unknown one in the message
 * shape of `resolveOptions`, with a did-you-mean) and of its type. `name` is the caller's.
 */
function checkDirectives(directives: unknown, name: string): asserts directives is CacheControlDirectives {
  if (typeof directives !== 'object' || directives === null || Array.isArray(directives)) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected the options of \`${name}()\` to be an object of directives, got ${describeValue(directives)}`,
    );
  }
  for (const [key, value] of Object.entries(directives)) {
    if (!Object.hasOwn(DIRECTIVE_KEYS, key))
      throw new CacheError('ERR_INVALID_OPTION', unknownOptionMessage(name, key, Object.keys(DIRECTIVE_KEYS)));
    if (value === undefined) continue;
    if (SECONDS.has(key)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new CacheError(
          'ERR_INVALID_OPTION',
          `Expected \`${key}\` to be a whole number of seconds >= 0, got ${describeValue(value)}`,
        );
      }
    } else if (typeof value !== 'boolean') {
      throw new CacheError('ERR_INVALID_OPTION', `Expected \`${key}\` to be a boolean, got ${describeValue(value)}`);
    }
  }
}

/**
 * Parses a Cache-Control header into a Map of lower-case directive to value (`true` when bare).
 * Quoted values may hold commas: `no-cache="set-cookie, x-id"` is one directive.
 */
export function parseCacheControl(header: string | null): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  if (!header) return directives;
  const length = header.length;
  let i = 0;
  while (i < length) {
    while (i < length && (header[i] === ',' || header[i] === ' ' || header[i] === '\t')) i++;
    let from = i;
    while (i < length && header[i] !== '=' && header[i] !== ',') i++;
    const name = header.slice(from, i).trim().toLowerCase();
    let value: string | true = true;
    if (header[i] === '=') {
      i++;
      while (i < length && (header[i] === ' ' || header[i] === '\t')) i++;
      if (header[i] === '"') {
        // A quoted string may hold commas and \-escapes.
        let text = '';
        for (i++; i < length && header[i] !== '"'; i++) {
          if (header[i] === '\\' && i + 1 < length) i++;
          text += header[i];
        }
        value = text;
        while (i < length && header[i] !== ',') i++;
      } else {
        from = i;
        while (i < length && header[i] !== ',') i++;
        value = header.slice(from, i).trim();
      }
    }
    if (name && !directives.has(name)) directives.set(name, value);
  }
  return directives;
}

function serialize(name: string, value: string | true): string {
  if (value === true) return name;
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)
    ? `${name}=${value}`
    : `${name}="${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Django's `patch_cache_control`: merges `directives` into the Cache-Control of `headers`.
 * `private` and `public` exclude each other; an existing lower `max-age` wins.
 */
export function patchCacheControl(headers: Headers, directives: CacheControlDirectives): void {
  checkDirectives(directives, 'patchCacheControl');
  const current = parseCacheControl(headers.get('cache-control'));
  for (const [key, value] of Object.entries(directives)) {
    if (value === undefined || value === false) continue;
    const name = toHeaderName(key);
    if (name === 'private') current.delete('public');
    if (name === 'public') current.delete('private');
    const existing = current.get('max-age');
    if (name === 'max-age' && typeof existing === 'string' && /^\d+$/.test(existing)) {
      current.set(name, String(Math.min(Number(existing), value as number)));
      continue;
    }
    current.set(name, value === true ? true : String(value));
  }
  headers.set('cache-control', [...current].map(([name, value]) => serialize(name, value)).join(', '));
}

/**
 * A response whose headers can be changed: `withHeaders` of `@adv/types` copies one whose headers
 * are immutable (`Response.redirect`), found by a probe write.
 */
export function mutable(response: Response): Response {
  return withHeaders(response, probeWrite);
}

function probeWrite(headers: Headers): void {
  headers.set('x-adv-probe', '1');
  headers.delete('x-adv-probe');
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
  checkDirectives(directives, 'cacheControl');
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
