import { createHash } from 'node:crypto';
import { type CacheLike, type Middleware, type OptionKeys, resolveOptions } from '@adv/types';
import { CacheError, describeValue } from '../errors.js';
import { checkTtl, invalidOption } from '../validate.js';
import { mutable, parseCacheControl, patchCacheControl } from './cache-control.js';

/** Options of {@link cachePage}. */
export interface CachePageOptions {
  /** Where pages go: a `createCache()` cache (any `CacheLike` works). */
  cache: CacheLike;
  /** Seconds a page stays cached, unless the response's own `max-age` says otherwise. */
  ttl: number;
  /** Request headers that always split the cache (besides those named by the response's `Vary`). */
  varyOn?: readonly string[] | undefined;
  /** Prefix of page keys inside the cache. @defaultValue `'page'` */
  keyPrefix?: string | undefined;
  /** Also cache requests that carry `Authorization` (off: they would leak between users). @defaultValue `false` */
  cacheAuthorized?: boolean | undefined;
  /**
   * Largest body, in bytes, that is stored. A longer one (or an endless stream) still streams
   * to the client in full; only the copy for the cache is dropped once it passes this size.
   * @defaultValue `5 MiB`
   */
  maxBodyBytes?: number | undefined;
}

/** Every option of {@link cachePage}. */
const CACHE_PAGE_OPTION_KEYS: OptionKeys<CachePageOptions> = {
  cache: true,
  ttl: true,
  varyOn: true,
  keyPrefix: true,
  cacheAuthorized: true,
  maxBodyBytes: true,
};

/** Defaults of {@link CachePageOptions}. */
export const CACHE_PAGE_DEFAULTS = {
  keyPrefix: 'page',
  varyOn: [] as readonly string[],
  cacheAuthorized: false,
  maxBodyBytes: 5 * 1024 * 1024,
} as const;

interface StoredPage {
  /** Status, headers, base64 body, storage time in ms. */
  s: number;
  h: [string, string][];
  b: string;
  t: number;
}

/** `If-None-Match` handling: weak comparison, as RFC 9110 asks for GET/HEAD. */
function matches(ifNoneMatch: string | null, etag: string | null): boolean {
  if (ifNoneMatch === null || etag === null) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}

function varyNames(response: Response, varyOn: readonly string[]): string[] {
  const fromResponse = (response.headers.get('vary') ?? '').split(',').map((name) => name.trim().toLowerCase());
  return [...new Set([...fromResponse, ...varyOn.map((name) => name.toLowerCase())])].filter(Boolean).sort();
}

function pageKey(prefix: string, request: Request, names: readonly string[]): string {
  const hash = createHash('sha256');
  for (const name of names) hash.update(`${name}=${request.headers.get(name) ?? ''}\n`);
  return `${prefix}:page:${request.method}:${request.url}:${hash.digest('hex').slice(0, 32)}`;
}

function isCacheable(response: Response, maxBodyBytes: number): boolean {
  if (response.status !== 200 || response.headers.has('set-cookie')) return false;
  // An event stream never ends: there is no page to store.
  if (/^\s*text\/event-stream/i.test(response.headers.get('content-type') ?? '')) return false;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (length > maxBodyBytes) return false;
  const cc = parseCacheControl(response.headers.get('cache-control'));
  return !cc.has('private') && !cc.has('no-store') && !cc.has('no-cache');
}

/** The 304 for `headers` (RFC 9110: the validators and caching headers, no body). */
function notModified(headers: Headers): Response {
  const kept = new Headers();
  for (const name of ['etag', 'cache-control', 'expires', 'vary', 'last-modified', 'age', 'content-location', 'date']) {
    const value = headers.get(name);
    if (value !== null) kept.set(name, value);
  }
  return new Response(null, { status: 304, headers: kept });
}

/** Whether a cached value is a page this middleware stored (not a stray value under its key). */
function isStoredPage(value: unknown): value is StoredPage {
  const page = value as StoredPage | undefined;
  return (
    typeof page === 'object' &&
    page !== null &&
    typeof page.s === 'number' &&
    Array.isArray(page.h) &&
    typeof page.b === 'string' &&
    typeof page.t === 'number'
  );
}

function fromStore(stored: StoredPage, request: Request): Response {
  const headers = new Headers(stored.h);
  headers.set('age', String(Math.max(0, Math.floor((Date.now() - stored.t) / 1000))));
  if (matches(request.headers.get('if-none-match'), headers.get('etag'))) return notModified(headers);
  const body = request.method === 'HEAD' ? null : Buffer.from(stored.b, 'base64');
  return new Response(body, { status: stored.s, headers });
}

async function store(
  cache: CacheLike,
  keys: { vary: string; page: string },
  names: string[],
  response: Response,
  body: ReadableStream<Uint8Array> | null,
  ttl: number,
  maxBodyBytes: number,
): Promise<void> {
  const chunks: Uint8Array[] = [];
  if (body !== null) {
    const reader = body.getReader();
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBodyBytes) {
        // Too long to store: stop copying (the client's branch of the tee goes on).
        await reader.cancel();
        return;
      }
      chunks.push(value);
    }
  }
  const bytes = Buffer.concat(chunks);
  const headers = [...response.headers].filter(([name]) => name !== 'content-length');
  if (!response.headers.has('etag'))
    headers.push(['etag', `"${createHash('sha256').update(bytes).digest('base64url')}"`]);
  const page: StoredPage = { s: response.status, h: headers, b: bytes.toString('base64'), t: Date.now() };
  await cache.set(keys.vary, names, { ttl });
  await cache.set(keys.page, page, { ttl });
}

