/**
 * The hit path of `cachePage`: read a URL's entry (and, for another variant, that variant's
 * key), answer from a fresh page, else render (a miss), with a stale page kept for a failing
 * handler (RFC 5861 `stale-if-error`). A HEAD looks at cached GET pages first, then its own.
 */
import type { CacheLike, Next } from '@adv/types';
import { Cache, readCacheNow } from '../cache.js';
import { NOT_NOW } from '../read-now.js';
import { LastKeys, sameNames, type Variant, variantKey } from './page-keys.js';
import { PREPARED_PAGES_BYTES } from './page-options.js';
import { type Storing, storeAndAnswer } from './page-store.js';
import { fromStore, type PreparedPage, PreparedPages } from './stored-page.js';

/** The handler failures a stale page may answer (RFC 5861 section 4). */
const SERVER_ERRORS = new Set([500, 502, 503, 504]);

/** One request's way through the page cache. */
export interface Lookup {
  readonly request: Request;
  readonly next: Next;
  /** The key parts as JSON (`null` without `keyParts`). */
  readonly partsText: string | null;
  /** The method whose pages are read: GET first, then a HEAD's own. */
  method: string;
  /** The variant looked for under its own key, when the URL's entry held another. */
  variant: Variant | undefined;
}

/** What a read's value becomes: the response, or the way to it. */
type OnValue = (l: Lookup, key: string, value: unknown) => Response | Promise<Response>;

/**
 * The lookups of one `cachePage` middleware: the pages it prepared for its hits, the keys it
 * built last, and the way from a request to a stored page or to the handler.
 */
export class PageLookups {
  /** The keys built for the request before (see {@link LastKeys}). */
  readonly last: LastKeys;
  readonly #cache: CacheLike;
  /** The cache, when it is one of this package's `Cache`s: a memory one then reads without a promise. */
  readonly #now: Cache | undefined;
  readonly #pages = new PreparedPages(PREPARED_PAGES_BYTES);
  readonly #storing: Storing;
  readonly #prefix: string;

  constructor(storing: Storing) {
    const { o, digests } = storing;
    this.#cache = o.cache;
    this.#now = o.cache instanceof Cache ? o.cache : undefined;
    this.#storing = storing;
    this.#prefix = o.keyPrefix;
    this.last = new LastKeys(o.keyPrefix, digests);
  }

  /** One read on a hit: the URL's entry (see `#onHead`). */
  lookup(l: Lookup): Promise<Response> {
    return this.#readAt(l, this.last.headKey(l.method, l.request.url, l.partsText), this.#onHead);
  }

  /**
   * Reads `key` and hands the value to `then` (a failure to a miss): at once when the cache
   * reads synchronously, so a memory hit costs one promise, the one returned; else after `get`.
   */
  #readAt(l: Lookup, key: string, then: OnValue): Promise<Response> {
    const now = this.#now;
    if (now !== undefined) {
      let value: unknown;
      try {
        value = readCacheNow(now, key);
      } catch {
        return this.#miss(l, undefined);
      }
      if (value !== NOT_NOW) return Promise.resolve(then(l, key, value));
    }
    return readFrom(this.#cache, key).then(
      (value) => then(l, key, value),
      () => this.#miss(l, undefined),
    );
  }

  /**
   * The URL's entry read under `key`: it holds the Vary names and the variant stored last; when
   * the request is that variant, it is the page. Otherwise the variant's own key is read (as
   * Django reads its header list, then the page). The names always come from the entry read
   * now, never from memory: a page stored under names another process has replaced is not served.
   */
  readonly #onHead: OnValue = (l, key, value) => {
    try {
      const page = this.#pages.read(key, value);
      if (page === undefined) return this.#miss(l, undefined);
      const variant = this.last.variantOf(l.request, page.names, l.partsText);
      if (variant === page.variant) return this.#answer(l, page);
      l.variant = { names: page.names, variant };
      return this.#readAt(l, variantKey(this.#prefix, l.method, l.request.url, variant), this.#onVariant);
    } catch {
      // A failing cache or a stray value (even from a cache set to `onError: 'throw'`,
      // which has reported it) never breaks the page: render it as if uncached.
      return this.#miss(l, undefined);
    }
  };

  /** The variant's own page read under `key`, when the URL's entry holds another variant. */
  readonly #onVariant: OnValue = (l, key, value) => {
    try {
      const page = this.#pages.read(key, value);
      const wanted = l.variant as Variant;
      if (page !== undefined && (page.variant !== wanted.variant || !sameNames(page.names, wanted.names)))
        return this.#answer(l, undefined);
      return this.#answer(l, page);
    } catch {
      return this.#miss(l, undefined);
    }
  };

  /** Answers from `page` when it is fresh; past its freshness it waits for a failing handler. */
  #answer(l: Lookup, page: PreparedPage | undefined): Response | Promise<Response> {
    if (page === undefined) return this.#miss(l, undefined);
    const now = Date.now();
    if (now < page.freshUntil) return fromStore(page, l.request);
    return this.#miss(l, page.staleUntil !== undefined && now < page.staleUntil ? page : undefined);
  }

  /** No fresh page under `l.method`: a HEAD looks at its own pages after GET's, else it renders. */
  #miss(l: Lookup, stale: PreparedPage | undefined): Promise<Response> {
    if (l.method !== l.request.method) {
      // A stale GET page is not kept for a failing HEAD: the HEAD's own pages decide.
      l.method = l.request.method;
      return this.lookup(l);
    }
    return this.#render(l, stale);
  }

  /** Renders the page (a miss) and stores it when cacheable; a `stale` page answers a failing handler. */
  async #render(l: Lookup, stale: PreparedPage | undefined): Promise<Response> {
    const { request, next } = l;
    if (stale === undefined) return storeAndAnswer(this.#storing, request, await next(request), l.partsText);
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
    return storeAndAnswer(this.#storing, request, response, l.partsText);
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
