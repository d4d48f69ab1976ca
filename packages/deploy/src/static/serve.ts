import { createReadStream, type Stats } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { type Middleware, type Next, type OptionKeys, pathnameOf } from '@adv/types';
import { invalidOption } from '../errors.js';
import { isNotModified, notModifiedResponse, selectRange } from '../http/conditional.js';
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
  const { root, base, maxAge } = resolveServeStaticOptions(options);
  const files = new StaticRoot(root);

  const serveFile = async (request: Request, next: Next, pathname: string): Promise<Response> => {
    const segments = safeSegments(pathname.slice(base.length));
    if (!segments) return notFound();
    const found = await files.find(segments);
    if (found === 'not-found') return notFound();
    if (found === 'next') return next(request);
    const { info, isHashed, relative } = found;
    const { encoding, served, path } = chooseEncoding(request, info);
    const etag = etagOf(served, encoding);
    const lastModified = Math.floor(info.identity.mtimeMs / 1000) * 1000;
    const headers = new Headers({
      'content-type': contentTypeFor(extname(info.real)),
      etag,
      'last-modified': new Date(lastModified).toUTCString(),
      'cache-control': isHashed ? `public, max-age=${YEAR}, immutable` : `public, max-age=${maxAge}`,
      'accept-ranges': 'bytes',
    });
    if (info.br || info.gz) headers.set('vary', 'Accept-Encoding');
    if (encoding) headers.set('content-encoding', encoding);
    if (isNotModified(request, etag, lastModified)) return notModifiedResponse(headers);

    const { status, start, end } = selectRange(request, etag, served.size, headers);
    if (status === 416) return new Response(null, { status, headers });
    headers.set('content-length', String(Math.max(0, end - start + 1)));
    if (request.method === 'HEAD' || served.size === 0) return new Response(null, { status, headers });
    const length = end - start + 1;
    if (length <= BUFFER_MAX_BYTES) {
      // Most assets (and every precompressed copy of a script or stylesheet) are small: one read
      // into a buffer costs far less than a file stream bridged to a web stream.
      const body = await readRange(path, start, length);
      if (body) return new Response(body, { status, headers });
      files.forget(relative);
      return next(request); // the file vanished since it was looked up (a redeploy): let the app answer
    }
    const stream = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
    return new Response(stream, { status, headers });
  };
  // A plain function: the requests that only pass through (most of them) make no promise here.
  return function serveStatic(request, next) {
    const pathname = pathnameOf(request);
    if (!pathname.startsWith(base) || (request.method !== 'GET' && request.method !== 'HEAD')) return next(request);
    return serveFile(request, next, pathname);
  };
}

function resolveServeStaticOptions(options: ServeStaticOptions): { root: string; base: string; maxAge: number } {
  const { root, prefix, maxAge } = deployOptions('serveStatic', options, SERVE_STATIC_KEYS, SERVE_STATIC_DEFAULTS);
  if (typeof root !== 'string' || root === '') invalidOption('root', 'a directory path', root);
  if (typeof prefix !== 'string' || !prefix.startsWith('/'))
    invalidOption('prefix', 'a path starting with `/`', prefix);
  if (!Number.isInteger(maxAge) || maxAge < 0) invalidOption('maxAge', 'a non-negative integer of seconds', maxAge);
  return { root, base: prefix.endsWith('/') ? prefix : `${prefix}/`, maxAge };
}

/** A file found under the root: its real path and the stats of it and of its precompressed copies. */
interface StaticFile {
  real: string;
  identity: Stats;
  br: Stats | undefined;
  gz: Stats | undefined;
}

/**
 * The collected files: the real root and the manifest's hashed names, loaded on first use (and
 * again after a failure), and the hashed files already looked up, whose content never changes.
 */
class StaticRoot {
  private state: Promise<{ root: string; hashed: Set<string> }> | undefined;
  /** Looked-up hashed files (bounded by the manifest's size). */
  private readonly immutable = new Map<string, StaticFile>();

  constructor(private readonly rootOption: string) {}

  private async load(): Promise<{ root: string; hashed: Set<string> }> {
    const root = await realpath(this.rootOption);
    const manifest = await loadManifest(root).catch(() => undefined);
    return { root, hashed: new Set(Object.values(manifest?.paths ?? {})) };
  }

  /** Drops a cached hashed file that vanished (a redeploy). */
  forget(relative: string): void {
    this.immutable.delete(relative);
  }

  /**
   * The file at `segments`; `'not-found'` for a path leaving the root, `'next'` when the root or
   * the file is missing (the app answers).
   */
  async find(
    segments: readonly string[],
  ): Promise<{ info: StaticFile; isHashed: boolean; relative: string } | 'not-found' | 'next'> {
    this.state ??= this.load();
    let root: string;
    let hashed: Set<string>;
    try {
      ({ root, hashed } = await this.state);
    } catch {
      this.state = undefined; // root missing: retry on the next request, let the app answer this one
      return 'next';
    }
    const relative = segments.join('/');
    const isHashed = hashed.has(relative);
    const cached = isHashed ? this.immutable.get(relative) : undefined;
    if (cached) return { info: cached, isHashed, relative };
    const info = await lookUp(root, segments);
    if (typeof info === 'string') return info;
    // A hashed name's content never changes (WhiteNoise caches the same): skip the file system next time.
    if (isHashed) this.immutable.set(relative, info);
    return { info, isHashed, relative };
  }
}

/** Resolves `segments` under `root` (symlinks leaving it refused) and stats the file and its `.br`/`.gz` copies. */
async function lookUp(root: string, segments: readonly string[]): Promise<StaticFile | 'not-found' | 'next'> {
  const file = join(root, ...segments);
  if (!file.startsWith(root + sep)) return 'not-found';
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return 'next';
  }
  if (!real.startsWith(root + sep)) return 'not-found'; // a symlink pointing out of root
  const [identity, br, gz] = await Promise.all([statFile(real), statFile(`${real}.br`), statFile(`${real}.gz`)]);
  if (!identity) return 'next';
  return { real, identity, br, gz };
}

/** The copy to send: the highest q-value of `Accept-Encoding` wins, brotli on a tie; ranges always get the identity file. */
function chooseEncoding(request: Request, info: StaticFile): { encoding: string; served: Stats; path: string } {
  const { real, identity, br, gz } = info;
  // Ranges are served from the identity file (byte offsets of a compressed copy mean nothing to the client).
  const weights = request.headers.get('range')
    ? { br: 0, gzip: 0 }
    : encodingWeights(request.headers.get('accept-encoding'));
  const brWeight = br ? weights.br : 0;
  const gzWeight = gz ? weights.gzip : 0;
  if (brWeight > 0 && brWeight >= gzWeight && br) return { encoding: 'br', served: br, path: `${real}.br` };
  if (gzWeight > 0 && gz) return { encoding: 'gzip', served: gz, path: `${real}.gz` };
  return { encoding: '', served: identity, path: real };
}
