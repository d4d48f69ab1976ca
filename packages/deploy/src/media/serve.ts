import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Middleware, pathnameOf } from '@adv/types';
import { type DeployError, invalidOption } from '../errors.js';
import { isNotModified, notModifiedResponse, selectRange } from '../http/conditional.js';
import { deployOptions } from '../options.js';
import { isMediaName, type MediaStat, type Storage } from './storage.js';

/** Options of {@link serveMedia}. */
export interface ServeMediaOptions {
  /** Where the files are. */
  storage: Storage;
  /**
   * URL prefix served (`MEDIA_URL`), starting and ending with `/`.
   * @defaultValue `'/media/'`
   */
  prefix?: string | undefined;
  /** The key signing private URLs (`SECRET_KEY`); without it, private files are never served. */
  secretKey?: string | undefined;
  /**
   * Name prefixes of private files: served only with a valid, unexpired signature ({@link signMediaUrl}).
   * @defaultValue `['private/']`
   */
  privatePrefixes?: readonly string[] | undefined;
  /**
   * `Cache-Control` max-age of public files, in seconds.
   * @defaultValue `3600`
   */
  maxAge?: number | undefined;
}

/** Defaults of {@link serveMedia}. */
export const SERVE_MEDIA_DEFAULTS = { prefix: '/media/', privatePrefixes: ['private/'], maxAge: 3600 } as const;

/** Types a browser may render inline from an upload: raster images, audio and video (never HTML, SVG, XML or PDF). */
export const INLINE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'audio/flac',
  'audio/aac',
  'audio/mp4',
]);

/** Headers on every media response, 404s included. */
const SAFE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
} as const;

function signature(secretKey: string, name: string, expires: number): string {
  return createHmac('sha256', `adv.deploy.media:${secretKey}`).update(`${name}\n${expires}`).digest('base64url');
}

/** Options of {@link signMediaUrl}. */
export interface SignMediaUrlOptions {
  /** The key `serveMedia` verifies with (`SECRET_KEY`). */
  secretKey: string;
  /** Seconds the URL stays valid. */
  expiresIn: number;
  /**
   * URL prefix, as `serveMedia`'s.
   * @defaultValue `'/media/'`
   */
  prefix?: string | undefined;
  /**
   * Clock, in milliseconds.
   * @defaultValue `Date.now`
   */
  now?: (() => number) | undefined;
}

/**
 * A URL to a private media file that {@link serveMedia} accepts until it expires:
 * `/media/<name>?expires=<unix seconds>&signature=<HMAC-SHA256>`, signed with `secretKey`.
 *
 * @example
 * ```ts
 * const url = signMediaUrl('private/invoice-42.pdf', { secretKey: settings.SECRET_KEY, expiresIn: 300 });
 * ```
 */
export function signMediaUrl(name: string, options: SignMediaUrlOptions): string {
  const o = deployOptions(
    'signMediaUrl',
    options,
    { secretKey: true, expiresIn: true, prefix: true, now: true },
    {
      prefix: SERVE_MEDIA_DEFAULTS.prefix,
      now: Date.now,
    },
  );
  if (!isMediaName(name)) invalidOption('name', 'a safe media file name', name);
  if (typeof o.secretKey !== 'string' || o.secretKey.length === 0)
    invalidOption('secretKey', 'a non-empty string', '…');
  if (typeof o.expiresIn !== 'number' || !Number.isSafeInteger(o.expiresIn) || o.expiresIn < 1)
    invalidOption('expiresIn', 'a positive integer (seconds)', o.expiresIn);
  const expires = Math.floor(o.now() / 1000) + o.expiresIn;
  const path = o.prefix + name.split('/').map(encodeURIComponent).join('/');
  return `${path}?expires=${expires}&signature=${signature(o.secretKey, name, expires)}`;
}

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { ...SAFE_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra },
  });
}

/**
 * Serves media files from a {@link Storage} under `prefix`, safely: `X-Content-Type-Options:
 * nosniff` and `Content-Security-Policy: default-src 'none'; sandbox` on every response;
 * `Content-Disposition: attachment` for anything but raster images, audio and video (an
 * uploaded HTML or SVG page is downloaded, never rendered); `ETag`/`Last-Modified` with 304s;
 * single byte ranges (206/416). Files under `privatePrefixes` need a URL from
 * {@link signMediaUrl}: expired or forged signatures get 403. Other paths go to `next`.
 *
 * @example
 * ```ts
 * const media = serveMedia({ storage, prefix: '/media/', secretKey: settings.SECRET_KEY });
 * ```
 */
