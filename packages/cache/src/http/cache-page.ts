import { createHash } from 'node:crypto';
import { type CacheLike, type Middleware, type Next, type OptionKeys, resolveOptions } from '@adv/types';
import { Cache, readCacheNow } from '../cache.js';
import { CacheError, describeValue } from '../errors.js';
import { NOT_NOW } from '../read-now.js';
import { checkTtl, invalidOption } from '../validate.js';
import { mutable, parseCacheControl, patchCacheControl } from './cache-control.js';
import { fromStore, matches, notModified, type PreparedPage, PreparedPages, store } from './stored-page.js';

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
  /**
   * Tags written with every stored page, so one `cache.invalidateTags([...])` drops all its
   * variants (every URL, language, ...). A function gets the request and the response that is
   * about to be stored. Needs a cache with tags (`createCache()`'s do).
   */
  tags?: readonly string[] | ((request: Request, response: Response) => readonly string[]) | undefined;
  /**
   * Values that split the cache besides the method, the URL and the Vary headers, computed from
   * the request: the active language or time zone (often from AsyncLocalStorage), a tenant id.
   * Called on every GET/HEAD; must return an array of strings, synchronously.
   */
  keyParts?: ((request: Request) => readonly string[]) | undefined;
  /**
   * RFC 5861 `stale-if-error`: seconds past its freshness during which a stored page is still
   * served when the handler fails (throws, or answers 500, 502, 503 or 504). Pages are kept
   * `ttl + staleIfError` seconds; a fresh page is served as usual, a stale one only on a failure
   * (the handler is called first). A response's own `Cache-Control: stale-if-error=N` wins.
   * @defaultValue `0` (off)
   */
  staleIfError?: number | undefined;
  /**
   * The `Cache-Control` that stored pages carry (on the response that stored them and on every
   * hit) instead of Django's `max-age=<ttl>` and `Expires`. `'no-cache'` keeps a page on the
   * server only: browsers revalidate it each time with its `ETag` (a 304 when unchanged), so a
   * new article shows at once. Responses that are not stored keep their own header.
   * @defaultValue `undefined` (`max-age` of the page's freshness, and `Expires`)
   */
  cacheControl?: string | undefined;
}

/** Every option of {@link cachePage}. */
const CACHE_PAGE_OPTION_KEYS: OptionKeys<CachePageOptions> = {
  cache: true,
  ttl: true,
  varyOn: true,
  keyPrefix: true,
  cacheAuthorized: true,
  maxBodyBytes: true,
  tags: true,
  keyParts: true,
  staleIfError: true,
  cacheControl: true,
};

/** Bytes of prepared pages a `cachePage` middleware keeps for its hits (base64 + bytes). */
const PREPARED_PAGES_BYTES = 8 * 1024 * 1024;

/** Defaults of {@link CachePageOptions}. */
export const CACHE_PAGE_DEFAULTS = {
  keyPrefix: 'page',
  varyOn: [] as readonly string[],
  cacheAuthorized: false,
  maxBodyBytes: 5 * 1024 * 1024,
  staleIfError: 0,
} as const;

/** The handler failures a stale page may answer (RFC 5861 section 4). */
const SERVER_ERRORS = new Set([500, 502, 503, 504]);

/**
 * The header names a response varies on, with `varyOn`: lower-case, sorted, without duplicates
 * (`*` kept: such a response is never stored).
 */
export function varyNames(response: Response, varyOn: readonly string[]): string[] {
  const fromResponse = (response.headers.get('vary') ?? '').split(',').map((name) => name.trim().toLowerCase());
  return [...new Set([...fromResponse, ...varyOn.map((name) => name.toLowerCase())])].filter(Boolean).sort();
}

/**
 * The digests of the vary inputs a middleware hashed last: a hit does not hash the same header
 * values again. Only inputs up to `MAX_INPUT` characters are kept, at most `MAX_ENTRIES` (then
 * it starts over).
 */
export class VaryDigests {
  static readonly MAX_INPUT = 512;
  static readonly MAX_ENTRIES = 1000;
  readonly #digests = new Map<string, string>();

