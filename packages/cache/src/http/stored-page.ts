/** What `cachePage` stores per page, and the Response a stored page becomes again. */
import { createHash } from 'node:crypto';
import type { CacheLike, CacheWriteOptions } from '@adv/types';

/**
 * The text every stored page starts with: the format and its version. A value without it (a
 * page stored by a version before it, or anything else under the key) is a miss.
 */
export const PAGE_FORMAT = 'adv-page/2\n';

/**
 * A stored page, kept as one string: {@link PAGE_FORMAT} then this as JSON (short names: it is
 * stored once per page variant). A string, not an object, because the cache hands out a copy of
 * every object it reads but shares strings: a hit recognises the page it prepared before by its
 * text, without a copy or a parse.
 */
export interface StoredPage {
  /** The Vary header names it was stored under: lower-case, sorted, without duplicates. */
  n: string[];
  /** Its variant: the digest of those headers' values (and the key parts) in the request that stored it. */
  d: string;
  /** Status, headers, base64 body, storage time in ms. */
  s: number;
  h: [string, string][];
  b: string;
  t: number;
  /** Fresh until, ms since the epoch. */
  x: number;
  /** With stale-if-error: served when the handler fails until then, ms since the epoch. */
  z?: number;
}

/** The stored string of `page`. */
export function encodePage(page: StoredPage): string {
  return PAGE_FORMAT + JSON.stringify(page);
}

/** `If-None-Match` handling: weak comparison, as RFC 9110 asks for GET/HEAD. */
export function matches(ifNoneMatch: string | null, etag: string | null): boolean {
  if (ifNoneMatch === null || etag === null) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}

