import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AsyncError } from '../errors.js';
import { headersFrom, lazyRequest, setLazySignal } from './lazy-request.js';

/** `RequestInit` plus the `duplex` member Node's fetch needs for streamed request bodies. */
export type StreamingRequestInit = RequestInit & { duplex?: 'half' };

function bodyTooLarge(limit: number): AsyncError {
  return new AsyncError('ERR_BODY_TOO_LARGE', `Request body is larger than \`bodyLimit\` (${limit} bytes)`);
}

/**
 * Streams a Node request body as a web `ReadableStream`, pausing the socket while the consumer
 * is not reading (backpressure) and erroring with `ERR_BODY_TOO_LARGE` past `limit` bytes.
 * Hand-written rather than `Readable.toWeb()` so the limit is enforced while streaming.
 */
export function bodyStream(req: IncomingMessage, limit: number): ReadableStream<Uint8Array> {
  let received = 0;
  const detach = () => {
    req.removeAllListeners('data');
    req.removeAllListeners('end');
    // Keep draining so the connection can still carry the response.
    req.resume();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > limit) {
            controller.error(bodyTooLarge(limit));
            detach();
            return;
          }
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        });
        req.once('end', () => controller.close());
        req.once('error', (error) => controller.error(error));
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        detach();
      },
    },
    { highWaterMark: 65_536, size: (chunk) => chunk.byteLength },
  );
}

/**
 * The serialised origin (`new URL(…).origin`) of `scheme://host` by host, `null` when it does
 * not parse. `new URL` / `URL.canParse` cost about 1 µs a request (a tenth of serve()'s own
 * work) and clients send the same few Host values. Only plain `name[:port]` hosts are cached.
 */
/** Per scheme: the origin by Host value, and the last Host asked about (most clients send one). */
interface OriginCache {
  byHost: Map<string, string | null>;
  lastHost: string | undefined;
  lastOrigin: string | null;
}
const httpOrigins: OriginCache = { byHost: new Map(), lastHost: undefined, lastOrigin: null };
const httpsOrigins: OriginCache = { byHost: new Map(), lastHost: undefined, lastOrigin: null };
const PLAIN_HOST = /^[a-z0-9.-]+(?::\d{1,5})?$/i;
/** Paths a WHATWG URL keeps byte for byte: no characters it encodes, no dot segments (`.`, `%2e`). */
const CANONICAL_PATH = /^\/[A-Za-z0-9\-_~!$&()*+,;=:@/%?.]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)/i;

/**
 * The cached origin of a plain host, one cache per scheme: the same Host as last time is one
 * string comparison (a fresh header string is not hashed), any other known one a map read.
 */
function plainOrigin(scheme: 'http' | 'https', host: string): string | null | undefined {
  const cache = scheme === 'http' ? httpOrigins : httpsOrigins;
  if (host === cache.lastHost) return cache.lastOrigin;
  let origin = cache.byHost.get(host);
  if (origin === undefined) {
    if (!PLAIN_HOST.test(host)) return undefined;
    const key = `${scheme}://${host}`;
    origin = URL.canParse(key) ? new URL(key).origin : null;
    if (cache.byHost.size >= 256) cache.byHost.clear();
    cache.byHost.set(host, origin);
  }
  cache.lastHost = host;
  cache.lastOrigin = origin;
  return origin;
}

/** The last URL built from a canonical path, by its base (the origin) and path. */
const lastUrl = { base: '', path: '', url: '' };

/**
 * Builds the request URL from the Host header (falling back to the socket's address, and to
 * `localhost` when the Host does not parse), serialised as `new Request(url).url` would be.
 */
function requestUrl(req: IncomingMessage): string {
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = req.headers.host ?? `${req.socket.localAddress ?? 'localhost'}:${req.socket.localPort ?? 80}`;
  const raw = req.url ?? '/';
  const path = raw.startsWith('/') ? raw : `/${raw}`;
  const origin = plainOrigin(scheme, host);
  if (origin !== undefined) {
    const base = origin ?? `${scheme}://localhost`;
    // The same origin and path as the last request (a hot page): its URL, no pattern tests.
    if (path === lastUrl.path && base === lastUrl.base) return lastUrl.url;
    if (CANONICAL_PATH.test(path) && !DOT_SEGMENT.test(path)) {
      const url = base + path;
      lastUrl.base = base;
      lastUrl.path = path;
      lastUrl.url = url;
      return url;
    }
  }
  const url = `${scheme}://${host}${path}`;
  return URL.canParse(url) ? new URL(url).href : new URL(`${scheme}://localhost${path}`).href;
}

/**
 * Converts a Node `IncomingMessage` to a Fetch `Request` whose body streams from the socket and
 * whose `signal` is `signal` (aborted by the server when the client disconnects).
 *
 * @throws AsyncError `ERR_BODY_TOO_LARGE` when `Content-Length` already exceeds `bodyLimit`.
 */
export function toRequest(
  req: IncomingMessage,
  options: { signal?: AbortSignal; bodyLimit?: number; body?: boolean } = {},
): Request {
  const limit = options.bodyLimit ?? Number.POSITIVE_INFINITY;
  const method = req.method ?? 'GET';
  const hasBody = options.body !== false && method !== 'GET' && method !== 'HEAD';
  if (!hasBody && options.signal === undefined) {
    const lazy = lazyRequest(requestUrl(req), method, req.rawHeaders);
    if (lazy !== undefined) return lazy;
  }
  const init: StreamingRequestInit = { method, headers: headersFrom(req.rawHeaders) };
  if (options.signal) init.signal = options.signal;
  if (hasBody) {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) throw bodyTooLarge(limit);
    init.body = bodyStream(req, limit);
    init.duplex = 'half';
  }
  return new Request(requestUrl(req), init);
}

/**
 * Gives `request` a `signal` that aborts when `abort` is called, created only if something
 * reads it. Passing a signal to `new Request()` costs more than the rest of a hello-world
 * request on Node 20 (undici follows it with a WeakRef and a FinalizationRegistry), so the
 * signal is an own property instead. Note: `new Request(request, init)` does not carry it
 * over; pass `signal: request.signal` in `init` when you derive a request.
 */
export function lazySignal(request: Request): (reason: unknown) => void {
  let controller: AbortController | undefined;
  let abortedWith: { reason: unknown } | undefined;
  setLazySignal(request, {
    signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (abortedWith) controller.abort(abortedWith.reason);
      }
      return controller.signal;
    },
  });
  return (reason) => {
    if (abortedWith) return;
    abortedWith = { reason };
    controller?.abort(reason);
  };
}
