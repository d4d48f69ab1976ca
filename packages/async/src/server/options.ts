import { type Logger, type OptionKeys, type Resolved, silentLogger } from '@adv/types';
import type { overrideGlobalResponse } from '../response/index.js';
import { asyncOptions, checkCount, checkFunction, checkLogger, checkSignal, invalidOption } from '../validate.js';
import type { AnyWebSocketRoute } from '../websocket/types.js';

/** Options of {@link serve}. Times are in milliseconds, sizes in bytes. */
export interface ServeOptions {
  /**
   * TCP port; `0` picks a free one (read it back from `server.port`).
   * @defaultValue `3000`
   */
  port?: number | undefined;
  /**
   * Interface to bind. `'0.0.0.0'` or `'::'` listens on every interface.
   * @defaultValue `'127.0.0.1'` (like uvicorn: put a proxy in front in production)
   */
  host?: string | undefined;
  /** Aborting this signal shuts the server down gracefully, as `close()` does. */
  signal?: AbortSignal | undefined;
  /**
   * Largest request body accepted. A larger `Content-Length` gets `413` before the handler
   * runs; a chunked body that grows past it errors the body stream (and answers `413` if the
   * handler lets the error escape).
   * @defaultValue `1_048_576` (1 MiB); `Infinity` disables the limit
   */
  bodyLimit?: number | undefined;
  /**
   * Time allowed to receive the request headers (Node's `server.headersTimeout`); a client
   * slower than this (slowloris) gets `408` and is disconnected. `0` disables. Must not exceed
   * a non-zero `requestTimeout`.
   * @defaultValue `60_000` (or `requestTimeout` when that is shorter)
   */
  headersTimeout?: number | undefined;
  /**
   * Time allowed to receive the whole request, headers and body (Node's
   * `server.requestTimeout`); then `408` and a disconnect. `0` disables.
   * @defaultValue `300_000`
   */
  requestTimeout?: number | undefined;
  /**
   * How long an idle keep-alive connection stays open (Node's `server.keepAliveTimeout`).
   * @defaultValue `5_000`
   */
  keepAliveTimeout?: number | undefined;
  /**
   * On shutdown, how long in-flight requests may take before their `request.signal` is
   * aborted and their connections are cut.
   * @defaultValue `10_000`
   */
  shutdownTimeout?: number | undefined;
  /**
   * WebSocket consumers by path, served on the same port as HTTP.
   * @example `{ '/ws/chat': consumer({ receive: (ctx, m) => m.type === 'text' && ctx.send(m.text) }) }`
   */
  websocket?: Record<string, AnyWebSocketRoute> | undefined;
  /**
   * Turns an error the handler threw into a response. Return `undefined` for the default
   * (`413` for `ERR_BODY_TOO_LARGE`, otherwise `500` and a log line).
   */
  onError?: ((error: unknown, request: Request) => Response | undefined | Promise<Response | undefined>) | undefined;
  /** Where unexpected errors are logged; `console` and pino both fit. @defaultValue `silentLogger` */
  logger?: Logger | undefined;
  /**
   * Replace `globalThis.Response` with a lightweight class while the server runs (see
   * {@link overrideGlobalResponse}), as @hono/node-server does by default: a handler's `new
   * Response('hello')` is then written from memory instead of building undici's object and its
   * ReadableStream. It applies to the whole process, not just this server's handlers; the
   * original comes back on `close()` (once no other server or caller still wants it). `false`
   * leaves the global alone; `text()`, `json()` and `html()` are cheap either way.
   * @defaultValue `true`
   */
  overrideGlobalResponse?: boolean | undefined;
}

/** Defaults of {@link ServeOptions}, in one place. */
export const SERVE_DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  bodyLimit: 1_048_576,
  headersTimeout: 60_000,
  requestTimeout: 300_000,
  keepAliveTimeout: 5_000,
  shutdownTimeout: 10_000,
  overrideGlobalResponse: true,
} as const;

