/** The options of `cachePage`: their type, defaults and checks. */
import { type CacheLike, type OptionKeys, resolveOptions } from '@adv/types';
import { CacheError, describeValue } from '../errors.js';
import { checkTtl, invalidOption } from '../validate.js';

/** Options of `cachePage`. */
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

/** Every option of `cachePage`. */
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
export const PREPARED_PAGES_BYTES = 8 * 1024 * 1024;

/** Defaults of {@link CachePageOptions}. */
export const CACHE_PAGE_DEFAULTS = {
  keyPrefix: 'page',
  varyOn: [] as readonly string[],
  cacheAuthorized: false,
  maxBodyBytes: 5 * 1024 * 1024,
  staleIfError: 0,
} as const;

/** Throws unless `tags` is an array of non-empty strings (naming the first bad one); returns it. */
export function checkTags(
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

/** The options of `cachePage` with their defaults, each checked (`ERR_INVALID_OPTION`). */
export function resolvePageOptions(options: CachePageOptions) {
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

/** The options of a `cachePage` middleware, resolved and checked. */
export type PageOptions = ReturnType<typeof resolvePageOptions>;