export function serveMedia(options: ServeMediaOptions): Middleware {
  const { storage, prefix, secretKey, privatePrefixes, maxAge } = resolveServeMediaOptions(options);

  const answer = async (request: Request, url: URL): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return plain(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    const name = nameOf(url.pathname.slice(prefix.length));
    if (name === undefined) return plain(404, 'Not Found');
    const access = checkAccess(url, name, privatePrefixes, secretKey);
    if (access instanceof Response) return access;

    let stat: MediaStat | null;
    try {
      stat = await storage.stat(name);
    } catch (error) {
      if ((error as DeployError).code === 'ERR_STORAGE_UNAVAILABLE') return plain(503, 'Service Unavailable');
      throw error;
    }
    if (!stat) return plain(404, 'Not Found');

    const headers = mediaHeaders(name, stat, cacheControl(maxAge, access.expires));
    if (isNotModified(request, stat.etag, stat.lastModified.getTime())) return notModifiedResponse(headers);
    const { status, start, end } = selectRange(request, stat.etag, stat.size, headers);
    if (status === 416) return new Response(null, { status, headers });
    const range = status === 206 ? { start, end } : undefined;
    const length = range ? range.end - range.start + 1 : stat.size;
    headers.set('content-length', String(length));
    if (request.method === 'HEAD' || length === 0) return new Response(null, { status, headers });
    try {
      return new Response(await storage.open(name, range), { status, headers });
    } catch (error) {
      const code = (error as DeployError).code;
      if (code === 'ERR_MEDIA_NOT_FOUND') return plain(404, 'Not Found');
      if (code === 'ERR_STORAGE_UNAVAILABLE') return plain(503, 'Service Unavailable');
      throw error;
    }
  };

  // A plain function: the requests that only pass through (most of them) make no promise here.
  return function serveMedia(request, next) {
    if (!pathnameOf(request).startsWith(prefix)) return next(request);
    return answer(request, new URL(request.url));
  };
}

function resolveServeMediaOptions(options: ServeMediaOptions) {
  const o = deployOptions(
    'serveMedia',
    options,
    { storage: true, prefix: true, secretKey: true, privatePrefixes: true, maxAge: true },
    SERVE_MEDIA_DEFAULTS,
  );
  if (typeof (o.storage as Partial<Storage> | undefined)?.stat !== 'function')
    invalidOption('storage', 'a Storage (diskStorage(), s3Storage() …)', o.storage);
  if (typeof o.prefix !== 'string' || !o.prefix.startsWith('/') || !o.prefix.endsWith('/'))
    invalidOption('prefix', 'a path starting and ending with `/`', o.prefix);
  if (o.secretKey !== undefined && (typeof o.secretKey !== 'string' || o.secretKey.length === 0))
    invalidOption('secretKey', 'a non-empty string', '…');
  if (!Array.isArray(o.privatePrefixes) || !o.privatePrefixes.every((p) => typeof p === 'string' && p.length > 0))
    invalidOption('privatePrefixes', 'an array of non-empty name prefixes', o.privatePrefixes);
  if (typeof o.maxAge !== 'number' || !Number.isSafeInteger(o.maxAge) || o.maxAge < 0)
    invalidOption('maxAge', 'a non-negative integer (seconds)', o.maxAge);
  return o;
}

/** The media name of a URL path under the prefix, or `undefined` (404) when it is not a safe name. */
function nameOf(encoded: string): string | undefined {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  return isMediaName(name) ? name : undefined;
}

/**
 * A private file (or any URL carrying a signature) needs a valid, unexpired signature: a 403
 * otherwise. Resolves with the signature's expiry (unix seconds), if any.
 */
function checkAccess(
  url: URL,
  name: string,
  privatePrefixes: readonly string[],
  secretKey: string | undefined,
): { expires: number | undefined } | Response {
  const isPrivate = privatePrefixes.some((p) => name.startsWith(p));
  const given = url.searchParams.get('signature');
  if (!isPrivate && given === null) return { expires: undefined };
  const expires = Number(url.searchParams.get('expires'));
  if (!secretKey || given === null || !Number.isSafeInteger(expires)) return plain(403, 'Forbidden');
  const wanted = Buffer.from(signature(secretKey, name, expires));
  const got = Buffer.from(given);
  if (got.length !== wanted.length || !timingSafeEqual(got, wanted)) return plain(403, 'Forbidden');
  if (expires * 1000 <= Date.now()) return plain(403, 'Forbidden: this link has expired');
  return { expires };
}

/** Public files: `maxAge`; a signed URL: private, and never cached past its expiry. */
function cacheControl(maxAge: number, expires: number | undefined): string {
  return expires !== undefined
    ? `private, max-age=${Math.max(0, Math.min(maxAge, expires - Math.floor(Date.now() / 1000)))}`
    : `public, max-age=${maxAge}`;
}

/** The safe headers of a media response: nosniff, the sandbox CSP, inline only for raster images, audio and video. */
function mediaHeaders(name: string, stat: MediaStat, cacheControl: string): Headers {
  const bare = stat.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const filename = name.slice(name.lastIndexOf('/') + 1);
  return new Headers({
    ...SAFE_HEADERS,
    'content-type': stat.contentType,
    'content-disposition': INLINE_MEDIA_TYPES.has(bare) ? 'inline' : `attachment; filename="${filename}"`,
    etag: stat.etag,
    'last-modified': stat.lastModified.toUTCString(),
    'cache-control': cacheControl,
    'accept-ranges': 'bytes',
  });
}