/**
 * The timeouts `serve` gives `node:http`, and how often Node checks them. Node only looks for
 * expired header and request timers every `connectionsCheckingInterval` (30 s by default), so
 * a 2 s `headersTimeout` would let a slowloris client hold its socket for up to 30 s: the
 * interval follows the shortest timeout instead (a quarter of it, from 50 ms to 30 s).
 */
export function nodeTimeouts(options: ResolvedServeOptions): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  const requestTimeout = options.requestTimeout;
  const headersTimeout =
    options.headersTimeout ??
    (requestTimeout > 0 ? Math.min(SERVE_DEFAULTS.headersTimeout, requestTimeout) : SERVE_DEFAULTS.headersTimeout);
  const enabled = [headersTimeout, requestTimeout].filter((ms) => ms > 0);
  const shortest = enabled.length > 0 ? Math.min(...enabled) : 120_000;
  return {
    headersTimeout,
    requestTimeout,
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(shortest / 4))),
  };
}

/** Every option name of {@link ServeOptions}. */
const SERVE_KEYS: OptionKeys<ServeOptions> = {
  port: true,
  host: true,
  signal: true,
  bodyLimit: true,
  headersTimeout: true,
  requestTimeout: true,
  keepAliveTimeout: true,
  shutdownTimeout: true,
  websocket: true,
  onError: true,
  logger: true,
  overrideGlobalResponse: true,
};

// `headersTimeout` is left out: its default follows `requestTimeout` (see `nodeTimeouts`).
const { headersTimeout: _derived, ...RESOLVE_DEFAULTS_BASE } = SERVE_DEFAULTS;
const RESOLVE_DEFAULTS = { ...RESOLVE_DEFAULTS_BASE, logger: silentLogger };

/** {@link ServeOptions} with their defaults applied (`headersTimeout` follows `requestTimeout`). */
export type ResolvedServeOptions = Resolved<ServeOptions, typeof RESOLVE_DEFAULTS>;

/**
 * Validates serve options once, at startup (fail fast on a typo'd name or value), and applies
 * the defaults: an explicit `undefined` keeps the default.
 */
export function resolveServeOptions(handler: unknown, options: ServeOptions | undefined): ResolvedServeOptions {
  if (typeof handler !== 'function') throw invalidOption('handler', 'a function (request) => Response', handler);
  const o = asyncOptions('serve', options, SERVE_KEYS, RESOLVE_DEFAULTS);
  const { port, host } = o;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw invalidOption('port', 'an integer from 0 to 65535', port);
  }
  if (typeof host !== 'string' || host === '') throw invalidOption('host', 'a non-empty string', host);
  checkSignal('signal', o.signal);
  checkCount('bodyLimit', o.bodyLimit, { infinite: true, unit: 'number of bytes' });
  checkCount('headersTimeout', o.headersTimeout, { unit: 'number of milliseconds' });
  checkCount('requestTimeout', o.requestTimeout, { unit: 'number of milliseconds' });
  checkCount('keepAliveTimeout', o.keepAliveTimeout, { unit: 'number of milliseconds' });
  checkCount('shutdownTimeout', o.shutdownTimeout, { unit: 'number of milliseconds' });
  const { headersTimeout, requestTimeout } = o;
  if (headersTimeout !== undefined && requestTimeout > 0 && headersTimeout > requestTimeout) {
    throw invalidOption('headersTimeout', `at most \`requestTimeout\` (${requestTimeout} ms)`, headersTimeout);
  }
  checkFunction('onError', o.onError);
  checkLogger('logger', o.logger);
  if (typeof o.overrideGlobalResponse !== 'boolean') {
    throw invalidOption('overrideGlobalResponse', 'a boolean', o.overrideGlobalResponse);
  }
  if (o.websocket !== undefined) {
    if (o.websocket === null || typeof o.websocket !== 'object') {
      throw invalidOption('websocket', 'an object of routes by path', o.websocket);
    }
    for (const [path, route] of Object.entries(o.websocket)) {
      if (!path.startsWith('/')) throw invalidOption('websocket path', 'a path starting with `/`', path);
      if (route === null || typeof route !== 'object')
        throw invalidOption(`websocket['${path}']`, 'a route object', route);
    }
  }
  return o;
}
