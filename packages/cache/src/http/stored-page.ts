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
    typeof page.t === 'number'
  );
}

/**
 * The decoded bodies of the pages a middleware served last, so a hit does not decode the same
 * base64 again (a CPU profile of 8 KB page hits put that decoding at about 10%). An entry is
 * used only while the stored base64 text is the very same (a page stored again with another
 * body decodes anew); at most `maxBytes` of base64 + bytes are kept, oldest dropped first.
 * Sharing the bytes is safe: `new Response(bytes)` copies them.
 */
export class DecodedBodies {
  readonly #entries = new Map<string, { base64: string; bytes: Buffer<ArrayBuffer> }>();
  #size = 0;
  constructor(readonly maxBytes: number) {}

  /** The bytes of `base64`, stored under the page key `key`. */
  decode(key: string, base64: string): Buffer<ArrayBuffer> {
    const known = this.#entries.get(key);
    if (known !== undefined && known.base64 === base64) return known.bytes;
    const bytes = Buffer.from(base64, 'base64');
    if (known !== undefined) this.#drop(key, known);
    const size = base64.length + bytes.byteLength;
    if (size > this.maxBytes) return bytes;
    this.#entries.set(key, { base64, bytes });
    this.#size += size;
    for (const [oldKey, old] of this.#entries) {
      if (this.#size <= this.maxBytes) break;
      this.#drop(oldKey, old);
    }
    return bytes;
  }

  /** How many pages are kept (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  #drop(key: string, entry: { base64: string; bytes: Buffer<ArrayBuffer> }): void {
    this.#entries.delete(key);
    this.#size -= entry.base64.length + entry.bytes.byteLength;
  }
}

/** The response for a stored page: a 304 on a matching `If-None-Match`, no body for HEAD. */
export function fromStore(stored: StoredPage, request: Request, key: string, bodies: DecodedBodies): Response {
  const headers = new Headers(stored.h);
  headers.set('age', String(Math.max(0, Math.floor((Date.now() - stored.t) / 1000))));
  if (matches(request.headers.get('if-none-match'), headers.get('etag'))) return notModified(headers);
  const body = request.method === 'HEAD' ? null : bodies.decode(key, stored.b);
  return new Response(body, { status: stored.s, headers });
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
  await cache.set(keys.vary, names, { ttl: write.ttl });
  await cache.set(keys.page, page, write);
}
