/** What `cachePage` stores per page, and the Response a stored page becomes again. */
import { createHash } from 'node:crypto';
import type { CacheLike, CacheWriteOptions } from '@adv/types';

/** A stored page (short names: it is stored once per page variant). */
export interface StoredPage {
  /** Status, headers, base64 body, storage time in ms. */
  s: number;
  h: [string, string][];
  b: string;
  t: number;
  /** Fresh until, ms since the epoch (absent in pages stored before it existed: fresh while kept). */
  x?: number;
  /** With stale-if-error: served when the handler fails until then, ms since the epoch. */
  z?: number;
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

/** Whether a cached value is a page this middleware stored (not a stray value under its key). */
export function isStoredPage(value: unknown): value is StoredPage {
  const page = value as StoredPage | undefined;
  return (
    typeof page === 'object' &&
    page !== null &&
    typeof page.s === 'number' &&
    Array.isArray(page.h) &&
    typeof page.b === 'string' &&
    typeof page.t === 'number' &&
    (page.x === undefined || typeof page.x === 'number') &&
    (page.z === undefined || typeof page.z === 'number')
  );
}

/** A stored page made ready to answer from, once: what every hit of it would otherwise rebuild. */
interface Prepared {
  /** The stored page it was built from (used while the page read is the same). */
  from: StoredPage;
  /** The stored headers as `Headers` normalises them (lower-cased, combined, sorted), without `age`. */
  base: [string, string][];
  /** `base` plus `age` at {@link age} seconds: the init of every hit's Response in that second. */
  headers: [string, string][];
  /** The `age` value in `headers`. */
  age: number;
  /** The page's `ETag`, for `If-None-Match`. */
  etag: string | null;
  /** The decoded body (`new Response(bytes)` copies it: sharing is safe). */
  bytes: Buffer<ArrayBuffer>;
}

/**
 * The pages a middleware served last, prepared for their hits: the body decoded from base64
 * once (a CPU profile of 8 KB page hits put that decoding at about 10%) and the header list
 * built once (a hit used to build a `Headers`, set `age` on it, then have `Response` copy it
 * again). An entry is used only while the page read is the very same (body text, headers,
 * status and storage time): a page stored again is prepared anew. At most `maxBytes` of base64
 * + bytes are kept, oldest dropped first.
 */
export class PreparedPages {
  readonly #entries = new Map<string, Prepared>();
  #size = 0;
  constructor(readonly maxBytes: number) {}

  /** The prepared form of `stored`, read under the page key `key`. */
  prepare(key: string, stored: StoredPage): Prepared {
    const known = this.#entries.get(key);
    if (known !== undefined && samePage(known.from, stored)) return known;
    if (known !== undefined) this.#drop(key, known);
    const headers = new Headers(stored.h);
    headers.delete('age');
    const base = [...headers];
    const page: Prepared = {
      from: stored,
      base,
      headers: [...base, ['age', '0']],
      age: 0,
      etag: headers.get('etag'),
      bytes: Buffer.from(stored.b, 'base64'),
    };
    const size = stored.b.length + page.bytes.byteLength;
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

  #drop(key: string, page: Prepared): void {
    this.#entries.delete(key);
    this.#size -= page.from.b.length + page.bytes.byteLength;
  }
}

/** Whether two reads hold the same page (strings a memory cache shares compare by pointer). */
function samePage(a: StoredPage, b: StoredPage): boolean {
  if (a.b !== b.b || a.t !== b.t || a.s !== b.s || a.h.length !== b.h.length) return false;
  for (let i = 0; i < a.h.length; i++) {
    const x = a.h[i] as [string, string];
    const y = b.h[i] as [string, string];
    if (x[0] !== y[0] || x[1] !== y[1]) return false;
  }
  return true;
}

/** `page.headers` with `age` set to `age` (a new list when the age moved on: responses built before keep theirs). */
function headersAt(page: Prepared, age: number): [string, string][] {
  if (page.age !== age) {
    page.headers = [...page.base, ['age', String(age)]];
    page.age = age;
  }
  return page.headers;
}

/** The response for a stored page: a 304 on a matching `If-None-Match`, no body for HEAD. */
export function fromStore(stored: StoredPage, request: Request, key: string, pages: PreparedPages): Response {
  const page = pages.prepare(key, stored);
  const headers = headersAt(page, Math.max(0, Math.floor((Date.now() - stored.t) / 1000)));
  if (matches(request.headers.get('if-none-match'), page.etag)) return notModified(new Headers(headers));
  return new Response(request.method === 'HEAD' ? null : page.bytes, { status: stored.s, headers });
}

/** Reads `body` (up to `maxBodyBytes`) and stores the page and its Vary names. */
export async function store(
  cache: CacheLike,
  keys: { vary: string; page: string },
  names: string[],
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
  const page: StoredPage = { s: response.status, h: headers, b: bytes.toString('base64'), t, x };
  if (lifetime.staleIfError > 0) page.z = x + lifetime.staleIfError * 1000;
  await cache.set(keys.vary, names, { ttl: write.ttl });
  await cache.set(keys.page, page, write);
}