  /** The first 32 hex digits of the SHA-256 of `input`. */
  digest(input: string): string {
    const known = this.#digests.get(input);
    if (known !== undefined) return known;
    const digest = createHash('sha256').update(input).digest('hex').slice(0, 32);
    if (input.length <= VaryDigests.MAX_INPUT) {
      if (this.#digests.size >= VaryDigests.MAX_ENTRIES) this.#digests.clear();
      this.#digests.set(input, digest);
    }
    return digest;
  }

  /** How many digests are kept (for tests). */
  get size(): number {
    return this.#digests.size;
  }
}

/**
 * The variant of `request` among a URL's pages: the digest of the values of the Vary headers
 * `names` and of the key parts (`partsText`, their JSON; `null` without `keyParts`).
 */
export function variantOf(
  request: Request,
  names: readonly string[],
  partsText: string | null,
  digests: VaryDigests,
): string {
  let input = '';
  for (const name of names) input += `${name}=${request.headers.get(name) ?? ''}\n`;
  // JSON keeps ['a,b'] and ['a', 'b'] apart; without keyParts, inputs are as before.
  if (partsText !== null) input += `\0parts=${partsText}`;
  return digests.digest(input);
}

/** The key of one variant of a page: method, URL and {@link variantOf} (the key pages had before). */
export function variantKey(prefix: string, method: string, url: string, variant: string): string {
  return `${prefix}:page:${method}:${url}:${variant}`;
}

/**
 * The key of a URL's entry (Django's cache header key, with the language and time zone suffix
 * played by the key parts): the Vary names the URL's pages were stored under last, and that
 * page itself. The URL comes last, after segments of fixed form, so no URL can fake another key.
 */
export function headKey(
  prefix: string,
  method: string,
  url: string,
  partsText: string | null,
  digests: VaryDigests,
): string {
  return `${prefix}:head:${method}:${partsText === null ? '-' : digests.digest(partsText)}:${url}`;
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

/** Throws unless `tags` is an array of non-empty strings (naming the first bad one); returns it. */
function checkTags(
  tags: unknown,
  what: string,
  code: 'ERR_INVALID_OPTION' | 'ERR_INVALID_ARGUMENT',
): readonly string[] {
  if (!Array.isArray(tags)) {
    throw new CacheError(code, `Expected \`${what}\` to be an array of non-empty strings, got ${describeValue(tags)}`);
  }
  const bad = tags.findIndex((tag) => typeof tag !== 'string' || tag === '');
  if (bad !== -1) {
    throw new CacheError(
      code,
      `Expected \`${what}[${bad}]\` to be a non-empty string, got ${describeValue(tags[bad])}`,
    );
  }
  return tags;
}

/** The options of {@link cachePage} with their defaults, each checked (`ERR_INVALID_OPTION`). */
function resolvePageOptions(options: CachePageOptions) {
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
  checkTtl(o.staleIfError, 'staleIfError', 'ERR_INVALID_OPTION');
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
  if (o.tags !== undefined && typeof o.tags !== 'function') checkTags(o.tags, 'tags', 'ERR_INVALID_OPTION');
  if (
    o.cacheControl !== undefined &&
    (typeof o.cacheControl !== 'string' || !/^[\t\x20-\x7e]+$/.test(o.cacheControl))
  ) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`cacheControl\` to be a Cache-Control header value such as 'no-cache' (printable ASCII, no line breaks), got ${describeValue(o.cacheControl)}`,
    );
  }
  if (o.keyParts !== undefined && typeof o.keyParts !== 'function') {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`keyParts\` to be a function of the request, got ${describeValue(o.keyParts)}`,
    );
  }
  return o;
}

/** What the middleware needs once the handler answered: the resolved options, the key parts and tags. */
interface Storing {
  o: ReturnType<typeof resolvePageOptions>;
  digests: VaryDigests;
  tagsOf: (request: Request, response: Response) => readonly string[] | undefined;
}

/**
 * The handler's response, stored when cacheable: `max-age`, `Expires` and the key set, the body
 * teed (streamed to the client while a copy goes to the cache in the background), a 304 when
 * the handler's own ETag matches `If-None-Match`.
 */
