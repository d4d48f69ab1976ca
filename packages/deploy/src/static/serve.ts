import { createReadStream, type Stats } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { Middleware, OptionKeys } from '@adv/types';
import { invalidOption } from '../errors.js';
import { deployOptions } from '../options.js';
import { loadManifest } from './manifest.js';
import { contentTypeFor } from './mime.js';

/** Options of {@link serveStatic}. */
export interface ServeStaticOptions {
  /** The directory `collectStatic` wrote (`STATIC_ROOT`). */
  root: string;
  /**
   * URL prefix the files live under (`STATIC_URL`).
   * @defaultValue `'/static/'`
   */
  prefix?: string | undefined;
  /**
   * `max-age` in seconds for files whose name is not hashed (hashed names get a year and `immutable`).
   * @defaultValue `60`
   */
  maxAge?: number | undefined;
}

/** Defaults of {@link ServeStaticOptions}. */
export const SERVE_STATIC_DEFAULTS = { prefix: '/static/', maxAge: 60 } as const;

const SERVE_STATIC_KEYS: OptionKeys<ServeStaticOptions> = { root: true, prefix: true, maxAge: true };

const YEAR = 31_536_000;
/** Bodies up to this size are read into memory in one go; larger ones are streamed. */
const BUFFER_MAX_BYTES = 256 * 1024;

/** Reads `length` bytes at `start`, or `undefined` when the file is gone or shorter than it was. */
async function readRange(path: string, start: number, length: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const buffer = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
      if (bytesRead === 0) return undefined;
      filled += bytesRead;
    }
    return buffer;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
const notFound = () =>
  new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** Splits the URL path under the prefix into safe segments, or `null` for anything hostile. */
export function safeSegments(rest: string): string[] | null {
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    // Empty (`//`), dot segments, dotfiles, separators and NUL smuggled in through encoding.
    if (segment === '' || segment.startsWith('.') || /[/\\\0:]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments.length > 0 ? segments : null;
}

/**
 * The client's q-value for each coding it names in `Accept-Encoding` (RFC 9110 §12.5.3):
 * a coding not named takes the value of `*`, or 0 when `*` is absent too; `q=0` refuses it.
 */
export function encodingWeights(header: string | null): { br: number; gzip: number } {
  const named = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    named.set(name.trim(), Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 1) : 0);
  }
  const star = named.get('*') ?? 0;
  return { br: named.get('br') ?? star, gzip: named.get('gzip') ?? named.get('x-gzip') ?? star };
}

async function statFile(path: string): Promise<Stats | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

function etagOf(s: Stats, encoding: string): string {
  return `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}${encoding ? `-${encoding}` : ''}"`;
}

/** Whether an `If-None-Match` / `If-Range` list names `etag` (weak comparison). */
export function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Parses a single `bytes=` range; `undefined` = ignore (serve 200), `null` = unsatisfiable (416). */
export function parseRange(header: string, size: number): { start: number; end: number } | null | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined; // multiple or malformed ranges: a full 200 is a valid answer
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end || size === 0) return null;
  return { start, end };
}

/**
 * WhiteNoise for Fetch: serves collected static files under `prefix` with a year of
 * `immutable` caching for hashed names, `ETag`/`Last-Modified` and 304s, single byte ranges,
 * precompressed `.br`/`.gz` variants chosen by `Accept-Encoding`, and no way out of `root`
 * (encoded dot segments, backslashes, NUL, dotfiles and symlinks leaving `root` are refused).
 * Requests outside the prefix, other methods and unknown files go to `next`.
 *
 * @example
 * ```ts
 * const app = compose(serveStatic({ root: 'dist/static' }))(handler);
 * ```
 */