/** The 304 for `headers` (RFC 9110: the validators and caching headers, no body). */
export function notModified(headers: Headers): Response {
  const kept = new Headers();
  for (const name of ['etag', 'cache-control', 'expires', 'vary', 'last-modified', 'age', 'content-location', 'date']) {
    const value = headers.get(name);
    if (value !== null) kept.set(name, value);
  }
  return new Response(null, { status: 304, headers: kept });
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** Whether a parsed value is a page this middleware stored (not a stray value under its key). */
export function isStoredPage(value: unknown): value is StoredPage {
  const page = value as StoredPage | undefined;
  return (
    typeof page === 'object' &&
    page !== null &&
    Array.isArray(page.n) &&
    page.n.every(isString) &&
    typeof page.d === 'string' &&
    typeof page.s === 'number' &&
    Array.isArray(page.h) &&
    page.h.every((pair) => Array.isArray(pair) && pair.length === 2 && isString(pair[0]) && isString(pair[1])) &&
    typeof page.b === 'string' &&
    typeof page.t === 'number' &&
    typeof page.x === 'number' &&
    (page.z === undefined || typeof page.z === 'number')
  );
}

/** A stored page made ready to answer from, once: what every hit of it would otherwise rebuild. */
export interface PreparedPage {
  /** The stored string it was built from (used while the value read is the same text). */
  readonly raw: string;
  /** The Vary header names it was stored under. */
  readonly names: readonly string[];
  /** Its variant (see {@link StoredPage.d}). */
  readonly variant: string;
  readonly status: number;
  /** Storage time, fresh-until and (with stale-if-error) stale-until, ms since the epoch. */
  readonly storedAt: number;
  readonly freshUntil: number;
  readonly staleUntil: number | undefined;
  /** The stored headers as `Headers` normalises them (lower-cased, combined, sorted), without `age`. */
  readonly base: [string, string][];
  /** `base` plus `age` at {@link age} seconds: the init of every hit's Response in that second. */
  headers: [string, string][];
  /** The `age` value in `headers`. */
  age: number;
  /** The init of every hit's Response while `age` stands (see {@link initAt}); built on the first hit. */
  init: ResponseInit | undefined;
  /** The page's `ETag`, for `If-None-Match`. */
  readonly etag: string | null;
  /**
   * The decoded body (a hit's Response only reads it: sharing is safe): as text when the page
   * has a `Content-Type` and its bytes are UTF-8 that decodes and encodes back to the very same
   * bytes, else the bytes (see {@link bodyOf}).
   */
  readonly body: string | Buffer<ArrayBuffer>;
}

/** Strict UTF-8: a byte sequence that is not UTF-8 throws; a byte-order mark is kept as text. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body a hit hands `new Response`: the text of UTF-8 bytes, since Fetch (undici's
 * `extractBody`, and the light `Response` of @adv/async's `serve()`) keeps a string as it is
 * but copies bytes on every response (a 7 KB copy per hit of the demo's page). The text encodes
 * back to the same bytes (strict decoding, the BOM kept), so a reader downstream gets them
 * unchanged. Only with a `Content-Type`: a string body without one would get Fetch's
 * `text/plain;charset=UTF-8`. Anything else stays bytes.
 */
function bodyOf(bytes: Buffer<ArrayBuffer>, headers: Headers): string | Buffer<ArrayBuffer> {
  if (bytes.byteLength === 0 || !headers.has('content-type')) return bytes;
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

/**
 * The pages a middleware read last, prepared for their hits: parsed once, the body decoded from
 * base64 once (a CPU profile of 8 KB page hits put that decoding at about 10%) and the header
 * list built once. An entry is used only while the value read under its key is the very same
 * text (a memory cache hands out the same string, so that is one pointer comparison): a page
 * stored again is prepared anew. At most `maxBytes` of stored text + bytes are kept, oldest
 * dropped first.
 */
export class PreparedPages {
  readonly #entries = new Map<string, PreparedPage>();
  #size = 0;
  constructor(readonly maxBytes: number) {}

  /** The prepared page that `value`, read under `key`, holds; `undefined` when it holds none. */
  read(key: string, value: unknown): PreparedPage | undefined {
    if (typeof value !== 'string') return undefined;
    const known = this.#entries.get(key);
    if (known !== undefined && known.raw === value) return known;
    if (!value.startsWith(PAGE_FORMAT)) return undefined;
    let stored: unknown;
    try {
      stored = JSON.parse(value.slice(PAGE_FORMAT.length));
    } catch {
      return undefined;
    }
    if (!isStoredPage(stored)) return undefined;
    if (known !== undefined) this.#drop(key, known);
    const headers = new Headers(stored.h);
    headers.delete('age');
    const base = [...headers];
    const page: PreparedPage = {
      raw: value,
      names: stored.n,
      variant: stored.d,
      status: stored.s,
      storedAt: stored.t,
      freshUntil: stored.x,
      staleUntil: stored.z,
      base,
      headers: [...base, ['age', '0']],
      age: 0,
      init: undefined,
      etag: headers.get('etag'),
      body: bodyOf(Buffer.from(stored.b, 'base64'), headers),
    };
    const size = sizeOf(page);
    if (size > this.maxBytes) return page;
    this.#entries.set(key, page);
    this.#size += size;
    for (const [oldKey, old] of this.#entries) {
      if (this.#size <= this.maxBytes) break;
      this.#drop(oldKey, old);
    }
    return page;
  }

  /** How many pages are kept (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  #drop(key: string, page: PreparedPage): void {
    this.#entries.delete(key);
    this.#size -= sizeOf(page);
  }
}

/** Stored text + body: characters of strings, bytes of a buffer. */
const sizeOf = (page: PreparedPage): number =>
  page.raw.length + (typeof page.body === 'string' ? page.body.length : page.body.byteLength);

/** `page.headers` with `age` set to `age` (a new list when the age moved on: responses built before keep theirs). */
function headersAt(page: PreparedPage, age: number): [string, string][] {
  if (page.age !== age) {
    page.headers = [...page.base, ['age', String(age)]];
    page.age = age;
    page.init = undefined;
  }
  return page.headers;
}

/**
 * The init of a hit's Response: the status and `page.headers` as a `Headers` made by the global
 * `Response` itself, once per page and second. Under a lightweight `Response` (what `serve()` of
 * @adv/async installs) a `Headers` of its own kind is copied without checking every name and
 * value again, which a header list is on every hit (about 2% of the demo's cached-page profile);
 * undici's `Response` copies either kind. Every Response copies it: none can change it.
 */
function initAt(page: PreparedPage): ResponseInit {
  if (page.init === undefined) {
    page.init = { status: page.status, headers: new Response(null, { headers: page.headers }).headers };
  }
  return page.init;
}

/** The response for a stored page: a 304 on a matching `If-None-Match`, no body for HEAD. */
export function fromStore(page: PreparedPage, request: Request): Response {
  const headers = headersAt(page, Math.max(0, Math.floor((Date.now() - page.storedAt) / 1000)));
  if (matches(request.headers.get('if-none-match'), page.etag)) return notModified(new Headers(headers));
  return new Response(request.method === 'HEAD' ? null : page.body, initAt(page));
}

/** Where a page is written: the URL's entry, and (when the page varies on headers) its variant's own key. */
export interface PageKeys {
  /** The URL's entry (method, URL and key parts): its Vary names and its latest variant. */
  head: string;
  /** The variant's key; `null` when the page varies on no header (the URL's entry is its only variant). */
  variant: string | null;
}

/** Reads `body` (up to `maxBodyBytes`) and stores the page under `keys`. */
export async function store(
  cache: CacheLike,
  keys: PageKeys,
  vary: { names: string[]; variant: string },
  response: Response,
  body: ReadableStream<Uint8Array> | null,
  write: CacheWriteOptions & { ttl: number },
  maxBodyBytes: number,
  lifetime: { fresh: number; staleIfError: number },
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
  const t = Date.now();
  const x = t + lifetime.fresh * 1000;
  const page: StoredPage = {
    n: vary.names,
    d: vary.variant,
    s: response.status,
    h: headers,
    b: bytes.toString('base64'),
    t,
    x,
  };
  if (lifetime.staleIfError > 0) page.z = x + lifetime.staleIfError * 1000;
  const raw = encodePage(page);
  // Both at once: the page is served from the URL's entry as soon as that is written.
  await Promise.all([
    cache.set(keys.head, raw, write),
    keys.variant === null ? null : cache.set(keys.variant, raw, write),
  ]);
}