function storeAndAnswer(
  { o, digests, tagsOf }: Storing,
  request: Request,
  response: Response,
  partsText: string | null,
): Response {
  if (!isCacheable(response, o.maxBodyBytes)) return response;
  const cc = parseCacheControl(response.headers.get('cache-control'));
  const ownMaxAge = cc.get('max-age');
  const ttl = typeof ownMaxAge === 'string' && /^\d+$/.test(ownMaxAge) ? Number(ownMaxAge) : o.ttl;
  const ownStale = cc.get('stale-if-error');
  const staleIfError = typeof ownStale === 'string' && /^\d+$/.test(ownStale) ? Number(ownStale) : o.staleIfError;
  const vary = varyNames(response, o.varyOn);
  if (ttl <= 0 || vary.includes('*')) return response;
  const out = mutable(response);
  if (o.cacheControl === undefined) {
    patchCacheControl(out.headers, { maxAge: ttl });
    if (!out.headers.has('expires')) out.headers.set('expires', new Date(Date.now() + ttl * 1000).toUTCString());
  } else {
    out.headers.set('cache-control', o.cacheControl);
    out.headers.delete('expires');
  }
  const { method, url } = request;
  const variant = variantOf(request, vary, partsText, digests);
  const keys = {
    head: headKey(o.keyPrefix, method, url, partsText, digests),
    // Without Vary headers the URL's entry is the only variant: no second copy.
    variant: vary.length === 0 ? null : variantKey(o.keyPrefix, method, url, variant),
  };
  const names = { names: vary, variant };
  const pageTags = tagsOf(request, out);
  const kept = ttl + staleIfError;
  const write = pageTags === undefined ? { ttl: kept } : { ttl: kept, tags: pageTags };
  const lifetime = { fresh: ttl, staleIfError };
  if (matches(request.headers.get('if-none-match'), out.headers.get('etag'))) {
    // The handler's own ETag matches: answer 304 and store the body it did not have to send.
    store(o.cache, keys, names, out, out.body, write, o.maxBodyBytes, lifetime).catch(() => {});
    return notModified(out.headers);
  }
  let clientBody: ReadableStream<Uint8Array> | null = null;
  let cacheBody: ReadableStream<Uint8Array> | null = null;
  if (out.body !== null) [clientBody, cacheBody] = out.body.tee();
  // Stored in the background: the client is not kept waiting for the cache.
  store(o.cache, keys, names, out, cacheBody, write, o.maxBodyBytes, lifetime).catch(() => {});
  return new Response(clientBody, { status: out.status, statusText: out.statusText, headers: out.headers });
}

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
 * `lookup` below); a HEAD is answered from a cached GET page first, as in Django.
 *
 * @example
 * ```ts
 * const app = compose(cachePage({ cache, ttl: 60, varyOn: ['accept-language'] }))(handler);
 * ```
 */
export const cachePage = (options: CachePageOptions): Middleware => {
  // Long for one function: its inner steps (lookup, readVariant, answer, miss, render) are each
  // short and share this middleware's prepared pages and digests, which a module would have to pass.
  const o = resolvePageOptions(options);
  const { cache, keyParts, tags } = o;
  const pages = new PreparedPages(PREPARED_PAGES_BYTES);
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

  const digests = new VaryDigests();
  const storing: Storing = { o, digests, tagsOf };
  const prefix = o.keyPrefix;
  const read = (key: string): Promise<unknown> => readFrom(cache, key);
  // A cache of this package on an in-process backend reads without a promise (see `readAt`).
  const now = cache instanceof Cache ? cache : undefined;
  const last = new LastKeys(prefix, digests);

  /**
   * Reads `key` and hands the value to `then` (a failure to `miss`): at once when the cache
   * reads synchronously, so a memory hit costs one promise, the one returned; else after `get`.
   */
  const readAt = (
    l: Lookup,
    key: string,
    then: (l: Lookup, key: string, value: unknown) => Response | Promise<Response>,
  ): Promise<Response> => {
    if (now !== undefined) {
      let value: unknown;
      try {
        value = readCacheNow(now, key);
      } catch {
        return miss(l, undefined);
      }
      if (value !== NOT_NOW) return Promise.resolve(then(l, key, value));
    }
    return read(key).then(
      (value) => then(l, key, value),
      () => miss(l, undefined),
    );
  };

  /** Renders the page (a miss) and stores it when cacheable; a `stale` page answers a failing handler. */
  const render = async (l: Lookup, stale: PreparedPage | undefined): Promise<Response> => {
    const { request, next } = l;
    if (stale === undefined) return storeAndAnswer(storing, request, await next(request), l.partsText);
    let response: Response;
    try {
      response = await next(request);
    } catch {
      return fromStore(stale, request);
    }
    if (SERVER_ERRORS.has(response.status)) {
      response.body?.cancel().catch(() => {});
      return fromStore(stale, request);
    }
    return storeAndAnswer(storing, request, response, l.partsText);
  };

  /** No fresh page under `l.method`: a HEAD looks at its own pages after GET's, else it renders. */
  const miss = (l: Lookup, stale: PreparedPage | undefined): Promise<Response> => {
    if (l.method !== l.request.method) {
      // A stale GET page is not kept for a failing HEAD: the HEAD's own pages decide.
      l.method = l.request.method;
      return lookup(l);
    }
    return render(l, stale);
  };

  /** Answers from `page` when it is fresh; past its freshness it waits for a failing handler. */
  const answer = (l: Lookup, page: PreparedPage | undefined): Response | Promise<Response> => {
    if (page === undefined) return miss(l, undefined);
    const now = Date.now();
    if (now < page.freshUntil) return fromStore(page, l.request);
    return miss(l, page.staleUntil !== undefined && now < page.staleUntil ? page : undefined);
  };

  /** The variant's own page read under `key`, when the URL's entry holds another variant. */
  const onVariant = (l: Lookup, key: string, value: unknown): Response | Promise<Response> => {
    try {
      const page = pages.read(key, value);
      const wanted = l.variant as Variant;
      if (page !== undefined && (page.variant !== wanted.variant || !sameNames(page.names, wanted.names)))
        return answer(l, undefined);
      return answer(l, page);
    } catch {
      return miss(l, undefined);
    }
  };

  /**
   * The URL's entry read under `key`: it holds the Vary names and the variant stored last; when
   * the request is that variant, it is the page. Otherwise the variant's own key is read (as
   * Django reads its header list, then the page). The names always come from the entry read
   * now, never from memory: a page stored under names another process has replaced is not served.
   */
  const onHead = (l: Lookup, key: string, value: unknown): Response | Promise<Response> => {
    try {
      const page = pages.read(key, value);
      if (page === undefined) return miss(l, undefined);
      const variant = last.variantOf(l.request, page.names, l.partsText);
      if (variant === page.variant) return answer(l, page);
      l.variant = { names: page.names, variant };
      return readAt(l, variantKey(prefix, l.method, l.request.url, variant), onVariant);
    } catch {
      // A failing cache or a stray value (even from a cache set to `onError: 'throw'`,
      // which has reported it) never breaks the page: render it as if uncached.
      return miss(l, undefined);
    }
  };

  /** One read on a hit: the URL's entry (see `onHead`). */
  const lookup = (l: Lookup): Promise<Response> =>
    readAt(l, last.headKey(l.method, l.request.url, l.partsText), onHead);

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
    return lookup({ request, next, partsText, method: 'GET', variant: undefined });
  };
};