/**
 * Django's `cache_page`: caches GET and HEAD 200 responses for `ttl` seconds. The key holds the
 * method, the full URL and the request headers named by the response's `Vary` and by `varyOn`.
 * Responses with `Set-Cookie` or `Cache-Control: private / no-store / no-cache`, `Vary: *`, and
 * requests with `Authorization` (unless `cacheAuthorized`) are never cached. A cached response
 * gets `Cache-Control: max-age`, `Expires`, a strong `ETag` (answered with 304 on a matching
 * `If-None-Match`) and `Age`. The body streams to the client while a copy is stored; bodies over
 * `maxBodyBytes` and `text/event-stream` responses are passed through without a copy.
 *
 * @example
 * ```ts
 * const app = compose(cachePage({ cache, ttl: 60, varyOn: ['accept-language'] }))(handler);
 * ```
 */
export const cachePage = (options: CachePageOptions): Middleware => {
  const o = resolveOptions(options, {
    name: 'cachePage',
    keys: CACHE_PAGE_OPTION_KEYS,
    defaults: CACHE_PAGE_DEFAULTS,
    error: invalidOption,
  });
  if (typeof o.cache?.get !== 'function' || typeof o.cache.set !== 'function') {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`cache\` to be a cache with get and set, got ${describeValue(o.cache)}`,
    );
  }
  // Required: unlike the other options, an absent `ttl` has no default.
  if (o.ttl === undefined) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      'Expected `ttl` to be a non-negative number of seconds, got `undefined` (undefined)',
    );
  }
  checkTtl(o.ttl, 'ttl', 'ERR_INVALID_OPTION');
  if (typeof o.maxBodyBytes !== 'number' || !Number.isSafeInteger(o.maxBodyBytes) || o.maxBodyBytes < 0) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`maxBodyBytes\` to be a non-negative integer, got ${describeValue(o.maxBodyBytes)}`,
    );
  }
  if (!Array.isArray(o.varyOn) || o.varyOn.some((name) => typeof name !== 'string' || name === '')) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`varyOn\` to be an array of header names, got ${describeValue(o.varyOn)}`,
    );
  }
  if (typeof o.keyPrefix !== 'string') {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`keyPrefix\` to be a string, got ${describeValue(o.keyPrefix)}`,
    );
  }
  if (typeof o.cacheAuthorized !== 'boolean') {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`cacheAuthorized\` to be a boolean, got ${describeValue(o.cacheAuthorized)}`,
    );
  }
  const { cache } = o;

  return async function cachePage(request, next) {
    const method = request.method;
    if ((method !== 'GET' && method !== 'HEAD') || (!o.cacheAuthorized && request.headers.has('authorization'))) {
      return next(request);
    }
    const varyKey = `${o.keyPrefix}:vary:${method}:${request.url}`;
    try {
      const names = await cache.get<string[]>(varyKey);
      if (Array.isArray(names)) {
        const stored = await cache.get<StoredPage>(pageKey(o.keyPrefix, request, names));
        if (isStoredPage(stored)) return fromStore(stored, request);
      }
    } catch {
      // A failing cache (even one set to `onError: 'throw'`, which has reported it) never
      // breaks the page: render it as if uncached.
    }
    const response = await next(request);
    if (!isCacheable(response, o.maxBodyBytes)) return response;
    const ownMaxAge = parseCacheControl(response.headers.get('cache-control')).get('max-age');
    const ttl = typeof ownMaxAge === 'string' && /^\d+$/.test(ownMaxAge) ? Number(ownMaxAge) : o.ttl;
    const vary = varyNames(response, o.varyOn);
    if (ttl <= 0 || vary.includes('*')) return response;
    const out = mutable(response);
    patchCacheControl(out.headers, { maxAge: ttl });
    if (!out.headers.has('expires')) out.headers.set('expires', new Date(Date.now() + ttl * 1000).toUTCString());
    const keys = { vary: varyKey, page: pageKey(o.keyPrefix, request, vary) };
    if (matches(request.headers.get('if-none-match'), out.headers.get('etag'))) {
      // The handler's own ETag matches: answer 304 and store the body it did not have to send.
      store(cache, keys, vary, out, out.body, ttl, o.maxBodyBytes).catch(() => {});
      return notModified(out.headers);
    }
    let clientBody: ReadableStream<Uint8Array> | null = null;
    let cacheBody: ReadableStream<Uint8Array> | null = null;
    if (out.body !== null) [clientBody, cacheBody] = out.body.tee();
    // Stored in the background: the client is not kept waiting for the cache.
    store(cache, keys, vary, out, cacheBody, ttl, o.maxBodyBytes).catch(() => {});
    return new Response(clientBody, { status: out.status, statusText: out.statusText, headers: out.headers });
  };
};