export function serveStatic(options: ServeStaticOptions): Middleware {
  const {
    root: rootOption,
    prefix,
    maxAge,
  } = deployOptions('serveStatic', options, SERVE_STATIC_KEYS, SERVE_STATIC_DEFAULTS);
  if (typeof rootOption !== 'string' || rootOption === '') invalidOption('root', 'a directory path', rootOption);
  if (typeof prefix !== 'string' || !prefix.startsWith('/'))
    invalidOption('prefix', 'a path starting with `/`', prefix);
  if (!Number.isInteger(maxAge) || maxAge < 0) invalidOption('maxAge', 'a non-negative integer of seconds', maxAge);
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  let state: Promise<{ root: string; hashed: Set<string> }> | undefined;
  /** Looked-up hashed files (bounded by the manifest's size). */
  const immutable = new Map<string, { real: string; identity: Stats; br: Stats | undefined; gz: Stats | undefined }>();
  const load = async () => {
    const root = await realpath(rootOption);
    const manifest = await loadManifest(root).catch(() => undefined);
    return { root, hashed: new Set(Object.values(manifest?.paths ?? {})) };
  };

  return async function serveStatic(request, next) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(base) || (request.method !== 'GET' && request.method !== 'HEAD')) return next(request);
    const segments = safeSegments(url.pathname.slice(base.length));
    if (!segments) return notFound();
    state ??= load();
    let root: string;
    let hashed: Set<string>;
    try {
      ({ root, hashed } = await state);
    } catch {
      state = undefined; // root missing: retry on the next request, let the app answer this one
      return next(request);
    }
    const relative = segments.join('/');
    const isHashed = hashed.has(relative);
    let info = isHashed ? immutable.get(relative) : undefined;
    if (!info) {
      const file = join(root, ...segments);
      if (!file.startsWith(root + sep)) return notFound();
      let real: string;
      try {
        real = await realpath(file);
      } catch {
        return next(request);
      }
      if (!real.startsWith(root + sep)) return notFound(); // a symlink pointing out of root
      const [identity, br, gz] = await Promise.all([statFile(real), statFile(`${real}.br`), statFile(`${real}.gz`)]);
      if (!identity) return next(request);
      info = { real, identity, br, gz };
      // A hashed name's content never changes (WhiteNoise caches the same): skip the file system next time.
      if (isHashed) immutable.set(relative, info);
    }
    const { real, identity, br, gz } = info;

    const rangeHeader = request.headers.get('range');
    // Ranges are served from the identity file (byte offsets of a compressed copy mean nothing to the client).
    const weights = rangeHeader ? { br: 0, gzip: 0 } : encodingWeights(request.headers.get('accept-encoding'));
    let encoding = '';
    let served = identity;
    let path = real;
    // The highest q-value wins; brotli on a tie (smaller).
    const brWeight = br ? weights.br : 0;
    const gzWeight = gz ? weights.gzip : 0;
    if (brWeight > 0 && brWeight >= gzWeight && br) [encoding, served, path] = ['br', br, `${real}.br`];
    else if (gzWeight > 0 && gz) [encoding, served, path] = ['gzip', gz, `${real}.gz`];

    const etag = etagOf(served, encoding);
    const headers = new Headers({
      'content-type': contentTypeFor(extname(real)),
      etag,
      'last-modified': new Date(Math.floor(identity.mtimeMs / 1000) * 1000).toUTCString(),
      'cache-control': isHashed ? `public, max-age=${YEAR}, immutable` : `public, max-age=${maxAge}`,
      'accept-ranges': 'bytes',
    });
    if (br || gz) headers.set('vary', 'Accept-Encoding');
    if (encoding) headers.set('content-encoding', encoding);

    const ifNoneMatch = request.headers.get('if-none-match');
    const ifModifiedSince = request.headers.get('if-modified-since');
    const notModified = ifNoneMatch
      ? matchesEtag(ifNoneMatch, etag)
      : ifModifiedSince !== null && Date.parse(ifModifiedSince) >= Math.floor(identity.mtimeMs / 1000) * 1000;
    if (notModified) {
      headers.delete('content-type');
      return new Response(null, { status: 304, headers });
    }

    let start = 0;
    let end = served.size - 1;
    let status = 200;
    const ifRange = request.headers.get('if-range');
    if (rangeHeader && (!ifRange || ifRange.trim() === etag)) {
      const range = parseRange(rangeHeader, served.size);
      if (range === null) {
        headers.set('content-range', `bytes */${served.size}`);
        return new Response(null, { status: 416, headers });
      }
      if (range) {
        ({ start, end } = range);
        status = 206;
        headers.set('content-range', `bytes ${start}-${end}/${served.size}`);
      }
    }
    headers.set('content-length', String(Math.max(0, end - start + 1)));
    if (request.method === 'HEAD' || served.size === 0) return new Response(null, { status, headers });
    const length = end - start + 1;
    if (length <= BUFFER_MAX_BYTES) {
      // Most assets (and every precompressed copy of a script or stylesheet) are small: one read
      // into a buffer costs far less than a file stream bridged to a web stream.
      const body = await readRange(path, start, length);
      if (body) return new Response(body, { status, headers });
      immutable.delete(relative);
      return next(request); // the file vanished since it was looked up (a redeploy): let the app answer
    }
    const stream = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
    return new Response(stream, { status, headers });
  };
}