/** One request's way through the page cache. */
interface Lookup {
  readonly request: Request;
  readonly next: Next;
  /** The key parts as JSON (`null` without `keyParts`). */
  readonly partsText: string | null;
  /** The method whose pages are read: GET first, then a HEAD's own. */
  method: string;
  /** The variant looked for under its own key, when the URL's entry held another. */
  variant: Variant | undefined;
}

/** A variant of a page: the Vary names and the digest of their values (and key parts). */
interface Variant {
  names: readonly string[];
  variant: string;
}

/**
 * The key parts' JSON, the URL entry's key and the variant without Vary names that a
 * middleware built last: a hot page asked for over and over (the same URL, language and time
 * zone) gets the very strings of the request before, compared instead of built (#19). Each is
 * built anew as soon as one input differs.
 */
export class LastKeys {
  #parts: readonly string[] = [];
  #partsText = '';
  #method = '';
  #url = '';
  #keyParts: string | null = null;
  #headKey: string | undefined;
  #variantParts: string | null = null;
  #variant: string | undefined;

  constructor(
    readonly prefix: string,
    readonly digests: VaryDigests,
  ) {}

  /** `JSON.stringify(parts)`: the same string as last time when the parts are equal. */
  partsText(parts: readonly string[]): string {
    const known = this.#parts;
    if (parts.length === known.length && this.#partsText !== '') {
      let same = true;
      for (let i = 0; i < parts.length; i++) if (parts[i] !== known[i]) same = false;
      if (same) return this.#partsText;
    }
    this.#parts = [...parts];
    this.#partsText = JSON.stringify(parts);
    return this.#partsText;
  }

  /** {@link headKey} of this middleware. */
  headKey(method: string, url: string, partsText: string | null): string {
    if (this.#headKey !== undefined && url === this.#url && method === this.#method && partsText === this.#keyParts)
      return this.#headKey;
    this.#headKey = headKey(this.prefix, method, url, partsText, this.digests);
    this.#method = method;
    this.#url = url;
    this.#keyParts = partsText;
    return this.#headKey;
  }

  /** {@link variantOf} of this middleware. */
  variantOf(request: Request, names: readonly string[], partsText: string | null): string {
    if (names.length > 0) return variantOf(request, names, partsText, this.digests);
    if (this.#variant !== undefined && partsText === this.#variantParts) return this.#variant;
    this.#variant = variantOf(request, names, partsText, this.digests);
    this.#variantParts = partsText;
    return this.#variant;
  }
}

/** A cache read that never throws synchronously (a `CacheLike` may). */
function readFrom(cache: CacheLike, key: string): Promise<unknown> {
  try {
    return Promise.resolve(cache.get(key));
  } catch (error) {
    return Promise.reject(error);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
