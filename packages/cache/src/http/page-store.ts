/** The store path of `cachePage`: whether a response may be stored, and storing it while it streams. */
import { mutable, parseCacheControl, patchCacheControl } from './cache-control.js';
import { headKey, type VaryDigests, variantKey, variantOf, varyNames } from './page-keys.js';
import type { PageOptions } from './page-options.js';
import { matches, notModified, store } from './stored-page.js';

/** Whether `response` may be stored: a 200 without `Set-Cookie`, not an event stream, not too long, not private. */
export function isCacheable(response: Response, maxBodyBytes: number): boolean {
  if (response.status !== 200 || response.headers.has('set-cookie')) return false;
  // An event stream never ends: there is no page to store.
  if (/^\s*text\/event-stream/i.test(response.headers.get('content-type') ?? '')) return false;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (length > maxBodyBytes) return false;
  const cc = parseCacheControl(response.headers.get('cache-control'));
  return !cc.has('private') && !cc.has('no-store') && !cc.has('no-cache');
}

/** What the middleware needs once the handler answered: the resolved options, the digests and the tags. */
export interface Storing {
  o: PageOptions;
  digests: VaryDigests;
  tagsOf: (request: Request, response: Response) => readonly string[] | undefined;
}

/**
 * The handler's response, stored when cacheable: `max-age`, `Expires` and the key set, the body
 * teed (streamed to the client while a copy goes to the cache in the background), a 304 when
 * the handler's own ETag matches `If-None-Match`.
 */
export function storeAndAnswer(
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
